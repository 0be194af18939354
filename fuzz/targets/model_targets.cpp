// Fuzz targets of model folders: safetensors files (header and data bounds), the shard index, config.json.
#include "fuzz/targets/fuzz_targets.h"

#include <cstring>
#include <filesystem>
#include <optional>

#include "model/engine/config.h"
#include "model/error.h"
#include "model/safetensors.h"

namespace kosmos::fuzz {

namespace {

// Every tensor of a file that opened must lie inside its mapping: touch its first and last byte.
std::uint64_t touchAll(const SafetensorsFile& file) {
    std::uint64_t sum = 0;
    for (const TensorInfo& t : file.tensors()) {
        const std::uint8_t* p = file.data(t);
        require(p != nullptr, "an accepted tensor has no data");
        require(file.find(t.name) == &t, "find() does not return the listed tensor");
        std::uint64_t numel = 1;
        for (std::int64_t d : t.shape) numel *= static_cast<std::uint64_t>(d);
        require(numel * dtypeSize(t.dtype) == t.nbytes(), "an accepted tensor's size does not match its shape");
        if (t.nbytes() > 0) sum += p[0] + p[t.nbytes() - 1];
    }
    return sum;
}

} // namespace

int safetensorsFile(const std::uint8_t* data, std::size_t size) {
    const std::string path = writeScratch("model.safetensors", data, size);
    std::optional<SafetensorsFile> file;
    try {
        file = SafetensorsFile::open(path);
        SafetensorsCheckpoint::open(path);
    } catch (const Error&) {
        return 0;
    }
    touchAll(*file);
    // What was accepted writes back and reads again the same (an Error here escapes: a finding).
    std::vector<TensorView> views;
    for (const TensorInfo& t : file->tensors()) views.push_back({t.name, t.dtype, t.shape, file->data(t)});
    const std::string copyPath = scratchDir() + "/copy.safetensors";
    writeSafetensors(copyPath, views, file->metadata());
    const SafetensorsFile copy = SafetensorsFile::open(copyPath);
    require(copy.tensors().size() == file->tensors().size(), "written copy has another tensor count");
    require(copy.metadata() == file->metadata(), "written copy has other metadata");
    for (const TensorInfo& t : file->tensors()) {
        const TensorInfo* c = copy.find(t.name);
        require(c && c->dtype == t.dtype && c->shape == t.shape, "written copy lost a tensor");
        require(t.nbytes() == 0 || std::memcmp(copy.data(*c), file->data(t), t.nbytes()) == 0,
                "written copy changed a tensor's bytes");
    }
    return 0;
}

int safetensorsIndex(const std::uint8_t* data, std::size_t size) {
    // Two small valid shards beside the fuzzed index; the index decides which tensor lies where.
    static const std::string dir = [] {
        const std::string d = scratchDir() + "/sharded";
        std::filesystem::create_directories(d);
        const float x[2] = {1, 2};
        const std::int64_t y[1] = {7};
        writeSafetensors(d + "/model-00001-of-00002.safetensors", {{"x", DType::F32, {2}, x}});
        writeSafetensors(d + "/model-00002-of-00002.safetensors", {{"y", DType::I64, {1}, y}});
        return d;
    }();
    writeScratch("sharded/model.safetensors.index.json", data, size);
    try {
        const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open(dir);
        for (const std::string& name : checkpoint.names()) {
            const auto [file, info] = checkpoint.find(name);
            require(file && info && file->data(*info), "a listed tensor cannot be found");
        }
        for (const SafetensorsFile& file : checkpoint.files()) touchAll(file);
    } catch (const Error&) {
    }
    return 0;
}

int modelConfig(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        GenerationDefaults defaults;
        applyGenerationConfig(defaults, text, "generation_config.json");
        require(defaults.numBeams >= 1 && defaults.maxLength >= 1 && defaults.temperature > 0,
                "generation_config.json: an accepted value is out of range");
    } catch (const Error&) {
    }
    KosmosConfig config;
    try {
        config = parseConfig(text, "config.json");
    } catch (const Error&) {
        return 0;
    }
    // What was accepted writes back to a config.json that reads the same (an Error here escapes: a finding).
    const KosmosConfig again = parseConfig(configToJson(config), "written config.json");
    require(again.vision.hiddenSize == config.vision.hiddenSize &&
                again.vision.numHiddenLayers == config.vision.numHiddenLayers &&
                again.vision.imageSize == config.vision.imageSize && again.vision.patchSize == config.vision.patchSize &&
                again.vision.layerNormEps == config.vision.layerNormEps &&
                again.text.vocabSize == config.text.vocabSize && again.text.embedDim == config.text.embedDim &&
                again.text.layers == config.text.layers && again.text.ffnDim == config.text.ffnDim &&
                again.text.attentionHeads == config.text.attentionHeads &&
                again.text.padTokenId == config.text.padTokenId && again.text.eosTokenId == config.text.eosTokenId &&
                again.latentQueryNum == config.latentQueryNum && again.tieWordEmbeddings == config.tieWordEmbeddings,
            "config.json written from an accepted config reads differently");
    return 0;
}

} // namespace kosmos::fuzz
