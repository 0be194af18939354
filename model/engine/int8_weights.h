#pragma once
// Weight-only int8 for the text decoder on the CPU (engine dtype "int8"): each weight row is stored as int8
// with one f32 scale (symmetric, max |w| / 127); activations, layer norms, attention and the KV cache stay
// f32. A decode step reads a quarter of the bytes of f32 weights, and decoding is bound by those reads; its
// few rows of activations enter the product as int16 with one scale per row (exact integer sums).
#include <ATen/ATen.h>

#include <cstdint>

namespace kosmos {

class Kosmos2ForConditionalGenerationImpl;
class LinearImpl;

struct Int8Rows {
    at::Tensor values;   // int8 [out, in]
    at::Tensor scales;   // f32 [out]
};

// Per-row symmetric quantisation of a 2-D f32 weight (rows of zeros get scale 1).
Int8Rows quantizeRows(const at::Tensor& weight);

// x [..., in] (f32, CPU) times the int8 rows' transpose, plus bias [out] if defined: [..., out]. Up to 8 rows of
// x (rounded to int16, max |x| / 32767 a step) stream the int8 weights once (AVX2 when the CPU has it); more
// rows (a prefill) are multiplied in f32 with the weights widened a cache-sized block at a time
// (cpu_prefill_product.h), or, for matrices under a million weights or without AVX2, dequantised for BLAS.
at::Tensor int8Linear(const at::Tensor& x, const Int8Rows& weight, const at::Tensor& bias = {});

// Running totals of the products that streamed int8 weights for a few rows (decode steps), over the whole
// process and all threads: what the bench uses to split a decode step into its weight reads and the rest.
struct Int8StreamTotals {
    std::int64_t bytes = 0;         // int8 weight bytes read
    std::int64_t nanoseconds = 0;   // wall time inside the products
};
Int8StreamTotals int8StreamTotals();

// Quantises one projection's weight (once), freeing its f32 weight; refused while it holds a LoRA adapter.
void quantizeLinearInt8(LinearImpl& linear);

// Quantises the text decoder's projections (attention q/k/v/out, fc1, fc2) and the lm_head, freeing their f32
// weights (the lm_head's f32 rows stay: they are the tied token embeddings); each layer's q, k and v become one
// matrix (KosmosTextAttentionImpl::quantizeInt8). CPU f32 models only: others are refused with an error.
void quantizeDecoderInt8(Kosmos2ForConditionalGenerationImpl& model);

// The model's parameters, the tied lm_head once, weights held as int8 counted like the f32 ones they replace.
std::int64_t parameterCount(Kosmos2ForConditionalGenerationImpl& model);

// Bytes of weights one decode step reads: the decoder layers and the lm_head, int8 where quantised.
double decodeWeightBytes(Kosmos2ForConditionalGenerationImpl& model);

} // namespace kosmos
