#pragma once
// What the engine runs on: LibTorch version, devices, BLAS, threads. No torch types in this header.
#include <cstdint>
#include <string>
#include <vector>

namespace kosmos {

struct RuntimeInfo {
    std::string torchVersion;
    std::vector<std::string> devices;   // "cpu", "cuda:0 (NVIDIA H100 80GB HBM3)", ...
    std::string blas;                   // the BLAS library LibTorch's matrix products resolve to
    int intraOpThreads = 1;
    int interOpThreads = 1;
    int blasThreads = 0;                // OpenBLAS's own thread count (0: LibTorch's BLAS is not OpenBLAS)
    std::string ompWaitPolicy;          // OMP_WAIT_POLICY as set for this process
};

RuntimeInfo runtimeInfo();

// Sets LibTorch's intra-op thread count and OpenBLAS's where LibTorch uses one with its own threads; 0: one
// per core this process may run on (physicalCores()), unless OMP_NUM_THREADS or MKL_NUM_THREADS is set.
void configureThreads(int threads = 0);

// The cores this process may run on, a core's hardware threads counted once (sysfs topology; each CPU where
// there is none); 0 where even the affinity cannot be read.
int physicalCores();

// This machine's memory in bytes (0 when unknown).
std::uint64_t physicalMemoryBytes();

// OpenBLAS's thread count, or 0 where LibTorch's BLAS is not OpenBLAS.
int blasThreads();

// Sets OpenBLAS's thread count; false (nothing set) where LibTorch's BLAS is not OpenBLAS or threads <= 0.
bool setBlasThreads(int threads);

// LibTorch's OpenMP workers spin while OpenBLAS runs its own threads, which makes 2 threads slower than 1
// on small machines. OpenMP reads OMP_WAIT_POLICY only at start-up, so when the user has not set it this
// sets PASSIVE and re-executes the program (once). Call first thing in main().
void ensurePassiveOpenMP(char** argv);

bool cudaAvailable();

} // namespace kosmos
