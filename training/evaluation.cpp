#include "training/evaluation.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/media/image_io.h"
#include "model/engine/engine.h"
#include "model/error.h"
#include "training/sequence_builder.h"

namespace kosmos::training {
namespace {

constexpr std::array<const char*, 8> kColours = {"red", "green", "blue", "yellow", "orange", "purple", "pink", "black"};
constexpr std::array<const char*, 6> kShapes = {"circle", "square", "triangle", "star", "diamond", "hexagon"};

std::vector<std::string> words(const std::string& text) {
    std::vector<std::string> out;
    std::string current;
    for (char ch : text) {
        if (std::isalpha(static_cast<unsigned char>(ch))) {
            current += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        } else if (!current.empty()) {
            out.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) out.push_back(current);
    return out;
}

struct Job {
    std::size_t record = 0;
    std::size_t image = 0;                    // index into the group's images (given to the request when run)
    GenerationRequest request;
    const GroundedPhrase* object = nullptr;   // REC: the object asked for
};

std::optional<Box> firstBox(const GenerationResult& result) {
    for (const auto& entity : result.entities)
        if (!entity.boxes.empty()) return entity.boxes.front().box;
    return std::nullopt;
}

} // namespace

double boxIou(const Box& a, const Box& b) {
    const double ix = std::max(0.0, std::min(a[2], b[2]) - std::max(a[0], b[0]));
    const double iy = std::max(0.0, std::min(a[3], b[3]) - std::max(a[1], b[1]));
    const double inter = ix * iy;
    const double areaA = std::max(0.0, a[2] - a[0]) * std::max(0.0, a[3] - a[1]);
    const double areaB = std::max(0.0, b[2] - b[0]) * std::max(0.0, b[3] - b[1]);
    const double uni = areaA + areaB - inter;
    return uni > 0 ? inter / uni : 0.0;
}

ShapeName shapeNameOf(const std::string& phrase) {
    ShapeName name;
    for (const std::string& w : words(phrase)) {
        for (const char* c : kColours)
            if (name.colour.empty() && w == c) name.colour = c;
        for (const char* s : kShapes)
            if (name.shape.empty() && (w == s || w == std::string(s) + "s")) name.shape = s;
    }
    return name;
}

EvalReport evaluate(Engine& engine, const std::vector<GroundedRecord>& records, const EvalOptions& options,
                    const std::function<void(std::size_t, std::size_t)>& progress, const std::atomic<bool>* cancel,
                    const std::function<void(const std::string&)>& onMessage) {
    if (options.task != "rec" && options.task != "caption" && options.task != "all")
        throw Error("unknown evaluation task '" + options.task + "' (rec, caption, all)");
    const bool doRec = options.task != "caption", doCaption = options.task != "rec";
    const std::size_t count = options.limit ? std::min(options.limit, records.size()) : records.size();
    const int batch = std::max(1, options.batchSize);

    EvalReport report;
    report.hasRec = doRec;
    report.hasCaption = doCaption;
    std::size_t total = 0, done = 0;
    for (std::size_t i = 0; i < count; ++i) total += (doRec ? records[i].refExps.size() : 0) + (doCaption ? 1 : 0);

    // Each image of a group is held once, however many objects it has; a request gets its copy when it runs.
    std::vector<ImageU8> groupImages;
    const auto runJobs = [&](std::vector<Job>& jobs, const std::function<void(const Job&, const GenerationResult&)>& score) {
        for (std::size_t start = 0; start < jobs.size(); start += batch) {
            if (cancel && cancel->load()) return;
            const std::size_t end = std::min(jobs.size(), start + static_cast<std::size_t>(batch));
            std::vector<GenerationRequest> requests;
            for (std::size_t j = start; j < end; ++j) {
                requests.push_back(jobs[j].request);
                requests.back().image = groupImages[jobs[j].image];
            }
            const std::vector<GenerationResult> results = engine.generateBatch(requests, cancel);
            for (std::size_t j = start; j < end; ++j) score(jobs[j], results[j - start]);
            done += end - start;
            if (progress) progress(done, total);
        }
    };
    const auto scoreRec = [&](const Job& job, const GenerationResult& result) {
        ++report.recN;
        const std::optional<Box> box = firstBox(result);
        if (!box) return;
        for (const Box& truth : job.object->boxes) {
            if (boxIou(*box, truth) >= options.iouThreshold) {
                ++report.recCorrect;
                return;
            }
        }
    };
    const auto scoreCaption = [&](const Job& job, const GenerationResult& result) {
        const GroundedRecord& record = records[job.record];
        ++report.captionN;
        report.captionObjects += record.nounChunks.size();
        report.captionEntities += result.entities.size();
        std::vector<bool> taken(record.nounChunks.size(), false);
        for (const auto& entity : result.entities) {
            if (entity.boxes.empty()) continue;
            const ShapeName said = shapeNameOf(entity.phrase);
            if (said.colour.empty() || said.shape.empty()) continue;
            const Box& box = entity.boxes.front().box;
            for (std::size_t k = 0; k < record.nounChunks.size(); ++k) {
                if (taken[k]) continue;
                const GroundedPhrase& object = record.nounChunks[k];
                const ShapeName truth = shapeNameOf(object.text);
                if (truth.colour != said.colour || truth.shape != said.shape) continue;
                const bool hit = std::any_of(object.boxes.begin(), object.boxes.end(),
                                             [&](const Box& t) { return boxIou(box, t) >= options.iouThreshold; });
                if (!hit) continue;
                taken[k] = true;
                ++report.captionMatched;
                break;
            }
        }
    };

    // Records go in groups of `batch`, so only one group's images are held at a time.
    GenerationParams params;
    params.doSample = 0;
    params.numBeams = 1;
    for (std::size_t first = 0; first < count; first += batch) {
        if (cancel && cancel->load()) break;
        std::vector<Job> recJobs, captionJobs;
        groupImages.clear();
        for (std::size_t i = first; i < std::min(count, first + static_cast<std::size_t>(batch)); ++i) {
            const GroundedRecord& record = records[i];
            try {
                groupImages.push_back(loadImageFile(record.imagePath));
            } catch (const Error& e) {
                ++report.skipped;
                if (onMessage) onMessage(record.location + ": skipped, " + e.what());
                continue;
            }
            const std::size_t image = groupImages.size() - 1;
            if (doRec) {
                for (const GroundedPhrase& object : record.refExps) {
                    Job job;
                    job.record = i;
                    job.image = image;
                    job.object = &object;
                    job.request.prompt = referringExpressionPrompt(object.text);
                    job.request.params = params;
                    job.request.params.maxNewTokens = options.recMaxNewTokens;
                    recJobs.push_back(std::move(job));
                }
            }
            if (doCaption) {
                Job job;
                job.record = i;
                job.image = image;
                job.request.prompt = options.captionPrompt;
                job.request.params = params;
                job.request.params.maxNewTokens = options.captionMaxNewTokens;
                captionJobs.push_back(std::move(job));
            }
        }
        runJobs(recJobs, scoreRec);
        runJobs(captionJobs, scoreCaption);
    }
    report.recAccuracy = report.recN ? static_cast<double>(report.recCorrect) / report.recN : 0.0;
    report.precision = report.captionEntities ? static_cast<double>(report.captionMatched) / report.captionEntities : 0.0;
    report.recall = report.captionObjects ? static_cast<double>(report.captionMatched) / report.captionObjects : 0.0;
    report.f1 = report.precision + report.recall > 0
                    ? 2 * report.precision * report.recall / (report.precision + report.recall)
                    : 0.0;
    return report;
}

std::string evalReportJson(const EvalReport& r) {
    nlohmann::ordered_json root = nlohmann::ordered_json::object();
    if (r.hasRec) root["rec"] = {{"n", r.recN}, {"accuracy", r.recAccuracy}, {"correct", r.recCorrect}};
    if (r.hasCaption)
        root["caption"] = {{"n", r.captionN},           {"precision", r.precision},
                           {"recall", r.recall},        {"f1", r.f1},
                           {"objects", r.captionObjects}, {"entities", r.captionEntities},
                           {"matched", r.captionMatched}};
    root["skipped"] = r.skipped;
    return root.dump();
}

std::string evalReportSummary(const EvalReport& r) {
    const auto fixed3 = [](double v) {
        char text[32];
        std::snprintf(text, sizeof text, "%.3f", v);
        return std::string(text);
    };
    std::vector<std::string> parts;
    if (r.hasRec)
        parts.push_back("referring expressions " + fixed3(r.recAccuracy) + " (" + std::to_string(r.recCorrect) + "/" +
                        std::to_string(r.recN) + ")");
    if (r.hasCaption)
        parts.push_back("captions P " + fixed3(r.precision) + " R " + fixed3(r.recall) + " F1 " + fixed3(r.f1));
    if (r.skipped > 0) parts.push_back(std::to_string(r.skipped) + " skipped (image not readable)");
    std::string line;
    for (const std::string& part : parts) line += (line.empty() ? "" : ", ") + part;
    return line.empty() ? "no score" : line;
}

} // namespace kosmos::training
