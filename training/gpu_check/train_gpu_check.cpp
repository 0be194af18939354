// GPU check of the trainer's device paths (bf16 autocast, activation checkpointing under autocast, LoRA,
// AdamW on device tensors) and of training speed, on machines that have only a CUDA LibTorch (no OpenCV,
// SQLite or sentencepiece: batches are made of token ids and random pixels here). Writes a JSON report
// and, for hf_check.py, two checkpoints (full and LoRA) with the logits this engine computes for them.
//
//   train_gpu_check FIXTURE_DIR OUT_DIR [cpu|cuda] [--quick]
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "model/engine/checkpoint.h"
#include "model/engine/device_memory.h"
#include "model/engine/kosmos2_loader.h"
#include "model/engine/random_init.h"
#include "model/engine/text_model.h"
#include "training/adamw.h"
#include "training/lora.h"
#include "training/model_folder.h"
#include "training/training_step.h"

using namespace kosmos;
using namespace kosmos::training;
using Clock = std::chrono::steady_clock;

namespace {

// A right-padded batch shaped like the trainer's: <s> <image> 64 slots </image> <grounding> <phrase> words
// </phrase> <object> ul lr </object> </s>, labels -100 over the prompt part.
TrainingBatch syntheticBatch(std::int64_t rows, std::int64_t vocab, std::uint64_t seed, int imageSize = 224) {
    const std::int64_t tag = vocab - 1024 - 11;   // </doc>; the other tags follow in order
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    std::vector<TrainingSequence> sequences(rows);
    for (std::int64_t r = 0; r < rows; ++r) {
        auto& s = sequences[r];
        s.inputIds = {0, tag + 1};
        for (int i = 0; i < 64; ++i) s.inputIds.push_back(4 + i);
        s.inputIds.push_back(tag + 2);
        s.inputIds.push_back(tag + 10);
        s.inputIds.push_back(tag + 5);
        const std::int64_t words = 3 + r % 5;
        at::Tensor plain = at::randint(5, tag - 1, {words}, gen, at::TensorOptions().dtype(at::kLong));
        for (std::int64_t i = 0; i < words; ++i) s.inputIds.push_back(plain[i].item<std::int64_t>());
        at::Tensor corners = at::randint(0, 1024, {2}, gen, at::TensorOptions().dtype(at::kLong));
        for (std::int64_t v : {tag + 6, tag + 7, tag + 11 + corners[0].item<std::int64_t>(),
                               tag + 11 + corners[1].item<std::int64_t>(), tag + 8, std::int64_t(2)})
            s.inputIds.push_back(v);
        s.imageMask.assign(s.inputIds.size(), 0);
        for (int i = 2; i < 66; ++i) s.imageMask[i] = 1;
        s.labels = s.inputIds;
        for (int i = 0; i < 68; ++i) s.labels[i] = kIgnoreLabel;
    }
    at::Tensor pixels = at::randn({rows, 3, imageSize, imageSize}, gen);
    std::vector<std::vector<float>> rowsPixels(rows);
    std::vector<const TrainingSequence*> seqs;
    std::vector<const std::vector<float>*> pix;
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* p = pixels[r].contiguous().data_ptr<float>();
        rowsPixels[r].assign(p, p + 3 * imageSize * imageSize);
        seqs.push_back(&sequences[r]);
        pix.push_back(&rowsPixels[r]);
    }
    return collateBatch(seqs, pix, imageSize, 1);
}

at::Tensor logitsOf(Kosmos2ForConditionalGeneration& model, const TrainingBatch& b) {
    at::NoGradGuard noGrad;
    auto& text = model->text_model->model;
    const at::Tensor embeds = model->imageEmbeds(b.pixelValues);
    const at::Tensor positions = positionIdsFromInputIds(b.inputIds, 1, at::Tensor());
    const at::Tensor mask = buildAttentionMask(b.attentionMask, b.inputIds.size(1), at::kFloat);
    return at::linear(text(b.inputIds, positions, embeds, b.imageMask, mask, nullptr), outputEmbedding(model));
}

