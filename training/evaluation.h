#pragma once
// The two tasks of the shapes world (docs/synthetic-shapes.md), run through the engine as a user would
// (greedy, the checkpoint's own n-gram setting, batches):
//  - referring expression comprehension: prompt `<grounding><phrase> a red circle</phrase>` per object;
//    correct when the first box emitted reaches IoU >= 0.5 with the truth. Score: accuracy.
//  - grounded captioning: prompt `<grounding>An image of`; an emitted entity matches an object when its
//    phrase names the same colour and shape and its first box reaches IoU >= 0.5 (each object matched
//    once). Scores: precision over emitted entities, recall over objects, F1.
#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "model/grounding.h"
#include "training/grounded_record.h"

namespace kosmos {
class Engine;
}

namespace kosmos::training {

struct EvalOptions {
    std::string task = "all";                  // "rec" | "caption" | "all"
    std::size_t limit = 0;                     // first N records (0: all)
    int batchSize = 8;                         // prompts per generateBatch
    int recMaxNewTokens = 8;
    int captionMaxNewTokens = 96;
    std::string captionPrompt = "<grounding>An image of";
    double iouThreshold = 0.5;
};

struct EvalReport {
    bool hasRec = false;
    std::size_t recN = 0;                      // objects asked for
    std::size_t recCorrect = 0;
    double recAccuracy = 0;
    bool hasCaption = false;
    std::size_t captionN = 0;                  // images captioned
    std::size_t captionObjects = 0;
    std::size_t captionEntities = 0;           // entities emitted
    std::size_t captionMatched = 0;
    double precision = 0, recall = 0, f1 = 0;
    std::size_t skipped = 0;                   // records whose image could not be read
};

// Progress: (done, total) prompts. Throws kosmos::Error for an unknown task.
EvalReport evaluate(Engine& engine, const std::vector<GroundedRecord>& records, const EvalOptions& options,
                    const std::function<void(std::size_t, std::size_t)>& progress = {},
                    const std::atomic<bool>* cancel = nullptr,
                    const std::function<void(const std::string&)>& onMessage = {});

// {"rec":{"n","accuracy"},"caption":{"n","precision","recall","f1"}} (+ counts), tasks that ran only.
std::string evalReportJson(const EvalReport& report);

// One line for people: "referring expressions 0.929 (13/14), captions P 0.786 R 0.786 F1 0.786", tasks that ran only.
std::string evalReportSummary(const EvalReport& report);

double boxIou(const Box& a, const Box& b);

// The colour and shape words of the shapes world a phrase names ("" when none): "a red circle" ->
// {"red", "circle"}. Matching is by whole words, case-insensitive.
struct ShapeName {
    std::string colour;
    std::string shape;
};
ShapeName shapeNameOf(const std::string& phrase);

} // namespace kosmos::training
