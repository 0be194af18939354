#include "model/engine/kosmos2_loader.h"

#include <ATen/core/grad_mode.h>

#include <ATen/Context.h>

#include <cstdlib>

#include "model/engine/int8_weights.h"
#include "model/engine/runtime_info.h"
#include "model/error.h"

namespace kosmos {

at::ScalarType parseDtype(const std::string& name) {
    if (name == "f32" || name == "float32" || name == "fp32") return at::kFloat;
    if (name == "f16" || name == "float16" || name == "fp16") return at::kHalf;
    if (name == "bf16" || name == "bfloat16") return at::kBFloat16;
    if (isInt8Dtype(name)) return at::kFloat;   // f32 activations, int8 decoder weights
    throw Error("unknown dtype '" + name + "' (f32, f16, bf16, int8)");
}

bool isInt8Dtype(const std::string& name) { return name == "int8" || name == "i8"; }

at::Device parseDevice(const std::string& name) {
    if (name == "auto") return cudaAvailable() ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
    at::Device device = at::kCPU;
    try {
        device = at::Device(name);
    } catch (const std::exception&) {
        throw Error("unknown device '" + name + "' (cpu, cuda, cuda:N, auto)");
    }
    if (device.is_cuda() && !cudaAvailable()) throw Error("device '" + name + "' requested but CUDA is not available");
    if (!device.is_cpu() && !device.is_cuda()) throw Error("unsupported device '" + name + "'");
    return device;
}

void tieLmHead(Kosmos2ForConditionalGeneration& model) {
    at::NoGradGuard noGrad;
    model->text_model->lm_head->weight.set_data(model->text_model->model->embed_tokens->weight.data());
}

void configurePrecision(const at::Device& device, at::ScalarType dtype) {
    if (dtype == at::kHalf && device.is_cpu())
        throw Error("f16 needs a CUDA device (LibTorch's CPU kernels lack half-precision convolutions); use bf16 or f32");
    if (!device.is_cuda()) return;
    // f32 asks for f32 results: no TF32 shortcuts in convolutions and matrix products.
    const bool allowTf32 = dtype != at::kFloat;
    at::globalContext().setAllowTF32CuDNN(allowTf32);
    at::globalContext().setAllowTF32CuBLAS(allowTf32);
}

void prepareForCudaInference(Kosmos2ForConditionalGeneration& model) {
    if (!model->text_model->lm_head->weight.is_cuda()) return;
    if (!std::getenv("KOSMOS_NO_FUSED_QKV"))
        for (auto& layer : model->text_model->model->layerList) layer->self_attn->fuseProjections();
    model->keepCudaGraphs();
}

Kosmos2ForConditionalGeneration loadKosmos2(const std::string& modelDir, const CheckpointLoadOptions& options) {
    configurePrecision(options.device, options.dtype);
    const KosmosConfig config = loadConfig(modelDir);
    // Parameters start as uninitialised CPU storage that is never touched: loading replaces each one.
    Kosmos2ForConditionalGeneration model(config, at::TensorOptions().dtype(options.dtype));
    std::vector<std::string> missingTied;
    loadParameters(*model, modelDir, options, {"text_model.lm_head.weight"},
                   {"text_model.model.embed_positions.weights"}, &missingTied);
    if (!missingTied.empty()) {
        if (!config.tieWordEmbeddings)
            throw Error(modelDir + ": tensor 'text_model.lm_head.weight' is missing and tie_word_embeddings is false");
        tieLmHead(model);
    }
    model->eval();
    if (options.int8Weights) quantizeDecoderInt8(*model);
    return model;
}

} // namespace kosmos
