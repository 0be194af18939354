#pragma once
// Shared access to the transformers fixtures for the engine parity suites.
#include <ATen/ATen.h>

#include <fstream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/media/image_io.h"
#include "model/engine/checkpoint.h"
#include "model/engine/engine_impl.h"
#include "model/safetensors.h"

namespace kosmos::test {

inline std::string fixtureDir() { return std::string(KOSMOS_TEST_DATA_DIR) + "/kosmos2-tiny"; }

inline const nlohmann::json& reference() {
    static const nlohmann::json json = [] {
        std::ifstream in(fixtureDir() + "/reference.json");
        return nlohmann::json::parse(in);
    }();
    return json;
}

inline const SafetensorsFile& referenceTensors() {
    static const SafetensorsFile file = SafetensorsFile::open(fixtureDir() + "/reference_tensors.safetensors");
    return file;
}

inline at::Tensor referenceTensor(const std::string& key) {
    const TensorInfo* info = referenceTensors().find(key);
    if (!info) throw std::runtime_error("reference tensor missing: " + key);
    return mappedTensor(referenceTensors(), *info).clone();
}

inline double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    at::Tensor x = a.to(at::kCPU, at::kDouble), y = b.to(at::kCPU, at::kDouble);
    // equal infinities count as equal
    at::Tensor bothInf = at::isinf(x) & at::isinf(y) & (x.sign() == y.sign());
    at::Tensor diff = (x - y).abs().masked_fill(bothInf, 0.0);
    return diff.max().item<double>();
}

inline at::Tensor idsRow(const nlohmann::json& values) {
    return at::tensor(values.get<std::vector<std::int64_t>>(), at::TensorOptions().dtype(at::kLong)).view({1, -1});
}

inline ImageU8 fixtureImage(const std::string& name) { return loadImageFile(fixtureDir() + "/images/" + name); }

} // namespace kosmos::test