std::vector<NamedParameter> trainable(Kosmos2ForConditionalGeneration& model, bool loraOnly) {
    std::vector<NamedParameter> out;
    const bool tied = lmHeadTied(model);
    for (auto& item : model->named_parameters()) {
        const std::string& n = item.key();
        const bool lora = n.find(".lora_") != std::string::npos;
        const bool train = loraOnly ? lora : !(tied && n == "text_model.lm_head.weight");
        item.value().set_requires_grad(train);
        if (train) out.push_back({n, item.value(), n.find("bias") == std::string::npos && n.find("norm") == std::string::npos});
    }
    return out;
}

struct StepTiming {
    double msPerStep = 0;
    double samplesPerSecond = 0;
    double peakGiB = 0;
    double lastLoss = 0;
};

// `steps` timed optimizer steps after `warmup` ones.
StepTiming timeSteps(Kosmos2ForConditionalGeneration& model, const TrainingBatch& batch, bool loraOnly, bool autocast,
                     bool checkpointing, bool frozenVision, int warmup, int steps, bool cuda) {
    auto params = trainable(model, loraOnly);
    AdamW optimizer(params, AdamWOptions{});
    ForwardOptions forward;
    forward.checkpointing = checkpointing;
    forward.visionTowerTrainable = !frozenVision;
    StepTiming t;
    if (cuda) cudaResetPeak();
    Clock::time_point start;
    for (int i = 0; i < warmup + steps; ++i) {
        if (i == warmup) {
            if (cuda) cudaSynchronize();
            start = Clock::now();
        }
        optimizer.zeroGrad();
        at::Tensor loss;
        {
            AutocastScope cast(autocast);
            loss = languageModelLoss(model, batch, forward);
        }
        loss.backward();
        clipGradNorm(params, 1.0);
        optimizer.step(1e-4);
        if (i + 1 == warmup + steps) t.lastLoss = loss.item<double>();
    }
    if (cuda) cudaSynchronize();
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    t.msPerStep = ms / steps;
    t.samplesPerSecond = batch.rows() * 1000.0 / t.msPerStep;
    t.peakGiB = cuda ? cudaPeakAllocatedBytes() / double(1ull << 30) : 0;
    return t;
}

KosmosConfig sizedConfig(int visionHidden, int visionLayers, int visionHeads, int textDim, int textLayers, int textHeads,
                         int ffn, std::int64_t vocab) {
    KosmosConfig c;
    c.vision.hiddenSize = visionHidden;
    c.vision.intermediateSize = 4 * visionHidden;
    c.vision.numHiddenLayers = visionLayers;
    c.vision.numAttentionHeads = visionHeads;
    c.text.embedDim = textDim;
    c.text.layers = textLayers;
    c.text.attentionHeads = textHeads;
    c.text.ffnDim = ffn;
    c.text.vocabSize = vocab;
    return c;
}

void run(const std::string& name, nlohmann::json& report, const std::function<void(nlohmann::json&)>& part) {
    std::fprintf(stderr, "== %s\n", name.c_str());
    const auto start = Clock::now();
    try {
        part(report[name]);
    } catch (const std::exception& e) {
        const std::string what = e.what();
        report[name]["error"] = what.substr(0, what.find('\n'));
        std::fprintf(stderr, "   error: %s\n", what.substr(0, 300).c_str());
    }
    report[name]["seconds"] = std::chrono::duration<double>(Clock::now() - start).count();
    std::fprintf(stderr, "   %s\n", report[name].dump().c_str());
}

