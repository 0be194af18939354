// kosmos2 bench: stage timings, tokens/s, memory, BLAS and threads, as JSON or a table.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#ifndef KOSMOS_ENGINE_ONLY
#include "core/media/image_io.h"
#endif
#include "model/engine/benchmark.h"

namespace kosmos::cli {
namespace {

struct BenchCommandOptions {
    BenchOptions bench;
    std::string image;
    bool randomWeights = false, json = false;
};

// The rate at which a decode step reads its weights: their bytes over the median step.
double decodeReadGBs(const BenchResult& r) {
    return r.decodeWeightBytes / (r.stagesMs.at("decode_per_token").median / 1000.0) / 1e9;
}

nlohmann::json spreadJson(const Spread& s) { return {{"median", s.median}, {"min", s.min}, {"max", s.max}}; }

nlohmann::json toJson(const BenchResult& r, const BenchOptions& o) {
    nlohmann::json stages;
    for (const auto& [name, s] : r.stagesMs) stages[name] = spreadJson(s);
    return {{"device", r.device},
            {"dtype", r.dtype},
            {"batch", o.batch},
            {"runs", o.runs},
            {"new_tokens", o.newTokens},
            {"parameters", r.parameters},
            {"stages_ms", stages},
            {"vision_ms", r.stagesMs.at("vision").median},
            {"prefill_ms", r.stagesMs.at("prefill").median},
            {"decode_ms_per_token", r.stagesMs.at("decode_per_token").median},
            {"end_to_end_ms", r.stagesMs.at("end_to_end").median},
            {"tokens_per_s", r.tokensPerSecond},
            {"images_per_s", r.imagesPerSecond},
            {"peak_rss_mb", r.peakRssMb},
            {"peak_device_mb", r.peakDeviceMb},
            {"memory_bandwidth_gbs", r.memoryBandwidthGBs},
            {"bandwidth_measure", r.bandwidthMeasure},
            {"copy_bandwidth_gbs", r.copyBandwidthGBs},
            {"read_bandwidth_gbs", spreadJson(r.readBandwidthGBs)},
            {"decode_read_gbs", decodeReadGBs(r)},
            {"decode_weight_bytes", r.decodeWeightBytes},
            {"decode_floor_ms", r.decodeFloorMs},
            {"decode_floor_ratio_by_run", spreadJson(r.floorRatioByRun)},
            {"decode_int8_products_ms", spreadJson(r.decodeInt8ProductsMs)},
            {"decode_int8_product_gbs", spreadJson(r.decodeInt8ProductGBs)},
            {"decode_rest_ms", spreadJson(r.decodeRestMs)},
            {"blas", r.blas},
            {"threads", r.threads},
            {"blas_threads", r.blasThreads},
            {"omp_wait_policy", r.ompWaitPolicy},
            {"torch", r.torchVersion},
            {"prompt_ids", r.promptIds},
            {"generated_ids", r.firstRunIds},
            {"ids_equal_every_run", r.idsEqualEveryRun}};
}

void runBench(BenchCommandOptions o) {
    if (o.randomWeights == o.bench.configPath.empty())
        throw CommandError{"--random-weights needs --config FILE (and no --model), or give --model DIR", 2};
    if (!o.randomWeights && o.bench.modelDir.empty())
        throw CommandError{"give --model DIR or --random-weights --config FILE", 2};
    if (o.randomWeights && !o.bench.modelDir.empty())
        throw CommandError{"--random-weights --config FILE measures a model without a folder: leave out --model", 2};
#ifndef KOSMOS_ENGINE_ONLY
    if (!o.image.empty()) o.bench.image = loadImageFile(o.image);
#else
    if (!o.image.empty()) throw CommandError{"--image needs the full build (image files are read in core/)"};
#endif
    const BenchResult r = runBenchmark(o.bench);
    const nlohmann::json j = toJson(r, o.bench);
    if (o.json) {
        std::cout << jsonText(j) << "\n";
        return;
    }
    std::printf("device %s, %s, batch %d, %lld parameters, LibTorch %s\n", r.device.c_str(), r.dtype.c_str(),
                o.bench.batch, static_cast<long long>(r.parameters), r.torchVersion.c_str());
    for (const auto& [name, s] : r.stagesMs)
        std::printf("  %-18s median %9.2f ms   (min %.2f, max %.2f)\n", name.c_str(), s.median, s.min, s.max);
    std::printf("  tokens/s %.1f   images/s %.3f   peak RSS %.0f MB   peak device %.0f MB\n", r.tokensPerSecond,
                r.imagesPerSecond, r.peakRssMb, r.peakDeviceMb);
    const double decodeMs = r.stagesMs.at("decode_per_token").median;
    if (r.bandwidthMeasure == "read")
        std::printf("  bandwidth %.1f GB/s (read, best of %d measures, median %.1f; copy %.1f GB/s)\n",
                    r.memoryBandwidthGBs, o.bench.runs, r.readBandwidthGBs.median, r.copyBandwidthGBs);
    else
        std::printf("  bandwidth %.1f GB/s (%s)\n", r.memoryBandwidthGBs, r.bandwidthMeasure.c_str());
    std::printf("  decode weights %.2f GB, read at %.1f GB/s a step; floor %.2f ms/token, decode at %.2fx the floor\n",
                r.decodeWeightBytes / 1e9, decodeReadGBs(r), r.decodeFloorMs,
                decodeMs / r.decodeFloorMs);
    if (r.bandwidthMeasure == "read")
        std::printf("  run by run, against the read rate measured after each: decode at %.2fx the floor (min %.2f, "
                    "max %.2f)\n",
                    r.floorRatioByRun.median, r.floorRatioByRun.min, r.floorRatioByRun.max);
    if (r.decodeInt8ProductsMs.max > 0)
        std::printf("  a decode step: int8 weight products %.2f ms (%.2f-%.2f) at %.1f GB/s, the rest %.2f ms "
                    "(%.2f-%.2f)\n",
                    r.decodeInt8ProductsMs.median, r.decodeInt8ProductsMs.min, r.decodeInt8ProductsMs.max,
                    r.decodeInt8ProductGBs.median, r.decodeRestMs.median, r.decodeRestMs.min, r.decodeRestMs.max);
    const std::string blasThreads = r.blasThreads > 0 ? " (OpenBLAS, " + std::to_string(r.blasThreads) + " threads)" : "";
    std::printf("  BLAS %s%s, %d threads, OMP_WAIT_POLICY=%s\n", r.blas.c_str(), blasThreads.c_str(), r.threads,
                r.ompWaitPolicy.c_str());
    if (!r.idsEqualEveryRun) std::printf("  the runs did not all generate the warm-up's ids\n");
}

} // namespace

void addBenchCommand(CLI::App& app) {
    auto o = std::make_shared<BenchCommandOptions>();
    CLI::App* cmd = app.add_subcommand("bench", "Measure preprocessing, vision, prefill, decode and end-to-end speed");
    cmd->add_option("--model", o->bench.modelDir, "Hugging Face KOSMOS-2 folder");
    cmd->add_flag("--random-weights", o->randomWeights, "Random weights of the configuration given by --config");
    cmd->add_option("--config", o->bench.configPath, "config.json for --random-weights (any size)");
    cmd->add_option("--image", o->image, "Image (default: a synthetic 640x480 image)");
    cmd->add_option("--device", o->bench.device, "Where to run")->capture_default_str()->check(deviceName());
    cmd->add_option("--dtype", o->bench.dtype, "Precision (int8: CPU, int8 decoder weights)")
        ->capture_default_str()
        ->check(dtypeName());
    cmd->add_option("--batch", o->bench.batch, "Images per batch")->check(CLI::Range(1, 1024))->capture_default_str();
    cmd->add_option("--runs", o->bench.runs, "Timed runs after one warm-up")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--new-tokens", o->bench.newTokens, "Tokens generated per run")->capture_default_str();
    cmd->add_option("--no-repeat-ngram-size", o->bench.noRepeatNgramSize,
                    "Ban repeated n-grams of this size (transformers' logits processor; 0: off)")
        ->capture_default_str();
    cmd->add_option("--threads", o->bench.threads, "CPU threads (0: one per core)")->check(CLI::Range(0, kMaxThreads));
    cmd->add_option("--seed", o->bench.seed, "Seed of the random weights")->capture_default_str();
    cmd->add_option("--dump", o->bench.dumpPath, "Write image_embeds, pixel_values and the first step's logits (safetensors)");
    cmd->add_option("--profile", o->bench.profilePath,
                    "Write a Chrome trace (operators, GPU kernels) of one extra, untimed run");
    cmd->add_flag("--json", o->json, "One JSON object");
    cmd->callback([o] { runBench(*o); });
}

} // namespace kosmos::cli
