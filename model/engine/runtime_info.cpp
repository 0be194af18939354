#include "model/engine/runtime_info.h"

#include <ATen/Parallel.h>
#include <ATen/Context.h>
#include <dlfcn.h>
#include <link.h>

#include <sched.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <utility>
#include <unistd.h>

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

namespace kosmos {
namespace {

int collectBlas(struct dl_phdr_info* info, size_t, void* data) {
    auto* out = static_cast<std::string*>(data);
    const char* name = info->dlpi_name;
    if (!name || !*name) return 0;
    const char* base = std::strrchr(name, '/');
    base = base ? base + 1 : name;
    if (std::strstr(base, "openblas") || std::strstr(base, "libblas") || std::strstr(base, "mkl") ||
        std::strstr(base, "blis") || std::strstr(base, "atlas")) {
        if (!out->empty()) *out += ", ";
        char resolved[4096];
        *out += realpath(name, resolved) ? resolved : name;
    }
    return 0;
}

} // namespace

bool cudaAvailable() { return at::hasCUDA() && at::globalContext().hasCUDA(); }

RuntimeInfo runtimeInfo() {
    RuntimeInfo info;
#ifdef TORCH_VERSION
    info.torchVersion = TORCH_VERSION;
#else
    info.torchVersion = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                        std::to_string(TORCH_VERSION_PATCH);
#endif
    info.devices.push_back("cpu");
    if (cudaAvailable()) info.devices.push_back("cuda");
    dl_iterate_phdr(collectBlas, &info.blas);
    if (info.blas.empty()) info.blas = "none found (MKL or a static BLAS inside LibTorch)";
    info.intraOpThreads = at::get_num_threads();
    info.interOpThreads = at::get_num_interop_threads();
    info.blasThreads = blasThreads();
    const char* policy = std::getenv("OMP_WAIT_POLICY");
    info.ompWaitPolicy = policy ? policy : "";
    return info;
}

namespace {

int countPhysicalCores() {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 0;
    std::set<std::pair<int, int>> cores;   // (package, core)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &allowed)) continue;
        const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
        std::ifstream packageFile(topology + "physical_package_id"), coreFile(topology + "core_id");
        int package = 0, core = 0;
        if (!(packageFile >> package) || !(coreFile >> core)) return CPU_COUNT(&allowed);   // no topology: each CPU
        cores.insert({package, core});
    }
    return static_cast<int>(cores.size());
}

} // namespace

std::uint64_t physicalMemoryBytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), size = ::sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(size) : 0;
}

int physicalCores() {
    static const int cores = countPhysicalCores();   // each program asks at start and again per command
    return cores;
}

void configureThreads(int threads) {
    if (threads <= 0) {
        // LibTorch's default comes from its own CPU probe, which counts one core on some virtual machines whose
        // cores sysfs lists; a count set by OMP_NUM_THREADS or MKL_NUM_THREADS is left to it.
        if (std::getenv("OMP_NUM_THREADS") || std::getenv("MKL_NUM_THREADS")) return;
        threads = physicalCores();
        if (threads <= 0) return;
    }
    at::set_num_threads(threads);
    // LibTorch sets OpenMP's and MKL's count; an OpenBLAS with its own threads (Debian's openblas-pthread)
    // keeps all the cores unless told.
    setBlasThreads(threads);
}

// OpenBLAS is found by symbol: LibTorch loads it behind libblas.so.3.
bool setBlasThreads(int threads) {
    using SetThreads = void (*)(int);
    auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (!set || threads <= 0) return false;
    set(threads);
    return true;
}

int blasThreads() {
    using GetThreads = int (*)();
    auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    return get ? get() : 0;
}

void ensurePassiveOpenMP(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") || std::getenv("KOSMOS_NO_REEXEC")) return;
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    setenv("KOSMOS_NO_REEXEC", "1", 1);
    execv("/proc/self/exe", argv);
    // execv failed (no /proc): carry on with the inherited policy.
}

} // namespace kosmos
