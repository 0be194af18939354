// kosmos2 train: LoRA or full fine-tuning on GRIT data. Progress on stderr, a JSON summary with --json.
// Ctrl-C saves a checkpoint of the last finished step and stops; a second Ctrl-C ends at once (the
// previous checkpoint stays whole: checkpoints are renamed into place).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "training/trainer.h"

namespace kosmos::cli {
namespace {

std::atomic<bool> gCancel{false};

extern "C" void onInterrupt(int) {
    gCancel.store(true);
    static const char message[] = "\nkosmos2: stopping after this micro-batch and saving (Ctrl-C again to abort)\n";
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof message - 1);
    std::signal(SIGINT, SIG_DFL);
}

struct TrainCommandOptions {
    training::TrainerOptions trainer;
    std::string db, split, review, source, targets;
    bool json = false, quiet = false, noBf16 = false;
};

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

void runTrain(TrainCommandOptions o) {
    training::TrainerOptions& t = o.trainer;
    if (!o.db.empty()) {
        if (!t.dataPath.empty()) throw CommandError{"give --data or --db, not both", 2};
        training::StoreQuery query;
        query.dbPath = o.db;
        if (!o.split.empty()) query.split = o.split;
        if (!o.review.empty()) query.review = o.review;
        if (!o.source.empty()) query.source = o.source;
        t.store = query;
    } else if (t.dataPath.empty() && t.resumeDir.empty()) {
        throw CommandError{"no training data: give --data FILE.jsonl or --db FILE", 2};
    }
    if (!o.targets.empty()) t.lora.targets = splitList(o.targets);
    t.bf16 = !o.noBf16;

    training::TrainerCallbacks callbacks;
    // --quiet drops the progress lines only: skipped records and checkpoints are what an error points back to.
    callbacks.onMessage = [&](const std::string& m) { std::fprintf(stderr, "%s\n", m.c_str()); };
    callbacks.onProgress = [&](const training::TrainerProgress& p) {
        if (!o.quiet) std::fprintf(stderr, "%s\n", training::formatProgress(p).c_str());
    };
    gCancel.store(false);
    auto previous = std::signal(SIGINT, onInterrupt);
    training::TrainerResult result;
    try {
        result = training::Trainer(t).run(callbacks, &gCancel);
    } catch (...) {
        std::signal(SIGINT, previous);
        throw;
    }
    std::signal(SIGINT, previous);
    if (o.json) {
        nlohmann::json summary = {{"steps", result.steps},
                                  {"initial_loss", result.initialLoss},
                                  {"final_loss", result.finalLoss},
                                  {"out", result.outDir},
                                  {"steps_this_run", result.stepsThisRun},
                                  {"cancelled", result.cancelled},
                                  {"records", result.trainingRecords},
                                  {"trainable_parameters", result.trainableParameters},
                                  {"samples_per_second", result.samplesPerSecond}};
        if (result.evaluation) summary["evaluation"] = nlohmann::json::parse(training::evalReportJson(*result.evaluation));
        std::cout << jsonText(summary) << "\n";
    } else {
        std::printf("%s %lld steps (%lld in this run), loss %.4f -> %.4f, %.2f samples/s, saved in %s\n",
                    result.cancelled ? "stopped after" : "trained", static_cast<long long>(result.steps),
                    static_cast<long long>(result.stepsThisRun), result.initialLoss, result.finalLoss,
                    result.samplesPerSecond, result.outDir.c_str());
    }
    // A script running `train && eval` must not take a stopped run for a finished one: 130, as for Ctrl-C.
    std::fflush(stdout);
    if (result.cancelled)
        throw CommandError{result.checkpointWritten
                               ? "interrupted: the run stopped before its last step (--resume continues it)"
                               : "interrupted before the first step: nothing was saved",
                           130};
}

} // namespace

