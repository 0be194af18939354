#pragma once
// CPU stand-in for CUDA's bfloat16 type (see cuda_runtime.h here): round to nearest even, as
// __float2bfloat16_rn.
#include <cstdint>
#include <cstring>

struct __nv_bfloat16 {
    std::uint16_t bits = 0;
    __nv_bfloat16() = default;
    __nv_bfloat16(float f) {
        std::uint32_t u;
        std::memcpy(&u, &f, 4);
        if ((u & 0x7fffffffu) > 0x7f800000u) {
            bits = 0x7fc0;   // NaN
            return;
        }
        u += 0x7fffu + ((u >> 16) & 1u);
        bits = static_cast<std::uint16_t>(u >> 16);
    }
    operator float() const {
        const std::uint32_t u = static_cast<std::uint32_t>(bits) << 16;
        float f;
        std::memcpy(&f, &u, 4);
        return f;
    }
};

inline __nv_bfloat16 __float2bfloat16_rn(float f) { return __nv_bfloat16(f); }
inline float __bfloat162float(__nv_bfloat16 h) { return static_cast<float>(h); }
