#include "model/engine/device_memory.h"

#ifdef KOSMOS_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace kosmos {

#ifdef KOSMOS_WITH_CUDA
double cudaPeakAllocatedBytes() {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
    return static_cast<double>(stats.allocated_bytes[0].peak);   // index 0: all pools
}
void cudaResetPeak() { c10::cuda::CUDACachingAllocator::resetPeakStats(0); }
void cudaSynchronize() { c10::cuda::device_synchronize(); }
#else
double cudaPeakAllocatedBytes() { return 0; }
void cudaResetPeak() {}
void cudaSynchronize() {}
#endif

} // namespace kosmos