void addTrainCommand(CLI::App& app) {
    auto o = std::make_shared<TrainCommandOptions>();
    training::TrainerOptions& t = o->trainer;
    CLI::App* cmd = app.add_subcommand("train", "Fine-tune (LoRA or full) on GRIT data; checkpoints in Hugging Face layout");
    cmd->add_option("--model", t.modelDir, "Base model folder (with --resume: the checkpoint's base by default)");
    cmd->add_option("--data", t.dataPath, "GRIT JSONL with `image` paths relative to it");
    CLI::Option* db = cmd->add_option("--db", o->db, "Annotation store (SQLite) instead of --data");
    cmd->add_option("--split", o->split, "With --db: train | validation | test")
        ->needs(db)
        ->check(CLI::IsMember({"train", "validation", "test"}));
    cmd->add_option("--review", o->review, "With --db: unreviewed | corrected | accepted | rejected (default: all but rejected)")
        ->needs(db)
        ->check(CLI::IsMember({"unreviewed", "corrected", "accepted", "rejected"}));
    cmd->add_option("--source", o->source, "With --db: samples with entities from imported | model | human")
        ->needs(db)
        ->check(CLI::IsMember({"imported", "model", "human"}));
    cmd->add_option("--out", t.outDir, "Checkpoint folder (replaced atomically at every save)")->required();
    cmd->add_option("--resume", t.resumeDir, "Continue from this checkpoint (its settings are kept; --steps may grow, --gradient-checkpointing be added)");
    cmd->add_flag("--overwrite", t.overwrite, "Replace a checkpoint already in --out");
    cmd->add_option("--mode", t.mode, "lora | full")->capture_default_str()->check(CLI::IsMember({"lora", "full"}));
    cmd->add_option("--steps", t.steps, "Optimizer steps in all (default 1000; with --resume, the checkpoint's total)")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40));
    cmd->add_option("--batch-size", t.batchSize, "Samples per micro-batch")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    cmd->add_option("--grad-accum", t.gradientAccumulation, "Micro-batches per optimizer step")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    cmd->add_option("--lr", t.learningRate, "Peak learning rate (default 2e-4 LoRA, 5e-5 full)")
        ->check(finiteWithin(0, 10, true, true));
    cmd->add_option("--vision-lr-scale", t.visionLrScale,
                    "Full mode: the vision tower learns at --lr times this (default 1)")
        ->check(finiteWithin(0, 100));
    cmd->add_option("--connector-lr-scale", t.connectorLrScale,
                    "Full mode: the image-to-text projection learns at --lr times this (default 1; 0 keeps it)")
        ->check(finiteWithin(0, 100));
    cmd->add_option("--weight-decay", t.weightDecay, "AdamW weight decay (not on biases and norms)")
        ->check(finiteWithin(0, 1e6))
        ->capture_default_str();
    cmd->add_option("--warmup", t.warmupSteps, "Linear warm-up steps (default 5% of --steps)")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
    cmd->add_option("--min-lr-ratio", t.minLearningRateRatio, "Cosine floor as a fraction of --lr")
        ->check(finiteWithin(0, 1))->capture_default_str();
    cmd->add_option("--max-grad-norm", t.maxGradNorm, "Gradient clipping (0: off)")
        ->check(finiteWithin(0, 1e6))->capture_default_str();
    cmd->add_option("--lora-rank", t.lora.rank, "LoRA rank")->check(CLI::Range(1, 4096))->capture_default_str();
    cmd->add_option("--lora-alpha", t.lora.alpha, "LoRA alpha (scale alpha/rank)")
        ->check(finiteWithin(0, 1e6, true))
        ->capture_default_str();
    cmd->add_option("--lora-dropout", t.lora.dropout, "LoRA dropout")
        ->check(finiteWithin(0, 1, false, true))
        ->capture_default_str();
    cmd->add_option("--lora-targets", o->targets, "Comma-separated module names (q_proj,v_proj) or all-linear");
    CLI::Option* freeze =
        cmd->add_flag_callback("--freeze-vision", [o] { o->trainer.freezeVision = 1; }, "Do not train the vision tower");
    cmd->add_flag_callback("--train-vision", [o] { o->trainer.freezeVision = 0; },
                           "Train the vision tower (LoRA: adapters in it too)")
        ->excludes(freeze);
    cmd->add_option("--dropout", t.dropout, "Text embedding dropout while training")
        ->check(finiteWithin(0, 1, false, true))
        ->capture_default_str();
    cmd->add_option("--ref-exp-ratio", t.refExpRatio, "Share of referring-expression sequences")
        ->check(finiteWithin(0, 1))
        ->capture_default_str();
    cmd->add_option("--crop-prob", t.augment.cropProbability, "Chance of a random crop keeping all boxes")
        ->check(finiteWithin(0, 1))->capture_default_str();
    cmd->add_option("--min-crop-scale", t.augment.minCropScale, "Smallest crop side / image side")
        ->check(finiteWithin(0, 1, true))->capture_default_str();
    cmd->add_flag("--flip", t.augment.horizontalFlip, "Random horizontal flips (contradicts left-to-right captions)");
    cmd->add_option("--max-tokens", t.maxTokens, "Skip longer sequences")->capture_default_str();
    cmd->add_option("--cache-images", t.imageCacheMb,
                    "Keep up to this many MB of pictures resized to the model's input (no crop/flip)");
    cmd->add_option("--limit", t.limit, "Use the first N records only (0: all)");
    cmd->add_option("--workers", t.dataWorkers, "Threads preparing batches")
        ->check(CLI::Range(1, kMaxThreads))->capture_default_str();
    cmd->add_flag("--gradient-checkpointing", t.gradientCheckpointing, "Recompute activations in backward (less memory)");
    cmd->add_option("--device", t.device, "Where to run")->capture_default_str()->check(deviceName());
    cmd->add_flag("--no-bf16", o->noBf16, "On CUDA: train in f32 instead of bf16 autocast");
    cmd->add_option("--threads", t.threads, "CPU threads (0: one per core)")->check(CLI::Range(0, kMaxThreads));
    cmd->add_option("--blas-threads", t.blasThreads, "OpenBLAS threads while training (0: unchanged)")
        ->check(CLI::Range(0, kMaxThreads));
    cmd->add_option("--seed", t.seed, "Seed of the data order, adapters and dropout")->capture_default_str();
    cmd->add_option("--save-every", t.saveEvery, "Checkpoint every N steps (0: at the end only)")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40))->capture_default_str();
    cmd->add_option("--log-every", t.logEvery, "Progress line every N steps")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))->capture_default_str();
    cmd->add_option("--eval-data", t.evalDataPath, "GRIT JSONL evaluated after each checkpoint");
    cmd->add_option("--eval-limit", t.evaluation.limit, "Evaluate on the first N records only (0: all)");
    cmd->add_flag("--quiet", o->quiet, "No progress lines on stderr (skipped records and checkpoints are still reported)");
    cmd->add_flag("--json", o->json, "Print a JSON summary at the end (steps, losses, out, cancelled, ...)");
    cmd->callback([o, cmd] {
        // Named as trainer_state.json names them: a resumed run warns of those its checkpoint overrides.
        static const std::pair<const char*, const char*> kRunShaping[] = {
            {"--mode", "mode"}, {"--lora-rank", "lora.r"}, {"--lora-alpha", "lora.alpha"},
            {"--lora-dropout", "lora.dropout"}, {"--lora-targets", "lora.targets"}, {"--freeze-vision", "freeze_vision"},
            {"--train-vision", "freeze_vision"}, {"--dropout", "dropout"}, {"--batch-size", "batch_size"},
            {"--grad-accum", "gradient_accumulation"}, {"--lr", "learning_rate"}, {"--vision-lr-scale", "vision_lr_scale"},
            {"--connector-lr-scale", "connector_lr_scale"}, {"--weight-decay", "weight_decay"},
            {"--warmup", "warmup_steps"}, {"--min-lr-ratio", "min_learning_rate_ratio"},
            {"--max-grad-norm", "max_grad_norm"}, {"--ref-exp-ratio", "ref_exp_ratio"},
            {"--crop-prob", "augment.crop_probability"}, {"--min-crop-scale", "augment.min_crop_scale"},
            {"--flip", "augment.horizontal_flip"}, {"--max-tokens", "max_tokens"}, {"--limit", "limit"}, {"--seed", "seed"}};
        for (const auto& [option, setting] : kRunShaping)
            if (cmd->count(option) > 0) o->trainer.givenSettings.emplace_back(setting);
        runTrain(*o);
    });
}

} // namespace kosmos::cli
