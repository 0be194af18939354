// kosmos2 eval: referring-expression accuracy and grounded-caption P/R/F1 on GRIT data of the shapes world.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>

#include "app/cli/commands.h"
#include "model/engine/engine.h"
#include "model/engine/runtime_info.h"
#include "training/evaluation.h"
#include "training/grounded_record.h"

namespace kosmos::cli {
namespace {

struct EvalCommandOptions {
    std::string model, data, device = "cpu", dtype = "f32";
    training::EvalOptions eval;
    int threads = 0;
    bool json = false, quiet = false;
};

void runEval(const EvalCommandOptions& o) {
    configureThreads(o.threads);
    // What was left out is a warning, not progress: it is printed with --quiet too (the first ones in full).
    constexpr std::size_t kShownWarnings = 20;
    std::size_t warnings = 0;
    training::ReadReport report;
    report.onMessage = [&](const std::string& m) {
        if (++warnings <= kShownWarnings) std::fprintf(stderr, "%s\n", m.c_str());
    };
    training::JsonlReadOptions read;
    read.limit = o.eval.limit;
    const auto records = training::readGritJsonl(o.data, report, read);
    if (records.empty()) throw CommandError{o.data + ": no usable record to evaluate on"};
    LoadOptions load;
    load.device = o.device;
    load.dtype = o.dtype;
    auto engine = Engine::load(o.model, load);
    // On a terminal one line rewritten in place; into a log, a line at every tenth of the way.
    const bool terminal = ::isatty(STDERR_FILENO) != 0;
    std::size_t shownTenth = SIZE_MAX;
    training::EvalReport result = training::evaluate(
        *engine, records, o.eval,
        [&](std::size_t done, std::size_t total) {
            if (o.quiet) return;
            const std::size_t tenth = total > 0 ? done * 10 / total : 10;
            if (terminal) std::fprintf(stderr, "\reval %zu/%zu", done, total);
            else if (tenth != shownTenth) std::fprintf(stderr, "eval %zu/%zu\n", done, total);
            shownTenth = tenth;
        },
        nullptr, report.onMessage);
    if (!o.quiet && terminal) std::fprintf(stderr, "\n");
    if (warnings > kShownWarnings)
        std::fprintf(stderr, "%zu more warnings like these (the first %zu shown)\n", warnings - kShownWarnings,
                     kShownWarnings);
    result.skipped += report.skipped;   // unusable lines and missing images as well as unreadable ones
    if (result.skipped)
        std::fprintf(stderr, "%s: %zu of %zu records left out of the scores\n", o.data.c_str(), result.skipped,
                     report.records);
    if (result.recN == 0 && result.captionN == 0)
        throw CommandError{o.data + ": none of its " + std::to_string(report.records) + " records could be scored"};
    if (o.json) {
        std::cout << training::evalReportJson(result) << "\n";
        return;
    }
    if (result.hasRec)
        std::printf("rec: %zu objects, accuracy %.4f\n", result.recN, result.recAccuracy);
    if (result.hasCaption)
        std::printf("caption: %zu images, %zu objects, %zu entities, precision %.4f recall %.4f F1 %.4f\n",
                    result.captionN, result.captionObjects, result.captionEntities, result.precision, result.recall,
                    result.f1);
}

} // namespace

void addEvalCommand(CLI::App& app) {
    auto o = std::make_shared<EvalCommandOptions>();
    CLI::App* cmd = app.add_subcommand("eval", "Accuracy on GRIT data (referring expressions, grounded captions)");
    cmd->add_option("--model", o->model, "Hugging Face KOSMOS-2 folder")->required();
    cmd->add_option("--data", o->data, "GRIT JSONL with `image` paths")->required();
    cmd->add_option("--task", o->eval.task, "rec | caption | all")
        ->capture_default_str()
        ->check(CLI::IsMember({"rec", "caption", "all"}));
    cmd->add_option("--limit", o->eval.limit, "Evaluate the first N records only (0: all)");
    cmd->add_option("--batch-size", o->eval.batchSize, "Prompts per batch")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    cmd->add_option("--device", o->device, "Where to run")->capture_default_str()->check(deviceName());
    cmd->add_option("--dtype", o->dtype, "Precision (int8: CPU, int8 decoder weights)")
        ->capture_default_str()
        ->check(dtypeName());
    cmd->add_option("--threads", o->threads, "CPU threads (0: one per core)")->check(CLI::Range(0, kMaxThreads));
    cmd->add_flag("--quiet", o->quiet, "No progress on stderr (records left out are still reported)");
    cmd->add_flag("--json", o->json, "Print {\"rec\":{...},\"caption\":{...},\"skipped\":N}");
    cmd->callback([o] { runEval(*o); });
}

} // namespace kosmos::cli
