// kosmos2 init: a randomly initialised KOSMOS-2 of any size, as a Hugging Face model folder.
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "training/init_weights.h"

namespace kosmos::cli {
namespace {

struct InitCommandOptions {
    training::NewModelRequest request;
    bool stockLatentQueries = false;
    bool json = false;
};

void runInit(InitCommandOptions o) {
    o.request.init.balancedLatentQueries = !o.stockLatentQueries;
    const std::int64_t parameters = training::createModelFolder(o.request);
    if (o.json) {
        std::cout << jsonText(nlohmann::json{
                         {"out", o.request.outDir}, {"parameters", parameters}, {"seed", o.request.init.seed}})
                  << "\n";
    } else {
        std::cout << o.request.outDir << ": new model with " << parameters << " parameters (seed " << o.request.init.seed
                  << ")\n";
    }
}

} // namespace

void addInitCommand(CLI::App& app) {
    auto o = std::make_shared<InitCommandOptions>();
    CLI::App* cmd = app.add_subcommand("init", "Create a randomly initialised model of any size (config + tokenizer)");
    cmd->add_option("--config", o->request.configPath, "config.json with vision_config / text_config sizes")->required();
    cmd->add_option("--tokenizer", o->request.tokenizerPath, "sentencepiece model (sentencepiece.bpe.model)")->required();
    cmd->add_option("--out", o->request.outDir, "New model folder")->required();
    cmd->add_option("--seed", o->request.init.seed, "Random seed")->capture_default_str();
    cmd->add_flag("--overwrite", o->request.overwrite, "Replace an existing model folder");
    cmd->add_flag("--stock-connector-init", o->stockLatentQueries,
                  "Initialise the image connector as transformers does (the 64 image embeddings then start alike and "
                  "~1% image; see training/init_weights.h)");
    cmd->add_flag("--json", o->json, "Print a JSON summary");
    cmd->callback([o] { runInit(*o); });
}

} // namespace kosmos::cli
