#pragma once
// Strict loading and atomic saving of KOSMOS-2 weights in the Hugging Face safetensors layout.
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <functional>
#include <map>
#include <string>

#include "model/safetensors.h"

namespace kosmos {

// A CPU tensor over the file's bytes (zero-copy; keeps the mapping alive). Read-only memory.
at::Tensor mappedTensor(const SafetensorsFile& file, const TensorInfo& info);

struct CheckpointLoadOptions {
    at::ScalarType dtype = at::kFloat;
    at::Device device = at::kCPU;
    // Parameters may point straight into the read-only mapping when dtype and device match
    // (one copy of the weights in memory). Off for training, which writes parameters in place.
    bool zeroCopy = true;
    // Kosmos-2 models (loadKosmos2): the text decoder's weights quantised to int8 after loading (CPU, f32).
    bool int8Weights = false;
    std::function<void(double, const std::string&)> progress;
};

// Fills every parameter of `module` from `dirOrFile`: every parameter present with the right shape,
// every tensor in the file used. `tiedOptional` parameters may be absent (filled later by the caller);
// `ignoredKeys` may be present and are skipped. Throws kosmos::Error naming the tensor.
void loadParameters(torch::nn::Module& module, const std::string& dirOrFile, const CheckpointLoadOptions& options,
                    const std::vector<std::string>& tiedOptional, const std::vector<std::string>& ignoredKeys,
                    std::vector<std::string>* missingTied = nullptr);

// Writes `tensors` atomically as DIR/model.safetensors (contiguous CPU copies in the tensors' dtype).
void saveTensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors,
                 const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

DType toDType(at::ScalarType type);
at::ScalarType toScalarType(DType type);

} // namespace kosmos
