#include "training/model_folder.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "model/engine/checkpoint.h"
#include "model/error.h"
#include "model/text_file.h"
#include "model/tokens.h"

namespace kosmos::training {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

std::string previousOf(const std::string& target) { return target + ".previous"; }

void syncPath(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

void copyIfPresent(const std::string& from, const std::string& to) {
    std::error_code ec;
    if (!fs::is_regular_file(from, ec)) return;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(to + ": cannot copy from " + from + " (" + ec.message() + ")");
}

} // namespace

StagingFolder::StagingFolder(std::string target) : mTarget(std::move(target)) {
    while (mTarget.size() > 1 && mTarget.back() == '/') mTarget.pop_back();
    fs::path t(mTarget);
    std::error_code ec;
    const fs::path parent = t.has_parent_path() ? t.parent_path() : fs::path(".");
    fs::create_directories(parent, ec);
    std::string pattern = (parent / ("." + t.filename().string() + ".tmp-XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        throw Error(mTarget + ": cannot create a temporary folder beside it (" + std::strerror(errno) + ")");
    mPath = pattern;
    ::chmod(mPath.c_str(), 0755);   // mkdtemp makes it private; a model folder is for everyone to read
}

StagingFolder::~StagingFolder() {
    if (mCommitted) return;
    std::error_code ec;
    fs::remove_all(mPath, ec);
}

void StagingFolder::moveOthersIn() {
    std::error_code ec;
    std::vector<std::string> moved;
    for (fs::directory_iterator it(mTarget, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code existsError;
        if (std::find(mOwned.begin(), mOwned.end(), name) != mOwned.end() || fs::exists(mPath + "/" + name, existsError))
            continue;
        std::error_code renamed;
        fs::rename(it->path(), mPath + "/" + name, renamed);
        if (renamed) {
            for (const std::string& back : moved) fs::rename(mPath + "/" + back, mTarget + "/" + back, ec);
            throw Error(mTarget + "/" + name + ": cannot keep it in the new checkpoint (" + renamed.message() + ")");
        }
        moved.push_back(name);
    }
    if (ec) throw Error(mTarget + ": cannot list (" + ec.message() + ")");
}

void StagingFolder::commit() {
    std::error_code ec;
    const std::string previous = previousOf(mTarget);
    const bool hadTarget = fs::exists(mTarget, ec);
    if (hadTarget && mKeepOthers) moveOthersIn();
    if (hadTarget) {
        // A leftover from an earlier interrupted commit goes first; TARGET itself is the valid one.
        fs::remove_all(previous, ec);
        fs::rename(mTarget, previous, ec);
        if (ec) throw Error(mTarget + ": cannot move the old checkpoint aside (" + ec.message() + ")");
    }
    fs::rename(mPath, mTarget, ec);
    if (ec) {
        std::error_code ignored;
        if (hadTarget) fs::rename(previous, mTarget, ignored);
        throw Error(mTarget + ": cannot move the new checkpoint into place (" + ec.message() + ")");
    }
    mCommitted = true;
    syncPath(fs::path(mTarget).has_parent_path() ? fs::path(mTarget).parent_path().string() : ".");
    fs::remove_all(previous, ec);
}

std::string existingCheckpoint(const std::string& target) {
    std::error_code ec;
    if (fs::is_directory(target, ec)) return target;
    if (fs::is_directory(previousOf(target), ec)) return previousOf(target);
    return target;
}

bool lmHeadTied(Kosmos2ForConditionalGeneration& model) {
    const at::Tensor& head = model->text_model->lm_head->weight;
    const at::Tensor& embed = model->text_model->model->embed_tokens->weight;
    return head.defined() && embed.defined() && head.data_ptr() == embed.data_ptr();
}

std::map<std::string, at::Tensor> exportedWeights(Kosmos2ForConditionalGeneration& model) {
    std::map<std::string, LoraModule> lora;
    for (auto& m : loraModules(model)) lora.emplace(m.name + ".weight", m);
    const bool tied = lmHeadTied(model);
    std::map<std::string, at::Tensor> out;
    for (const auto& item : model->named_parameters(/*recurse=*/true)) {
        const std::string& name = item.key();
        const auto endsWith = [&](const char* s) {
            const std::size_t n = std::strlen(s);
            return name.size() >= n && name.compare(name.size() - n, n, s) == 0;
        };
        if (endsWith(".lora_A") || endsWith(".lora_B")) continue;
        if (tied && name == "text_model.lm_head.weight") continue;
        auto adapted = lora.find(name);
        out[name] = adapted != lora.end() ? mergedWeight(adapted->second) : item.value().detach();
    }
    return out;
}

void writeTextFile(const std::string& path, const std::string& text) {
    const std::string temp = path + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.flush();
        if (!out) {
            std::error_code ec;
            fs::remove(temp, ec);
            throw Error(path + ": cannot write (disk full or not writable)");
        }
    }
    syncPath(temp);
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) {
        fs::remove(temp, ec);
        throw Error(path + ": cannot write (" + ec.message() + ")");
    }
}

std::string readTextFile(const std::string& path, std::size_t maxBytes) { return readBoundedTextFile(path, maxBytes); }

void writeConfigFiles(const std::string& dir, const KosmosConfig& config, const std::string& source) {
    writeTextFile(dir + "/config.json", configToJson(config) + "\n");
    std::error_code ec;
    if (!source.empty() && fs::is_regular_file(source + "/generation_config.json", ec)) {
        copyIfPresent(source + "/generation_config.json", dir + "/generation_config.json");
    } else {
        const GenerationDefaults& g = config.generation;
        ordered_json gen = {{"_from_model_config", true},
                            {"bos_token_id", config.text.bosTokenId},
                            {"eos_token_id", g.eosTokenIds.size() == 1 ? ordered_json(g.eosTokenIds[0]) : ordered_json(g.eosTokenIds)},
                            {"pad_token_id", g.padTokenId}};
        if (g.noRepeatNgramSize > 0) gen["no_repeat_ngram_size"] = g.noRepeatNgramSize;
        if (g.maxNewTokens > 0) gen["max_new_tokens"] = g.maxNewTokens;
        writeTextFile(dir + "/generation_config.json", gen.dump(2) + "\n");
    }
    if (!source.empty() && fs::is_regular_file(source + "/preprocessor_config.json", ec)) {
        copyIfPresent(source + "/preprocessor_config.json", dir + "/preprocessor_config.json");
    } else {
        const int s = config.vision.imageSize;
        ordered_json pre = {{"crop_size", {{"height", s}, {"width", s}}},
                            {"do_center_crop", true},
                            {"do_convert_rgb", true},
                            {"do_normalize", true},
                            {"do_rescale", true},
                            {"do_resize", true},
                            {"image_mean", {0.48145466, 0.4578275, 0.40821073}},
                            {"image_processor_type", "CLIPImageProcessor"},
                            {"image_std", {0.26862954, 0.26130258, 0.27577711}},
                            {"processor_class", "Kosmos2Processor"},
                            {"resample", 3},
                            {"rescale_factor", 0.00392156862745098},
                            {"size", {{"shortest_edge", s}}},
                            {"use_square_size", true}};
        writeTextFile(dir + "/preprocessor_config.json", pre.dump(2) + "\n");
    }
    if (!source.empty() && fs::is_regular_file(source + "/processor_config.json", ec)) {
        copyIfPresent(source + "/processor_config.json", dir + "/processor_config.json");
    } else {
        ordered_json proc = {{"num_patch_index_tokens", tokens::kNumPatchIndexTokens}, {"processor_class", "Kosmos2Processor"}};
        writeTextFile(dir + "/processor_config.json", proc.dump(2) + "\n");
    }
}

void copyTokenizerFiles(const std::string& dir, const std::string& source) {
    std::error_code ec;
    if (!fs::is_regular_file(source + "/sentencepiece.bpe.model", ec))
        throw Error(source + ": no sentencepiece.bpe.model to copy");
    for (const char* name : {"sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json",
                             "added_tokens.json", "tokenizer.json"})
        copyIfPresent(source + "/" + name, dir + "/" + name);
}

void writeTokenizerFiles(const std::string& dir, const std::string& spmPath, std::int64_t spmPieces) {
    std::error_code ec;
    fs::copy_file(spmPath, dir + "/sentencepiece.bpe.model", fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(dir + "/sentencepiece.bpe.model: cannot copy from " + spmPath + " (" + ec.message() + ")");
    const auto token = [](const std::string& content, bool lstrip, bool special) {
        return ordered_json{{"content", content}, {"lstrip", lstrip}, {"normalized", false},
                            {"rstrip", false},    {"single_word", false}, {"special", special}};
    };
    // fairseq ids: <s> <pad> </s> <unk>, the pieces, <mask> = pieces + 1, then the tags and patch indices.
    ordered_json decoder = ordered_json::object();
    decoder["0"] = token(tokens::kBos, false, true);
    decoder["1"] = token(tokens::kPad, false, true);
    decoder["2"] = token(tokens::kEos, false, true);
    decoder["3"] = token(tokens::kUnk, false, true);
    const std::int64_t mask = spmPieces + 1;
    decoder[std::to_string(mask)] = token(tokens::kMask, true, true);
    ordered_json added = ordered_json::object();
    std::int64_t id = mask + 1;
    for (const char* tag : tokens::kTagTokens) {
        decoder[std::to_string(id)] = token(tag, true, false);
        added[tag] = id++;
    }
    for (int i = 0; i < tokens::kNumPatchIndexTokens; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "<patch_index_%04d>", i);
        decoder[std::to_string(id)] = token(name, true, false);
        added[name] = id++;
    }
    ordered_json config = {{"added_tokens_decoder", decoder},
                           {"bos_token", tokens::kBos},
                           {"clean_up_tokenization_spaces", true},
                           {"cls_token", tokens::kBos},
                           {"eos_token", tokens::kEos},
                           {"mask_token", tokens::kMask},
                           {"pad_token", tokens::kPad},
                           {"processor_class", "Kosmos2Processor"},
                           {"sep_token", tokens::kEos},
                           {"sp_model_kwargs", ordered_json::object()},
                           {"tokenizer_class", "XLMRobertaTokenizer"},
                           {"unk_token", tokens::kUnk}};
    writeTextFile(dir + "/tokenizer_config.json", config.dump(2) + "\n");
    ordered_json special = {{"bos_token", tokens::kBos},
                            {"cls_token", tokens::kBos},
                            {"eos_token", tokens::kEos},
                            {"mask_token", {{"content", tokens::kMask}, {"lstrip", true}, {"normalized", false},
                                            {"rstrip", false}, {"single_word", false}}},
                            {"pad_token", tokens::kPad},
                            {"sep_token", tokens::kEos},
                            {"unk_token", tokens::kUnk}};
    writeTextFile(dir + "/special_tokens_map.json", special.dump(2) + "\n");
    writeTextFile(dir + "/added_tokens.json", added.dump(2) + "\n");
}

void writeWeights(const std::string& dir, Kosmos2ForConditionalGeneration& model) {
    saveTensors(dir + "/model.safetensors", exportedWeights(model));
}

void writeAdapter(const std::string& dir, const std::vector<LoraModule>& modules, const LoraOptions& options,
                  const std::string& baseModel) {
    const std::string adapter = dir + "/" + kAdapterSubfolder;
    std::error_code ec;
    fs::create_directories(adapter, ec);
    if (ec) throw Error(adapter + ": cannot create (" + ec.message() + ")");
    saveTensors(adapter + "/adapter_model.safetensors", adapterTensors(modules));
    writeTextFile(adapter + "/adapter_config.json", adapterConfigJson(options, modules, baseModel) + "\n");
}

} // namespace kosmos::training
