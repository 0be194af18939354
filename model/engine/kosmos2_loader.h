#pragma once
// Builds a Kosmos2ForConditionalGeneration from a Hugging Face folder (config + strict weight loading).
#include <ATen/ATen.h>

#include <functional>
#include <string>

#include "model/engine/checkpoint.h"
#include "model/engine/kosmos2_model.h"

namespace kosmos {

at::ScalarType parseDtype(const std::string& name);     // "f32" | "f16" | "bf16" | "int8" (also float32, ...)
bool isInt8Dtype(const std::string& name);              // "int8": f32 activations, int8 decoder weights (CPU)
at::Device parseDevice(const std::string& name);        // "cpu" | "cuda" | "cuda:N" | "auto"

Kosmos2ForConditionalGeneration loadKosmos2(const std::string& modelDir, const CheckpointLoadOptions& options);

// On CUDA, turns TF32 off for f32 models (on for f16/bf16).
void configurePrecision(const at::Device& device, at::ScalarType dtype);

// Inference on CUDA: each decoder layer computes q, k and v as one matrix product (fewer, larger kernels per
// decode step; the same memory; KOSMOS_NO_FUSED_QKV=1 leaves them apart) and image embeddings replay a CUDA
// graph. Not for models that will train. Does nothing on the CPU.
void prepareForCudaInference(Kosmos2ForConditionalGeneration& model);

// Makes lm_head share model.embed_tokens' weight (transformers' tie_weights).
void tieLmHead(Kosmos2ForConditionalGeneration& model);

} // namespace kosmos
