// kosmos2 generate: grounded generation for one or more images.
#include <cstdio>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/result_json.h"
#include "core/media/image_io.h"
#include "model/engine/engine.h"
#include "model/engine/runtime_info.h"
#include "model/error.h"

namespace kosmos::cli {
namespace {

struct GenerateOptions {
    std::string model, prompt = "<grounding>An image of", device = "cpu", dtype = "f32";
    std::vector<std::string> images;
    GenerationParams params;
    bool sample = false, json = false, constrained = false;
    int threads = 0;
    std::vector<std::string> samplingOptions;   // --top-p, --top-k, --temperature, --seed as given
};

// Sampling settings given for a model that decodes greedily would be dropped without a word.
void warnOfUnusedSamplingOptions(const GenerateOptions& o, const Engine& engine) {
    if (o.sample || o.samplingOptions.empty() || engine.summary().defaults.doSample == 1) return;
    std::string names;
    for (const std::string& name : o.samplingOptions) names += (names.empty() ? "" : ", ") + name;
    std::fprintf(stderr, "kosmos2 generate: warning: %s %s no effect without --sample (this model's generation "
                         "settings do not sample)\n", names.c_str(), o.samplingOptions.size() == 1 ? "has" : "have");
}

void printHuman(const std::string& image, const GenerationResult& r, int width, int height) {
    std::cout << image << ": " << r.caption << "\n";
    for (const auto& e : r.entities) {
        std::cout << "  " << e.phrase << " [" << e.span.first << ", " << e.span.second << ")";
        for (const auto& b : e.boxes) {
            const Box p = toPixelBox(b.box, width, height);
            std::printf("  (%.0f, %.0f, %.0f, %.0f) p=%.3f", p[0], p[1], p[2], p[3], b.confidence);
        }
        std::cout << "\n";
    }
    std::cout.flush();
}

void runGenerate(GenerateOptions o) {
    configureThreads(o.threads);
    if (o.sample) o.params.doSample = 1;
    o.params.constrainedGrounding = o.constrained;
    LoadOptions load;
    load.device = o.device;
    load.dtype = o.dtype;
    auto engine = Engine::load(o.model, load);
    warnOfUnusedSamplingOptions(o, *engine);
    std::size_t unreadable = 0;
    for (const std::string& path : o.images) {
        GenerationRequest request;
        // An unreadable image is reported and the others still run; the exit status says one failed.
        try {
            request.image = loadImageFile(path);
        } catch (const Error& e) {
            std::fprintf(stderr, "kosmos2: %s\n", e.what());
            ++unreadable;
            continue;
        }
        request.prompt = o.prompt;
        request.params = o.params;
        GenerationResult result = engine->generate(request);
        if (o.json)
            std::cout << jsonText(resultJson(path, o.prompt, result, request.image.width, request.image.height)) << "\n";
        else
            printHuman(path, result, request.image.width, request.image.height);
    }
    if (unreadable > 0)
        throw CommandError{std::to_string(unreadable) + " of " + std::to_string(o.images.size()) +
                           (o.images.size() == 1 ? " image" : " images") + " could not be read"};
}

} // namespace

void addGenerateCommand(CLI::App& app) {
    auto o = std::make_shared<GenerateOptions>();
    CLI::App* cmd = app.add_subcommand("generate", "Grounded generation: caption, phrase grounding, referring expressions, VQA");
    cmd->add_option("--model", o->model, "Hugging Face KOSMOS-2 folder")->required();
    cmd->add_option("--image", o->images, "Image file (repeatable)")->required();
    cmd->add_option("--prompt", o->prompt, "Prompt, e.g. '<grounding>An image of'")->capture_default_str();
    cmd->add_option("--max-new-tokens", o->params.maxNewTokens, "Tokens to generate at most (default: checkpoint, else 128)")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--min-new-tokens", o->params.minNewTokens, "Tokens to generate at least")
        ->check(CLI::Range(0, 1 << 20));
    cmd->add_option("--num-beams", o->params.numBeams, "Beam search width")->check(CLI::Range(1, 64));
    cmd->add_option("--no-repeat-ngram-size", o->params.noRepeatNgramSize, "Ban repeated n-grams of this size (0: off)")
        ->check(CLI::Range(0, 1024));
    cmd->add_option("--eos-token-id", o->params.eosTokenIds, "End-of-sequence token id(s)");
    cmd->add_flag("--sample", o->sample, "Sample instead of greedy/beam search");
    cmd->add_option("--top-p", o->params.topP, "Nucleus sampling mass")->check(finiteWithin(0, 1, true));
    cmd->add_option("--top-k", o->params.topK, "Sample among the k most likely tokens (0: all)")
        ->check(CLI::Range(0, 1 << 24));
    cmd->add_option("--temperature", o->params.temperature, "Sampling temperature")->check(finiteWithin(0, 100, true));
    cmd->add_option("--seed", o->params.seed, "Sampling seed");
    cmd->add_flag("--constrained", o->constrained, "Only well-formed <object> spans (two patch indices, then close)");
    cmd->add_option("--device", o->device, "Where to run")->capture_default_str()->check(deviceName());
    cmd->add_option("--dtype", o->dtype, "Precision (int8: CPU, int8 decoder weights)")
        ->capture_default_str()
        ->check(dtypeName());
    cmd->add_option("--threads", o->threads, "CPU threads (0: one per core)")->check(CLI::Range(0, kMaxThreads));
    cmd->add_flag("--json", o->json, "One JSON object per image");
    cmd->callback([o, cmd] {
        for (const char* name : {"--top-p", "--top-k", "--temperature", "--seed"})
            if (cmd->count(name) > 0) o->samplingOptions.emplace_back(name);
        runGenerate(*o);
    });
}

} // namespace kosmos::cli
