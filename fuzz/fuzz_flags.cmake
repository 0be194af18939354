# Compiler flags of a fuzzing build (KOSMOS_BUILD_FUZZERS=ON), applied to every target of the build so that
# the libraries under test carry libFuzzer's coverage instrumentation and the sanitizers:
#   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DKOSMOS_BUILD_FUZZERS=ON \
#     -DKOSMOS_BUILD_GUI=OFF -DKOSMOS_BUILD_TESTS=OFF
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "KOSMOS_BUILD_FUZZERS needs clang (libFuzzer): configure with CC=clang CXX=clang++")
endif()
if(KOSMOS_SANITIZE_ADDRESS OR KOSMOS_SANITIZE_UNDEFINED)
  message(FATAL_ERROR "KOSMOS_BUILD_FUZZERS brings its own sanitizers; leave KOSMOS_SANITIZE_* off")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer -g)
add_link_options(-fsanitize=address,undefined)
