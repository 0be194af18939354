#pragma once
// Writing Hugging Face model folders: config.json (configToJson), generation_config.json,
// preprocessor_config.json, tokenizer files, model.safetensors (LoRA merged, tied lm_head left out),
// and for LoRA also the adapter alone in adapter/ (adapter_model.safetensors + adapter_config.json, PEFT's
// layout; a sub-folder, because transformers loads a folder with adapter files at its top as base model +
// adapter instead of the merged weights beside them). A folder is built in a temporary sibling and renamed
// into place, so the previous one stays whole until the new one is complete.
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "model/engine/config.h"
#include "model/engine/kosmos2_model.h"
#include "training/lora.h"

namespace kosmos::training {

// A temporary folder next to `target` that becomes `target` on commit(); removed when not committed.
class StagingFolder {
public:
    explicit StagingFolder(std::string target);
    ~StagingFolder();
    StagingFolder(const StagingFolder&) = delete;
    StagingFolder& operator=(const StagingFolder&) = delete;

    const std::string& path() const { return mPath; }
    // At commit, what the old folder holds besides these names (and what the new one lacks) moves into the
    // new one: notes or files a user keeps beside a checkpoint are not deleted with the old checkpoint.
    void keepOthersThan(std::vector<std::string> ownedNames) { mOwned = std::move(ownedNames); mKeepOthers = true; }
    // Replaces `target` (an existing folder is moved to TARGET.previous first and removed after the
    // rename). Throws kosmos::Error; the old folder is then still in place (or at TARGET.previous).
    void commit();

private:
    void moveOthersIn();

    std::string mTarget;
    std::string mPath;
    bool mCommitted = false;
    bool mKeepOthers = false;
    std::vector<std::string> mOwned;
};

// TARGET, or TARGET.previous when a commit was interrupted between its two renames.
std::string existingCheckpoint(const std::string& target);

// What the exported model.safetensors holds: every parameter with LoRA folded in and no lora_* tensors;
// text_model.lm_head.weight only when it is not tied to the embeddings.
std::map<std::string, at::Tensor> exportedWeights(Kosmos2ForConditionalGeneration& model);

// True when lm_head shares embed_tokens' storage.
bool lmHeadTied(Kosmos2ForConditionalGeneration& model);

// config.json, generation_config.json, preprocessor_config.json (+ processor_config.json) into `dir`:
// copied from `sourceModelDir` when present there, else written from `config`.
void writeConfigFiles(const std::string& dir, const KosmosConfig& config, const std::string& sourceModelDir);
// Tokenizer files copied from a model folder (sentencepiece.bpe.model, tokenizer_config.json,
// special_tokens_map.json, added_tokens.json, tokenizer.json where present).
void copyTokenizerFiles(const std::string& dir, const std::string& sourceModelDir);
// Tokenizer files for a bare sentencepiece model, as transformers' Kosmos2 save_pretrained writes them.
void writeTokenizerFiles(const std::string& dir, const std::string& spmPath, std::int64_t spmPieces);

void writeWeights(const std::string& dir, Kosmos2ForConditionalGeneration& model);

// The LoRA adapter of a checkpoint folder: DIR/adapter/.
inline constexpr const char* kAdapterSubfolder = "adapter";
void writeAdapter(const std::string& dir, const std::vector<LoraModule>& modules, const LoraOptions& options,
                  const std::string& baseModel);

// Small text files, written atomically; read with a size bound.
void writeTextFile(const std::string& path, const std::string& text);
std::string readTextFile(const std::string& path, std::size_t maxBytes = 64u << 20);

} // namespace kosmos::training
