#pragma once
// CPU stand-in for CUDA's float16 types (see cuda_runtime.h here), on the compiler's _Float16 (IEEE binary16,
// conversions rounded to nearest even).
#include "cuda_runtime.h"

struct __half {
    _Float16 value = 0;
    __half() = default;
    __half(float f) : value(static_cast<_Float16>(f)) {}
    operator float() const { return static_cast<float>(value); }
};

struct __half2 {
    __half x, y;
};

inline __half __float2half_rn(float f) { return __half(f); }
inline float __half2float(__half h) { return static_cast<float>(h); }
inline float2 __half22float2(__half2 h) { return {static_cast<float>(h.x), static_cast<float>(h.y)}; }
