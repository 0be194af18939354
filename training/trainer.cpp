#include "training/trainer.h"

#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <new>
#include <set>
#include <thread>

#include "model/engine/engine.h"
#include "model/engine/engine_impl.h"
#include "model/engine/kosmos2_loader.h"
#include "model/engine/runtime_info.h"
#include "model/error.h"
#include "model/tokenizer.h"
#include "training/adamw.h"
#include "training/lora.h"
#include "training/model_folder.h"
#include "training/trainer_state.h"
#include "training/training_data.h"
#include "training/training_step.h"

namespace kosmos::training {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string absolutePath(const std::string& path) {
    std::error_code ec;
    const fs::path p = fs::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

// "store.db (split validation, review accepted)": a store query as a user reads it.
std::string describeSelection(const StoreQuery& query) {
    std::string filters;
    const auto add = [&filters](const char* name, const std::optional<std::string>& value) {
        if (value) filters += (filters.empty() ? "" : ", ") + std::string(name) + " " + *value;
    };
    add("split", query.split);
    add("review", query.review);
    add("source", query.source);
    return absolutePath(query.dbPath) + (filters.empty() ? " (no split, review or source filter)" : " (" + filters + ")");
}

// The same folder, however named (a trailing slash, a link); false where either cannot be reached.
bool sameFolder(const std::string& a, const std::string& b) {
    std::error_code error;
    return fs::equivalent(a, b, error) && !error;
}

bool isOutOfMemory(const std::string& message) {
    return message.find("out of memory") != std::string::npos || message.find("can't allocate memory") != std::string::npos ||
           message.find("Out of memory") != std::string::npos;
}

void validate(const TrainerOptions& o) {
    if (o.mode != "lora" && o.mode != "full") throw Error("mode must be 'lora' or 'full', not '" + o.mode + "'");
    if (o.steps < 1) throw Error("--steps must be at least 1");
    if (o.batchSize < 1 || o.batchSize > 4096) throw Error("--batch-size must be in 1..4096");
    if (o.gradientAccumulation < 1 || o.gradientAccumulation > 4096) throw Error("--grad-accum must be in 1..4096");
    if (o.learningRate != -1 && !(o.learningRate > 0 && o.learningRate < 10)) throw Error("--lr must be in (0, 10)");
    if (!(o.refExpRatio >= 0 && o.refExpRatio <= 1)) throw Error("--ref-exp-ratio must be in [0, 1]");
    if (!(o.dropout >= 0 && o.dropout < 1)) throw Error("--dropout must be in [0, 1)");
    if (!(o.weightDecay >= 0)) throw Error("--weight-decay must not be negative");
    if (!(o.visionLrScale >= 0 && o.visionLrScale <= 100)) throw Error("--vision-lr-scale must be in [0, 100]");
    if (!(o.connectorLrScale >= 0 && o.connectorLrScale <= 100)) throw Error("--connector-lr-scale must be in [0, 100]");
    if (o.mode == "lora") validateLoraOptions(o.lora);
    if (o.outDir.empty()) throw Error("no output folder (--out)");
}

// outDir may be new, empty, or a checkpoint of ours that we resume from or may overwrite.
void checkOutputFolder(const TrainerOptions& o, bool resumingFromOut) {
    std::error_code ec;
    const std::string out = existingCheckpoint(o.outDir);
    if (!fs::exists(out, ec)) return;
    if (!resumingFromOut && sameFolder(o.modelDir, out))
        throw Error(o.outDir + ": is the --model folder; a checkpoint written there would replace the model it trains "
                               "from (choose another --out)");
    if (!fs::is_directory(out, ec)) throw Error(o.outDir + ": exists and is not a folder");
    if (fs::directory_iterator(out, ec) == fs::directory_iterator()) return;
    if (!fs::exists(out + "/" + kTrainerStateJson, ec))
        throw Error(o.outDir + ": exists and is not a training checkpoint (refusing to replace it; choose another --out)");
    if (!resumingFromOut && !o.overwrite)
        throw Error(o.outDir + ": holds a checkpoint already (use --resume " + o.outDir + " to continue it, or --overwrite)");
}

// Named before the model is loaded and the data read, not after hours of training.
void checkInputsExist(const TrainerOptions& o) {
    std::error_code ec;
    const auto require = [&](const std::string& path, const char* option) {
        if (!path.empty() && !fs::exists(path, ec)) throw Error(path + ": no such file (" + option + ")");
    };
    require(o.dataPath, "--data");
    if (o.store) require(o.store->dbPath, "--db");
    require(o.evalDataPath, "--eval-data");
    if (!o.evalDataPath.empty() && fs::is_directory(o.evalDataPath, ec))
        throw Error(o.evalDataPath + ": a folder, not a GRIT JSONL file (--eval-data)");
}

// The checkpoint is written beside --out and renamed over it: the nearest folder that exists on the way there
// must be writable. Nothing is created yet.
void checkOutputWritable(std::string outDir) {
    while (outDir.size() > 1 && outDir.back() == '/') outDir.pop_back();
    std::error_code ec;
    fs::path folder = fs::absolute(fs::path(outDir), ec).parent_path();
    while (folder.has_parent_path() && folder != folder.parent_path() && !fs::exists(folder, ec))
        folder = folder.parent_path();
    if (!fs::is_directory(folder, ec))
        throw Error(outDir + ": cannot be created (" + folder.string() + " is not a folder)");
    if (::access(folder.c_str(), W_OK | X_OK) != 0)
        throw Error(outDir + ": cannot be written (" + folder.string() + ": " + std::strerror(errno) + ")");
}

std::shared_ptr<const std::vector<GroundedRecord>> loadRecords(const TrainerOptions& o, const TrainerCallbacks& cb,
                                                               std::string& source) {
    if (o.records) {
        source = "(records given)";
        if (o.records->empty()) throw Error("no training record: the selection is empty");
        return o.records;
    }
    // The first records left out are named; a file that is not GRIT at all would name every line.
    constexpr std::size_t kNamed = 20;
    std::size_t messages = 0;
    ReadReport report;
    report.onMessage = [&](const std::string& m) {
        if (++messages <= kNamed && cb.onMessage) cb.onMessage(m);
    };
    std::vector<GroundedRecord> records;
    if (o.store) {
        StoreQuery query = *o.store;
        query.limit = o.limit;
        source = o.store->dbPath;
        records = readStoreRecords(query, report);
    } else if (!o.dataPath.empty()) {
        JsonlReadOptions read;
        read.limit = o.limit;
        source = absolutePath(o.dataPath);
        records = readGritJsonl(o.dataPath, report, read);
    } else {
        throw Error("no training data (--data FILE.jsonl or --db FILE)");
    }
    if (messages > kNamed && cb.onMessage)
        cb.onMessage(std::to_string(messages - kNamed) + " more messages like these (the first " + std::to_string(kNamed) +
                     " shown)");
    if (cb.onMessage)
        cb.onMessage("training data: " + std::to_string(report.kept) + " records kept, " + std::to_string(report.skipped) +
                     " skipped, " + std::to_string(report.droppedEntities) + " entities left out");
    if (records.empty() && report.records == 0)
        throw Error(source + ": no usable training record (it holds none" + (o.store ? " matching the filters" : "") + ")");
    if (records.empty())
        throw Error(source + ": no usable training record (" + std::to_string(report.skipped) +
                    " skipped, see the messages above)");
    return std::make_shared<const std::vector<GroundedRecord>>(std::move(records));
}

struct Parameters {
    std::vector<NamedParameter> trainable;
    std::int64_t count = 0;
};

// Freezes everything, then unfreezes what the mode trains. The tied lm_head is the embeddings and is
// never a separate parameter; norms and biases get no weight decay.
Parameters selectParameters(Kosmos2ForConditionalGeneration& model, bool lora, bool freezeVision, double visionLrScale,
                             double connectorLrScale) {
    Parameters out;
    const bool tied = lmHeadTied(model);
    for (auto& item : model->named_parameters(true)) {
        const std::string& name = item.key();
        at::Tensor& p = item.value();
        bool train;
        if (lora) train = endsWith(name, ".lora_A") || endsWith(name, ".lora_B");
        else train = !(tied && name == "text_model.lm_head.weight") && !(freezeVision && name.rfind("vision_model.", 0) == 0);
        p.set_requires_grad(train);
        if (!train) continue;
        const bool norm = name.find("norm") != std::string::npos || name.find("layrnorm") != std::string::npos ||
                          name.find("inner_attn_ln") != std::string::npos;
        double scale = 1.0;
        if (!lora && name.rfind("vision_model.", 0) == 0) scale = visionLrScale;
        if (!lora && name.rfind("image_to_text_projection.", 0) == 0) scale = connectorLrScale;
        out.trainable.push_back({name, p, !(endsWith(name, ".bias") || norm), scale});
        out.count += p.numel();
    }
    return out;
}

// OpenBLAS's thread count while training, when LibTorch's BLAS is OpenBLAS; the previous count is restored when
// destroyed.
class BlasThreads {
public:
    explicit BlasThreads(int threads) {
        const int previous = blasThreads();
        if (previous > 0 && setBlasThreads(threads)) mPrevious = previous;
    }
    ~BlasThreads() { setBlasThreads(mPrevious); }
    BlasThreads(const BlasThreads&) = delete;
    BlasThreads& operator=(const BlasThreads&) = delete;

private:
    int mPrevious = 0;   // 0: nothing to restore
};

// Every step allocates and frees the same multi-megabyte buffers (pixels, im2col, activations). glibc
// serves blocks over its mmap threshold with fresh mappings, so each step page-faults them in again:
// a third of the time went to the kernel on the tiny model. Keeping them in the heap removes that.
// Process-wide and permanent (memory is returned to the system less eagerly), hence once.
void keepLargeBlocksInHeap() {
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);   // glibc's largest allowed value on 64-bit
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
    });
