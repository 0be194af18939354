// libFuzzer entry point of one target; KOSMOS_FUZZ_TARGET names the function (fuzz/CMakeLists.txt).
#include "fuzz/targets/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return kosmos::fuzz::KOSMOS_FUZZ_TARGET(data, size);
}
