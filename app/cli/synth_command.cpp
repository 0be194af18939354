// `kosmos2 synth --out DIR --count N --seed S [--threads T] [--format mixed|png|jpg] [--min-side A --max-side B]
// [--spm-out DIR --vocab-size V] [--overwrite]`: the synthetic shapes grounding dataset (images + GRIT JSONL) and, with
// --spm-out, a sentencepiece BPE tokenizer trained on its captions and the task prompts.
// Prints one JSON line: {"count","objects","jpeg_images","annotations","tokenizer"}.
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "datasets/shapes_generator.h"
#include "datasets/tokenizer_training.h"

namespace kosmos::cli {
namespace {

struct SynthCommandOptions {
    std::string out;
    std::string spmOut;
    std::uint64_t count = 1000;
    std::uint64_t seed = 0;
    int threads = 1;
    std::string format = "mixed";
    int minSide = synth::kMinImageSide;
    int maxSide = synth::kMaxImageSide;
    int vocabSize = synth::kDefaultVocabSize;
    bool quiet = false;
    bool overwrite = false;
};

namespace fs = std::filesystem;

// A dataset or tokenizer already there is replaced only when asked; with --overwrite, the images of the
// earlier run (NNNNNN.png|jpg) go too, so that none is left beside annotations that no longer name it.
void guardOutputs(const SynthCommandOptions& o) {
    std::error_code error;
    const std::string annotations = (fs::path(o.out) / "annotations.jsonl").string();
    const std::string tokenizer = (fs::path(o.spmOut) / "sentencepiece.bpe.model").string();
    for (const std::string& existing : {o.out.empty() ? std::string() : annotations,
                                        o.spmOut.empty() ? std::string() : tokenizer})
        if (!existing.empty() && fs::exists(existing, error) && !o.overwrite)
            throw CommandError{"synth: " + existing + " exists; --overwrite replaces it"};
    if (o.out.empty() || !o.overwrite) return;
    static const std::regex ours(R"(\d{6}\.(png|jpg))");
    for (const fs::directory_entry& entry : fs::directory_iterator(fs::path(o.out) / "images", error))
        if (entry.is_regular_file(error) && std::regex_match(entry.path().filename().string(), ours))
            fs::remove(entry.path(), error);
}

void runSynth(const SynthCommandOptions& o) {
    if (o.out.empty() && o.spmOut.empty()) throw CommandError{"give --out DIR and/or --spm-out DIR", 2};
    if (o.count == 0 || o.count > synth::kMaxSampleCount)
        throw CommandError{"--count must be in 1.." + std::to_string(synth::kMaxSampleCount), 2};
    if (o.minSide > o.maxSide) throw CommandError{"--min-side is larger than --max-side", 2};
    guardOutputs(o);
    static const std::map<std::string, synth::ImageFormat> formats = {
        {"mixed", synth::ImageFormat::Mixed}, {"png", synth::ImageFormat::Png}, {"jpg", synth::ImageFormat::Jpeg}};
    synth::SampleLimits limits;
    limits.minSide = o.minSide;
    limits.maxSide = o.maxSide;
    limits.format = formats.at(o.format);

    nlohmann::ordered_json summary;
    summary["count"] = o.count;
    summary["seed"] = o.seed;
    std::vector<std::string> captions;
    if (!o.out.empty()) {
        synth::SynthOptions options;
        options.outDir = o.out;
        options.count = o.count;
        options.seed = o.seed;
        options.threads = o.threads;
        options.limits = limits;
        options.keepCaptions = !o.spmOut.empty();
        if (!o.quiet) {
            options.progress = [](std::uint64_t done, std::uint64_t total) {
                std::cerr << "\rsynth: " << done << "/" << total << std::flush;
                if (done == total) std::cerr << '\n';
            };
        }
        synth::SynthReport report = synth::generateDataset(options);
        summary["objects"] = report.objects;
        summary["jpeg_images"] = report.jpegImages;
        summary["annotations"] = report.annotationsPath;
        captions = std::move(report.captions);
    }
    if (!o.spmOut.empty()) {
        if (captions.empty()) captions = synth::datasetCaptions(o.seed, o.count, limits, o.threads);
        synth::TokenizerTrainingOptions training;
        training.outDir = o.spmOut;
        training.vocabSize = o.vocabSize;
        summary["tokenizer"] = synth::trainTokenizer(captions, training);
    }
    std::cout << jsonText(summary) << std::endl;
}

} // namespace

void addSynthCommand(CLI::App& app) {
    auto o = std::make_shared<SynthCommandOptions>();
    CLI::App* cmd =
        app.add_subcommand("synth", "Synthetic shapes grounding dataset (images + GRIT JSONL) and its tokenizer");
    cmd->add_option("--out", o->out, "Output folder: images/NNNNNN.png|jpg and annotations.jsonl");
    cmd->add_option("--count", o->count, "Number of images")->capture_default_str();
    cmd->add_option("--seed", o->seed, "Seed; sample i depends only on (seed, i)")->capture_default_str();
    cmd->add_option("--threads", o->threads, "Worker threads (the output does not depend on it)")
        ->check(CLI::Range(1, 256))->capture_default_str();
    cmd->add_option("--format", o->format, "Image files: mixed (PNG or JPEG at random), png or jpg")
        ->check(CLI::IsMember({"mixed", "png", "jpg"}))->capture_default_str();
    cmd->add_option("--min-side", o->minSide, "Smallest image side")
        ->check(CLI::Range(synth::kMinImageSide, synth::kMaxImageSide))->capture_default_str();
    cmd->add_option("--max-side", o->maxSide, "Largest image side")
        ->check(CLI::Range(synth::kMinImageSide, synth::kMaxImageSide))->capture_default_str();
    cmd->add_option("--spm-out", o->spmOut,
                    "Also train the demo tokenizer (spm_train, BPE) on the captions and prompts into this folder");
    cmd->add_option("--vocab-size", o->vocabSize, "Upper bound of the tokenizer's pieces")
        ->check(CLI::Range(synth::kMinVocabSize, synth::kMaxVocabSize))->capture_default_str();
    cmd->add_flag("--quiet", o->quiet, "No progress on stderr");
    cmd->add_flag("--overwrite", o->overwrite,
                  "Replace an existing annotations.jsonl (and the images beside it) or sentencepiece.bpe.model");
    cmd->callback([o] { runSynth(*o); });
}

} // namespace kosmos::cli
