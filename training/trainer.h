#pragma once
// Fine-tuning KOSMOS-2 on grounded data (LoRA or full), as a reusable job: the CLI runs it in the
// foreground, the GUI in a worker thread. No LibTorch types here.
//
//   TrainerOptions o; o.modelDir = ...; o.dataPath = "train.jsonl"; o.outDir = "out";
//   TrainerResult r = Trainer(o).run({.onProgress = ...}, &cancelFlag);
//
// Cancel is honoured between micro-batches, pause between optimizer steps; a cancelled run saves its
// last finished step (when this run finished one) and says so in TrainerResult::checkpointWritten.
//
// Checkpoints are Hugging Face model folders (loadable by transformers and by Engine::load), written to
// a temporary folder and renamed over outDir, so a crash, a full disk or a cancel never leaves a broken
// or half-written checkpoint behind. trainer_state.json / trainer_state.safetensors in the same folder
// hold the step, the options and AdamW's moments for --resume.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "training/augment.h"
#include "training/evaluation.h"
#include "training/grounded_record.h"
#include "training/lora_options.h"

namespace kosmos::training {

struct TrainerOptions {
    // Inputs and outputs.
    std::string modelDir;                 // base model (Hugging Face folder)
    std::string dataPath;                 // GRIT JSONL (with `image` paths) ...
    std::optional<StoreQuery> store;      // ... or the annotation store
    std::shared_ptr<const std::vector<GroundedRecord>> records;   // ... or records already read
    std::string outDir;
    std::string resumeDir;                // continue from this checkpoint (usually outDir)
    // The run-shaping settings the user set, by their names in trainer_state.json ("batch_size", "lora.r"): a
    // resumed run warns of those its checkpoint overrides. Empty: those away from their defaults.
    std::vector<std::string> givenSettings;
    bool overwrite = false;               // replace an existing checkpoint in outDir

    // What is trained.
    std::string mode = "lora";            // "lora" | "full"
    LoraOptions lora;
    int freezeVision = -1;                // -1: mode's default (LoRA: frozen, full: trained); 0 / 1
    double dropout = 0.0;                 // text decoder dropout while training (transformers' config: 0.1)

    // Optimisation.
    std::int64_t steps = -1;              // optimizer steps in all; -1: 1000, or a resumed run's own total
    int batchSize = 8;                    // samples per micro-batch
    int gradientAccumulation = 1;         // micro-batches per optimizer step
    double learningRate = -1;             // -1: 2e-4 for LoRA, 5e-5 for full
    double visionLrScale = 1.0;           // the vision tower's rate is learningRate * this (full mode)
    double connectorLrScale = 1.0;        // the same for image_to_text_projection (0: kept as it is)
    double weightDecay = 0.01;            // AdamW; not on biases and norms
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    std::int64_t warmupSteps = -1;        // -1: 5 % of the steps
    double minLearningRateRatio = 0.0;    // cosine floor as a fraction of the peak
    double maxGradNorm = 1.0;             // <= 0: no clipping
    bool gradientCheckpointing = false;   // recompute each block in backward (less memory, ~30 % slower); on
                                          // when asked, also where a resumed run had it off

    // Data.
    double refExpRatio = 0.5;             // share of referring-expression sequences (rest: grounded captions)
    AugmentOptions augment;
    std::size_t maxTokens = 512;          // longer sequences are skipped
    std::size_t limit = 0;                // use at most this many records (0: all)
    int dataWorkers = 1;                  // threads preparing batches ahead of the model
    std::size_t imageCacheMb = 0;         // keep pictures resized to the model's input (see DataOptions)

    // Runtime.
    std::string device = "cpu";           // cpu | cuda | cuda:N | auto
    bool bf16 = true;                     // bf16 autocast on CUDA (weights and optimizer stay f32)
    int threads = 0;                      // CPU threads (0: one per core, configureThreads)
    // OpenBLAS's own threads during the run (0: leave as is). LibTorch hands each matrix product to BLAS
    // whole; on a small or busy machine BLAS threads waiting in sched_yield cost more than they give
    // (3x slower training measured on 2 busy cores), so tests and small models use 1.
    int blasThreads = 0;
    std::uint64_t seed = 0;
    std::int64_t saveEvery = 0;           // checkpoint every N steps (0: only at the end)
    std::int64_t logEvery = 1;            // progress events every N steps

    // Evaluation during training (after the checkpoints of saveEvery and at the end).
    std::string evalDataPath;
    EvalOptions evaluation;
};

struct TrainerProgress {
    std::int64_t step = 0;
    std::int64_t totalSteps = 0;
    double loss = 0;                      // mean over the step's micro-batches
    double learningRate = 0;
    double gradNorm = 0;
    double samplesPerSecond = 0;
    double etaSeconds = 0;
    std::optional<EvalReport> evaluation;
};

struct TrainerCallbacks {
    std::function<void(const TrainerProgress&)> onProgress;
    std::function<void(const std::string&)> onMessage;          // skipped records, checkpoints, warnings
    std::function<void(const std::string& dir, std::int64_t step)> onCheckpoint;
    // Polled between optimizer steps: while it returns true the run waits (holding its memory), polling
    // it and the cancel flag every few milliseconds; onPauseChanged reports entering and leaving.
    std::function<bool()> shouldPause;
    std::function<void(bool paused, std::int64_t step)> onPauseChanged;
};

struct TrainerResult {
    std::int64_t steps = 0;               // optimizer steps done in all (resumed ones included)
    std::int64_t stepsThisRun = 0;
    double initialLoss = 0;               // first step of this run
    double finalLoss = 0;                 // last step of this run
    std::vector<double> losses;           // every step of this run
    std::string outDir;
    bool cancelled = false;
    bool checkpointWritten = false;       // this run wrote a checkpoint to outDir (a cancelled run: of its last step)
    std::size_t trainingRecords = 0;
    std::int64_t trainableParameters = 0;
    double samplesPerSecond = 0;
    std::optional<EvalReport> evaluation;
};

class Trainer {
public:
    explicit Trainer(TrainerOptions options);
    ~Trainer();

    // Trains to options.steps. Throws kosmos::Error with a one-line message (bad data, no records, out
    // of memory, disk full...); the last checkpoint written stays intact. `cancel` is polled between
    // micro-batches: the run then saves a checkpoint of the last finished step and returns cancelled.
    TrainerResult run(const TrainerCallbacks& callbacks = {}, const std::atomic<bool>* cancel = nullptr);

private:
    TrainerOptions mOptions;
};

// Formats a progress event as the CLI prints it: "step 10/100  loss 2.3456  lr 1.00e-04  3.2 samples/s  ETA 1m05s".
std::string formatProgress(const TrainerProgress& progress);

} // namespace kosmos::training
