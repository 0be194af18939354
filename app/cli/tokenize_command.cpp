// `kosmos2 tokenize --model DIR [--special] TEXT...`: transformers' tokenizer(text,
// add_special_tokens=<--special>).input_ids, one JSON line per text: {"text", "ids"}.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "model/tokenizer.h"

namespace kosmos::cli {
namespace {

struct TokenizeOptions {
    std::string model;
    bool special = false;
    std::vector<std::string> texts;
};

} // namespace

void addTokenizeCommand(CLI::App& app) {
    auto options = std::make_shared<TokenizeOptions>();
    CLI::App* cmd = app.add_subcommand("tokenize", "Token ids of texts, as the transformers tokenizer gives them");
    cmd->add_option("--model", options->model, "Model folder (with sentencepiece.bpe.model) or the .model file")
        ->required();
    cmd->add_flag("--special", options->special, "Add <s> ... </s> (add_special_tokens=True)");
    cmd->add_option("TEXT", options->texts, "Texts to tokenize; tag tokens such as <grounding> are matched verbatim")
        ->required();
    cmd->callback([options] {
        const Tokenizer tokenizer = Tokenizer::load(options->model);   // throws kosmos::Error naming the file
        for (const std::string& text : options->texts) {
            const nlohmann::ordered_json line = {{"text", text}, {"ids", tokenizer.encode(text, options->special)}};
            // Invalid UTF-8 in a text is written as U+FFFD rather than failing the dump.
            std::cout << line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
        }
        std::cout.flush();
    });
}

} // namespace kosmos::cli
