#pragma once
namespace kosmos {
// Peak bytes allocated on CUDA device 0 since the last reset (0 without CUDA).
double cudaPeakAllocatedBytes();
void cudaResetPeak();
void cudaSynchronize();
} // namespace kosmos