#endif
}

std::string durationText(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const long s = std::lround(seconds);
    char buffer[64];
    if (s >= 3600) std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else if (s >= 60) std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
    else std::snprintf(buffer, sizeof buffer, "%lds", s);
    return buffer;
}

} // namespace

std::string formatProgress(const TrainerProgress& p) {
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, "step %lld/%lld  loss %.4f  lr %.2e  grad %.3f  %.1f samples/s  ETA %s",
                  static_cast<long long>(p.step), static_cast<long long>(p.totalSteps), p.loss, p.learningRate,
                  p.gradNorm, p.samplesPerSecond, durationText(p.etaSeconds).c_str());
    std::string text = buffer;
    if (p.evaluation) {
        const EvalReport& e = *p.evaluation;
        if (e.hasRec) text += "  rec " + std::to_string(e.recAccuracy).substr(0, 5);
        if (e.hasCaption) text += "  caption F1 " + std::to_string(e.f1).substr(0, 5);
    }
    return text;
}

Trainer::Trainer(TrainerOptions options) : mOptions(std::move(options)) {}
Trainer::~Trainer() = default;

TrainerResult Trainer::run(const TrainerCallbacks& cb, const std::atomic<bool>* cancel) {
    TrainerOptions o = mOptions;
    const auto say = [&](const std::string& m) {
        if (cb.onMessage) cb.onMessage(m);
    };
    const auto cancelled = [&] { return cancel && cancel->load(); };

    // Resume: the stored run-shaping options win, so the continued run computes what one run would have.
    std::optional<TrainerState> resumed;
    std::string resumeDir;
    if (!o.resumeDir.empty()) {
        resumeDir = existingCheckpoint(o.resumeDir);
        resumed = readTrainerState(resumeDir);
        // Checkpointing activations changes memory, not results: asked for, it helps a run that ran out of memory.
        const bool askedForCheckpointing = o.gradientCheckpointing;
        const std::vector<std::string> ignored = settingsKeptOnResume(o, resumed->options);
        if (!ignored.empty()) {
            std::string list;
            for (const std::string& setting : ignored) list += (list.empty() ? "" : ", ") + setting;
            say("warning: a resumed run keeps its checkpoint's settings: " + list);
        }
        copyRunShapingOptions(resumed->options, o);
        o.gradientCheckpointing = o.gradientCheckpointing || askedForCheckpointing;
        if (o.steps < 0) o.steps = resumed->totalSteps;
        if (o.modelDir.empty()) o.modelDir = resumed->baseModel;
        if (o.mode == "lora" && !sameFolder(o.modelDir, resumed->baseModel)) {
            // A LoRA checkpoint's own weights already hold its adapter: on them, it would be applied twice.
            if (sameFolder(existingCheckpoint(o.modelDir), resumeDir)) {
                if (sameFolder(resumed->baseModel, resumeDir))
                    throw Error(resumeDir + ": its base model is the checkpoint itself; resume it on the model its "
                                            "first run started from");
                say("training on the checkpoint's base model " + resumed->baseModel + ", not on the checkpoint " +
                    o.modelDir + " (its weights already hold the adapter)");
                o.modelDir = resumed->baseModel;
            } else {
                say("warning: the checkpoint's adapter was trained on " + resumed->baseModel + ", not on " + o.modelDir);
            }
        }
        if (o.dataPath.empty() && !o.store && !o.records) {   // the same data as before
            if (resumed->store) o.store = resumed->store;
            else o.dataPath = resumed->data;
        } else if (o.store && resumed->store) {
            const std::string before = describeSelection(*resumed->store);
            const std::string now = describeSelection(*o.store);
            if (now != before) say("warning: the checkpoint was trained on " + before + ", this run reads " + now);
        }
        say("resuming from " + resumeDir + " at step " + std::to_string(resumed->step));
    }
    if (o.steps < 0) o.steps = 1000;
    validate(o);
    if (o.store) o.store->dbPath = absolutePath(o.store->dbPath);   // a resume from elsewhere finds it
    if (o.modelDir.empty()) throw Error("no base model (--model)");
    const bool resumingFromOut = resumed && sameFolder(resumeDir, existingCheckpoint(o.outDir));
    checkOutputFolder(o, resumingFromOut);
    checkInputsExist(o);
    checkOutputWritable(o.outDir);
    if (resumed && resumed->step >= o.steps)
        throw Error(resumeDir + ": already at step " + std::to_string(resumed->step) + " of " + std::to_string(o.steps) +
                    " (raise --steps to train further)");

    const bool lora = o.mode == "lora";
    if (o.learningRate == -1) o.learningRate = lora ? 2e-4 : 5e-5;
    if (o.warmupSteps < 0) o.warmupSteps = o.steps / 20;
    bool freezeVision = o.freezeVision < 0 ? (lora ? !o.lora.includeVision : false) : o.freezeVision == 1;
    if (lora) o.lora.includeVision = !freezeVision;

    configureThreads(o.threads);
    BlasThreads blasThreads(o.blasThreads);
    keepLargeBlocksInHeap();
    const at::Device device = parseDevice(o.device);
    const bool autocast = device.is_cuda() && o.bf16;

    // Full fine-tuning resumes from the checkpoint's weights; LoRA from the base plus the saved adapter.
    const std::string weightsDir = resumed && !lora ? resumeDir : o.modelDir;
    const std::string filesDir = resumed ? resumeDir : o.modelDir;
    const Tokenizer tokenizer = Tokenizer::load(filesDir);
    KosmosConfig config = loadConfig(weightsDir);
    if (tokenizer.vocabSize() != config.text.vocabSize)
        throw Error(filesDir + ": the tokenizer has " + std::to_string(tokenizer.vocabSize()) +
                    " tokens but config.json says vocab_size " + std::to_string(config.text.vocabSize));
    PreprocessConfig preprocess = loadPreprocessConfig(filesDir, config.vision.imageSize);

    CheckpointLoadOptions load;
    load.dtype = at::kFloat;
    load.device = device;
    load.zeroCopy = false;
    Kosmos2ForConditionalGeneration model = loadKosmos2(weightsDir, load);
    std::vector<LoraModule> adapters;
    if (lora) {
        adapters = enableLora(model, o.lora, o.seed);
        if (resumed) {
            std::string file = resumeDir + "/" + kAdapterSubfolder + "/adapter_model.safetensors";
            const std::string olderLayout = resumeDir + "/adapter_model.safetensors";
            if (!std::filesystem::exists(file) && std::filesystem::exists(olderLayout)) file = olderLayout;
            loadAdapterTensors(adapters, file);
        }
    }
    Parameters params = selectParameters(model, lora, freezeVision, o.visionLrScale, o.connectorLrScale);
    if (params.trainable.empty()) throw Error("nothing to train (every parameter is frozen)");
    model->train();
    model->text_model->model->dropout = o.dropout;

    std::string dataSource;
    const auto records = loadRecords(o, cb, dataSource);
    if (resumed && resumed->records && resumed->records != records->size())
        say("warning: the checkpoint was trained on " + std::to_string(resumed->records) + " records, now " +
            std::to_string(records->size()) + ": the data order differs from an uninterrupted run");
    std::vector<GroundedRecord> evalRecords;
    if (!o.evalDataPath.empty()) {
        ReadReport report;
        report.onMessage = cb.onMessage;
        evalRecords = readGritJsonl(o.evalDataPath, report);
        if (evalRecords.empty())   // before hours of training, not at the first evaluation
            throw Error(o.evalDataPath + ": no usable record to evaluate on (--eval-data)");
    }
    if (cancelled()) {
        say("cancelled before the first step: nothing saved");
        TrainerResult early;
        early.steps = resumed ? resumed->step : 0;
        early.outDir = o.outDir;
        early.cancelled = true;
        early.trainingRecords = records->size();
        return early;
    }

    AdamWOptions adamOptions;
    adamOptions.beta1 = o.beta1;
    adamOptions.beta2 = o.beta2;
    adamOptions.eps = o.eps;
    adamOptions.weightDecay = o.weightDecay;
    AdamW optimizer(params.trainable, adamOptions);
    PaddingEmbeddingGuard padding(model, config.text.padTokenId);
    std::int64_t step = 0;
    std::vector<double> lossHistory;
    if (resumed) {
        optimizer.loadState(resumed->optimizer, resumed->step, resumeDir + "/" + kTrainerStateTensors);
        step = resumed->step;
        lossHistory = resumed->losses;
        resumed->optimizer.clear();
    }
    say(std::string("training ") + (lora ? "LoRA adapters" : "all weights") + (freezeVision ? " (vision tower frozen)" : "") +
        ": " + std::to_string(params.count) + " parameters, " + std::to_string(records->size()) + " records, on " +
        device.str() + (autocast ? " with bf16 autocast" : ""));

    DataOptions dataOptions;
    dataOptions.refExpRatio = o.refExpRatio;
    dataOptions.augment = o.augment;
    dataOptions.maxTokens = o.maxTokens;
    dataOptions.seed = o.seed;
    dataOptions.imageCacheBytes = o.imageCacheMb << 20;
    TrainingData data(records, tokenizer, preprocess, dataOptions);
    const std::uint64_t samplesPerStep = static_cast<std::uint64_t>(o.batchSize) * o.gradientAccumulation;
    auto prefetcher = std::make_unique<BatchPrefetcher>(data, static_cast<std::uint64_t>(step) * samplesPerStep,
                                                        o.batchSize, o.dataWorkers);
    ForwardOptions forward;
    forward.visionTowerTrainable = !freezeVision;
    forward.checkpointing = o.gradientCheckpointing;

    TrainerResult result;
    result.outDir = o.outDir;
    result.trainingRecords = records->size();
    result.trainableParameters = params.count;

    const auto evaluateCheckpoint = [&]() -> std::optional<EvalReport> {
        if (evalRecords.empty()) return std::nullopt;
        LoadOptions engineOptions;
        engineOptions.device = o.device;
        auto engine = Engine::load(o.outDir, engineOptions);
        EvalReport report = evaluate(*engine, evalRecords, o.evaluation, {}, cancel, cb.onMessage);
        say("evaluation at step " + std::to_string(step) + ": " + evalReportSummary(report));
        return report;
    };
    // The step of the checkpoint outDir holds (-1: none), for the messages of a failed or cancelled run.
    std::int64_t savedStep = resumingFromOut ? resumed->step : -1;
    const auto checkpointNote = [&]() -> std::string {
        if (savedStep < 0) return "no checkpoint was written";
        return "the checkpoint of step " + std::to_string(savedStep) + " in " + o.outDir + " is intact";
    };
    const auto save = [&]() {
        // Everything goes to a temporary folder renamed over outDir at the end: a failure (disk full)
        // leaves the previous checkpoint as it was.
        StagingFolder staging(o.outDir);
        // What a checkpoint is made of is replaced; anything else the folder holds stays in it.
        staging.keepOthersThan({"config.json", "generation_config.json", "preprocessor_config.json",
                                "processor_config.json", "sentencepiece.bpe.model", "tokenizer_config.json",
                                "special_tokens_map.json", "added_tokens.json", "tokenizer.json", "model.safetensors",
                                kAdapterSubfolder, "adapter_model.safetensors", "adapter_config.json",
                                kTrainerStateJson, kTrainerStateTensors});
        writeConfigFiles(staging.path(), config, filesDir);
        copyTokenizerFiles(staging.path(), filesDir);
        writeWeights(staging.path(), model);
        if (lora) writeAdapter(staging.path(), adapters, o.lora, absolutePath(o.modelDir));
        TrainerState state;
        state.step = step;
        state.totalSteps = o.steps;
        state.baseModel = absolutePath(o.modelDir);
        state.data = dataSource;
        state.store = o.store;
        state.records = records->size();
        state.losses = lossHistory;
        state.options = o;
        state.optimizer = optimizer.state();
        writeTrainerState(staging.path(), state);
        staging.commit();
        savedStep = step;
        say("checkpoint at step " + std::to_string(step) + " written to " + o.outDir);
        if (cb.onCheckpoint) cb.onCheckpoint(o.outDir, step);
    };

    // Out of memory (c10::Error from the allocators, std::bad_alloc) becomes one clear error; the
    // parameters are untouched unless the optimizer step itself ran out, and nothing is saved.
    const auto outOfMemory = [&] {
        // A resumed run keeps its batch size: only checkpointing can be added to it.
        const std::string remedy =
            o.gradientCheckpointing ? "lower --batch-size in a new run (raising --grad-accum keeps the effective batch)"
            : resumed ? "resume with --gradient-checkpointing, or lower --batch-size in a new run"
                      : "lower --batch-size (raising --grad-accum keeps the effective batch) or use --gradient-checkpointing";
        return "out of memory at step " + std::to_string(step + 1) + " (batch " + std::to_string(o.batchSize) + " on " +
               device.str() + "): " + remedy + "; " + checkpointNote();
    };
    const auto memoryGuard = [&](const std::function<void()>& work) {
        try {
            work();
        } catch (const c10::Error& e) {
            optimizer.zeroGrad();
            const std::string what = e.what_without_backtrace();
            if (isOutOfMemory(what)) throw Error(outOfMemory());
            throw Error("step " + std::to_string(step + 1) + ": " + what.substr(0, what.find('\n')));
        } catch (const std::bad_alloc&) {
            optimizer.zeroGrad();
            throw Error(outOfMemory());
        }
    };
    // A checkpoint is staged beside outDir, so running out of memory while writing it leaves the old one.
    const auto saveGuarded = [&] {
        try {
            save();
        } catch (const std::bad_alloc&) {
            throw Error("out of memory while writing the checkpoint of step " + std::to_string(step) + "; " + checkpointNote());
        } catch (const c10::Error& e) {
            const std::string what = e.what_without_backtrace();
            throw Error("writing the checkpoint of step " + std::to_string(step) + ": " + what.substr(0, what.find('\n')) +
                        "; " + checkpointNote());
        }
    };
    const auto start = Clock::now();
    Clock::duration pausedFor{};
    const auto activeSeconds = [&] { return std::chrono::duration<double>(Clock::now() - start - pausedFor).count(); };
    Clock::duration savingFor{};   // periodic saves and their evaluations: part of the ETA, not of samples/s
    const auto trainingSeconds = [&] { return activeSeconds() - std::chrono::duration<double>(savingFor).count(); };
    std::uint64_t samplesSeen = 0;
    std::int64_t emptyMicroBatches = 0;   // in a row: more than two passes' worth means no record is usable
    std::set<std::string> reportedProblems;   // a record that cannot be prepared is named once, not every pass
    TrainerProgress lastProgress;
    const std::int64_t firstStep = step;
    while (step < o.steps && !cancelled()) {
        if (cb.shouldPause && cb.shouldPause()) {
            say("paused at step " + std::to_string(step));
            if (cb.onPauseChanged) cb.onPauseChanged(true, step);
            const auto pausedAt = Clock::now();
            while (cb.shouldPause() && !cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            pausedFor += Clock::now() - pausedAt;
            if (cb.onPauseChanged) cb.onPauseChanged(false, step);
            if (!cancelled()) say("resumed at step " + std::to_string(step));
            continue;
        }
        double lossSum = 0;
        int microBatches = 0;
        bool abandoned = false;
        optimizer.zeroGrad();
        for (int micro = 0; micro < o.gradientAccumulation; ++micro) {
            if (cancelled()) {
                abandoned = true;
                break;
            }
            std::vector<PreparedSample> samples = prefetcher->next();
            std::vector<const TrainingSequence*> sequences;
            std::vector<const std::vector<float>*> pixels;
            for (const PreparedSample& s : samples) {
                if (!s.problem.empty()) {
                    if (reportedProblems.insert(s.problem).second) say(s.problem);
                    continue;
                }
                sequences.push_back(&s.sequence);
                pixels.push_back(&s.pixels);
            }
            if (sequences.empty()) {
                if (++emptyMicroBatches > static_cast<std::int64_t>(2 * records->size() / o.batchSize + 2))
                    throw Error("no training sample could be prepared (see the messages above)");
                continue;
            }
            emptyMicroBatches = 0;
            memoryGuard([&] {
                const TrainingBatch batch = collateBatch(sequences, pixels, preprocess.size, config.text.padTokenId).to(device);
                // Dropout masks depend on (seed, step, micro-batch) only, so a resumed run draws the same ones.
                at::manual_seed(mixSeed(o.seed, static_cast<std::uint64_t>(step), 100 + micro));
                at::Tensor loss;
                {
                    AutocastScope cast(autocast);
                    loss = languageModelLoss(model, batch, forward);
                }
                (loss / o.gradientAccumulation).backward();
                const double value = loss.item<double>();
                if (!std::isfinite(value))
                    throw Error("the loss is " + std::to_string(value) + " at step " + std::to_string(step + 1) +
                                " (lower --lr?)");
                lossSum += value;
                ++microBatches;
                samplesSeen += sequences.size();
            });
        }
        if (abandoned) break;
        if (microBatches == 0) continue;
        const double lr = scheduledLearningRate(step + 1, o.steps, o.warmupSteps, o.learningRate, o.minLearningRateRatio);
        double gradNorm = 0;
        memoryGuard([&] {
            padding.beforeClip();
            gradNorm = clipGradNorm(params.trainable, o.maxGradNorm);
            optimizer.step(lr);
            padding.afterStep();
        });
        ++step;
        const double loss = lossSum / microBatches;
        result.losses.push_back(loss);
        lossHistory.push_back(loss);

        const double elapsed = activeSeconds();
        TrainerProgress progress;
        progress.step = step;
        progress.totalSteps = o.steps;
        progress.loss = loss;
        progress.learningRate = lr;
        progress.gradNorm = gradNorm;
        const double training = trainingSeconds();
        progress.samplesPerSecond = training > 0 ? samplesSeen / training : 0;
        progress.etaSeconds = elapsed / static_cast<double>(step - firstStep) * static_cast<double>(o.steps - step);
        const bool periodic = o.saveEvery > 0 && step % o.saveEvery == 0 && step < o.steps;
        if (periodic) {
            const auto savingFrom = Clock::now();
            saveGuarded();
            progress.evaluation = evaluateCheckpoint();
            if (cancelled()) progress.evaluation.reset();   // cut short: not a score
            savingFor += Clock::now() - savingFrom;
        }
        if (cb.onProgress && (step % std::max<std::int64_t>(1, o.logEvery) == 0 || step == o.steps || progress.evaluation))
            cb.onProgress(progress);
        lastProgress = progress;
    }
    prefetcher.reset();
    result.steps = step;
    result.stepsThisRun = step - firstStep;
    result.cancelled = step < o.steps;
    if (!result.losses.empty()) {
        result.initialLoss = result.losses.front();
        result.finalLoss = result.losses.back();
    }
    const double training = trainingSeconds();
    result.samplesPerSecond = training > 0 ? samplesSeen / training : 0;
    if (result.stepsThisRun > 0) {
        if (savedStep != step) saveGuarded();   // a stop during a periodic save's evaluation: that step is saved
        result.checkpointWritten = true;
        if (result.cancelled)
            say("cancelled at step " + std::to_string(step) + " of " + std::to_string(o.steps) +
                ": the checkpoint of that step is in " + o.outDir);
        if (!result.cancelled) {
            result.evaluation = evaluateCheckpoint();
            if (cancelled()) {
                say("final evaluation cancelled: no score");
                result.evaluation.reset();
            }
            if (result.evaluation && cb.onProgress) {
                TrainerProgress last = lastProgress;   // the last step's figures, now with its score
                last.etaSeconds = 0;
                last.evaluation = result.evaluation;
                cb.onProgress(last);
            }
        }
    } else if (result.cancelled) {
        say("cancelled before the first step: nothing saved" +
            (savedStep >= 0 ? " (" + o.outDir + " still holds step " + std::to_string(savedStep) + ")" : std::string()));
    }
    return result;
}

} // namespace kosmos::training