void saveFolder(const std::string& dir, Kosmos2ForConditionalGeneration& model, const std::string& fixture,
                const std::vector<LoraModule>* lora, const LoraOptions& options) {
    StagingFolder staging(dir);
    writeConfigFiles(staging.path(), model->config, fixture);
    copyTokenizerFiles(staging.path(), fixture);
    writeWeights(staging.path(), model);
    if (lora) writeAdapter(staging.path(), *lora, options, fixture);
    staging.commit();
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s FIXTURE_DIR OUT_DIR [cpu|cuda] [--quick]\n", argv[0]);
        return 2;
    }
    const std::string fixture = argv[1], out = argv[2];
    const at::Device device = parseDevice(argc > 3 ? argv[3] : "cuda");
    const bool cuda = device.is_cuda(), quick = argc > 4 && std::string(argv[4]) == "--quick";
    nlohmann::json report;
    report["device"] = device.str();

    CheckpointLoadOptions load;
    load.zeroCopy = false;
    const TrainingBatch tinyBatch = syntheticBatch(6, 2037, 1);

    run("fixture_autocast", report, [&](nlohmann::json& r) {
        load.device = device;
        Kosmos2ForConditionalGeneration model = loadKosmos2(fixture, load);
        const TrainingBatch batch = tinyBatch.to(device);
        CheckpointLoadOptions cpuLoad = load;
        cpuLoad.device = at::kCPU;
        Kosmos2ForConditionalGeneration cpuModel = loadKosmos2(fixture, cpuLoad);
        const double cpuLoss = languageModelLoss(cpuModel, tinyBatch).item<double>();
        const double f32 = languageModelLoss(model, batch).item<double>();
        double bf16;
        {
            AutocastScope cast(cuda);
            bf16 = languageModelLoss(model, batch).item<double>();
        }
        r["loss_cpu_f32"] = cpuLoss;
        r["loss_device_f32"] = f32;
        r["loss_device_autocast"] = bf16;
        r["f32_vs_cpu"] = std::abs(f32 - cpuLoss);
        r["autocast_vs_f32_relative"] = std::abs(bf16 - f32) / f32;
        // Checkpointing under autocast: the same loss and gradients as without.
        std::map<std::string, at::Tensor> grads[2];
        double losses[2];
        for (int mode = 0; mode < 2; ++mode) {
            Kosmos2ForConditionalGeneration m = loadKosmos2(fixture, load);
            ForwardOptions options;
            options.checkpointing = mode == 1;
            at::Tensor loss;
            {
                AutocastScope cast(cuda);
                loss = languageModelLoss(m, batch, options);
            }
            loss.backward();
            losses[mode] = loss.item<double>();
            for (auto& item : m->named_parameters())
                if (item.value().grad().defined()) grads[mode][item.key()] = item.value().grad().to(at::kFloat).cpu();
        }
        double worst = 0, scale = 0;
        for (auto& [n, g] : grads[0]) {
            worst = std::max(worst, (g - grads[1][n]).abs().max().item<double>());
            scale = std::max(scale, g.abs().max().item<double>());
        }
        r["checkpointing_loss_difference"] = std::abs(losses[0] - losses[1]);
        r["checkpointing_max_grad_difference"] = worst;
        r["max_grad"] = scale;
        r["grads_compared"] = grads[0].size();
        // Fitting one batch under autocast lowers the loss.
        auto params = trainable(model, false);
        AdamW optimizer(params, AdamWOptions{});
        PaddingEmbeddingGuard padding(model, model->config.text.padTokenId);
        double first = 0, last = 0;
        for (int step = 0; step < 40; ++step) {
            optimizer.zeroGrad();
            at::Tensor loss;
            {
                AutocastScope cast(cuda);
                loss = languageModelLoss(model, batch);
            }
            loss.backward();
            padding.beforeClip();
            clipGradNorm(params, 1.0);
            optimizer.step(3e-3);
            padding.afterStep();
            (step == 0 ? first : last) = loss.item<double>();
        }
        r["fit_first_loss"] = first;
        r["fit_last_loss"] = last;
        model->eval();
        saveFolder(out + "/ckpt_full", model, fixture, nullptr, {});
        at::Tensor logits = logitsOf(model, batch).cpu();
        saveTensors(out + "/check_tensors_full.safetensors",
                    {{"input_ids", tinyBatch.inputIds}, {"attention_mask", tinyBatch.attentionMask},
                     {"image_embeds_position_mask", tinyBatch.imageMask}, {"pixel_values", tinyBatch.pixelValues},
                     {"logits", logits}});
    });

    run("fixture_lora", report, [&](nlohmann::json& r) {
        load.device = device;
        Kosmos2ForConditionalGeneration model = loadKosmos2(fixture, load);
        const TrainingBatch batch = tinyBatch.to(device);
        LoraOptions options;
        options.rank = 4;
        options.alpha = 8;
        options.targets = {"all-linear"};
        options.includeVision = true;
        auto modules = enableLora(model, options, 7);
        model->train();
        auto params = trainable(model, true);
        AdamW optimizer(params, AdamWOptions{});
        for (int step = 0; step < 10; ++step) {
            optimizer.zeroGrad();
            at::Tensor loss;
            {
                AutocastScope cast(cuda);
                loss = languageModelLoss(model, batch);
            }
            loss.backward();
            optimizer.step(1e-2);
            if (step == 9) r["last_loss"] = loss.item<double>();
        }
        model->eval();
        r["modules"] = modules.size();
        saveFolder(out + "/ckpt_lora", model, fixture, &modules, options);
        at::Tensor adapted = logitsOf(model, batch).cpu();
        CheckpointLoadOptions cpuLoad = load;
        cpuLoad.device = device;
        Kosmos2ForConditionalGeneration merged = loadKosmos2(out + "/ckpt_lora", cpuLoad);
        r["merged_vs_adapted_max_logit_difference"] = (logitsOf(merged, batch).cpu() - adapted).abs().max().item<double>();
        saveTensors(out + "/check_tensors_lora.safetensors", {{"logits", adapted}});
    });

    // The 6.7 M-parameter configuration of the CPU benchmark (vision 192 x 6 at 224 px, text 256 x 4).
    run("speed_6.7M", report, [&](nlohmann::json& r) {
        const KosmosConfig config = sizedConfig(192, 6, 3, 256, 4, 4, 1024, 2037);
        Kosmos2ForConditionalGeneration model(config, at::TensorOptions().device(device));
        randomInitialise(model, 1);
        model->train();
        const int rows = quick ? 4 : 64;
        const TrainingBatch batch = syntheticBatch(rows, 2037, 2).to(device);
        const StepTiming f32 = timeSteps(model, batch, false, false, false, false, 2, quick ? 2 : 10, cuda);
        r["batch"] = rows;
        r["f32_samples_per_second"] = f32.samplesPerSecond;
        if (cuda) {
            const StepTiming bf16 = timeSteps(model, batch, false, true, false, false, 2, 10, cuda);
            r["bf16_samples_per_second"] = bf16.samplesPerSecond;
            r["bf16_ms_per_step"] = bf16.msPerStep;
            r["bf16_peak_gib"] = bf16.peakGiB;
        }
    });

    if (cuda && !quick) {
        // The released model's size (random weights): LoRA and full fine-tuning steps, memory.
        run("speed_1.66B", report, [&](nlohmann::json& r) {
            const KosmosConfig config = sizedConfig(1024, 24, 16, 2048, 24, 32, 8192, 65037);
            {
                Kosmos2ForConditionalGeneration model(config, at::TensorOptions().device(device));
                randomInitialise(model, 1);
                model->train();
                const TrainingBatch batch = syntheticBatch(16, 65037, 3).to(device);
                auto modules = enableLora(model, LoraOptions{}, 1);
                const StepTiming lora = timeSteps(model, batch, true, true, false, true, 2, 5, cuda);
                r["lora_batch16_ms_per_step"] = lora.msPerStep;
                r["lora_batch16_samples_per_second"] = lora.samplesPerSecond;
                r["lora_batch16_peak_gib"] = lora.peakGiB;
            }
            Kosmos2ForConditionalGeneration full(config, at::TensorOptions().device(device));
            randomInitialise(full, 2);
            full->train();
            const TrainingBatch small = syntheticBatch(8, 65037, 4).to(device);
            const StepTiming plain = timeSteps(full, small, false, true, false, false, 2, 5, cuda);
            r["full_batch8_ms_per_step"] = plain.msPerStep;
            r["full_batch8_peak_gib"] = plain.peakGiB;
            const StepTiming saver = timeSteps(full, small, false, true, true, false, 1, 5, cuda);
            r["full_batch8_checkpointing_ms_per_step"] = saver.msPerStep;
            r["full_batch8_checkpointing_peak_gib"] = saver.peakGiB;
            r["loss_finite"] = std::isfinite(saver.lastLoss);
        });
    }

    std::ofstream(out + "/train_gpu_check.json") << report.dump(1) << "\n";
    std::printf("%s\n", report.dump().c_str());
    return 0;
}
