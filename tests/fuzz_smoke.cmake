# Fuzz smoke tests (label `fuzz`) in the normal build: the libFuzzer programs need clang, so they are built
# beside this build, as a project of their own configured with clang (build/<preset>/fuzzers), and each runs
# for a few seconds from its committed corpus. KOSMOS_FUZZ_SMOKE=AUTO skips them when clang or its libFuzzer
# runtime is missing (packaging/install-deps.sh installs both); ON makes that an error.
set(KOSMOS_FUZZ_SMOKE AUTO CACHE STRING "Build the fuzzers with clang and smoke-test them: AUTO, ON or OFF")
if(KOSMOS_FUZZ_SMOKE STREQUAL "OFF" OR KOSMOS_BUILD_FUZZERS)
  return()
endif()

find_program(KOSMOS_FUZZ_CLANG NAMES clang clang-14)
find_program(KOSMOS_FUZZ_CLANGXX NAMES clang++ clang++-14)
set(fuzz_smoke_usable FALSE)
if(KOSMOS_FUZZ_CLANG AND KOSMOS_FUZZ_CLANGXX)
  set(probe_dir ${CMAKE_BINARY_DIR}/CMakeFiles/fuzz-smoke-probe)
  file(WRITE ${probe_dir}/probe.cpp
    "#include <cstddef>\n#include <cstdint>\n"
    "extern \"C\" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n")
  execute_process(COMMAND ${KOSMOS_FUZZ_CLANGXX} -fsanitize=fuzzer,address,undefined probe.cpp -o probe
                  WORKING_DIRECTORY ${probe_dir} RESULT_VARIABLE probe_status OUTPUT_QUIET ERROR_QUIET)
  if(probe_status EQUAL 0)
    set(fuzz_smoke_usable TRUE)
  endif()
endif()
if(NOT fuzz_smoke_usable)
  if(KOSMOS_FUZZ_SMOKE STREQUAL "ON")
    message(FATAL_ERROR "KOSMOS_FUZZ_SMOKE=ON needs clang with libFuzzer (Debian: clang libclang-rt-14-dev)")
  endif()
  message(STATUS "Fuzz smoke tests: off (no clang with libFuzzer)")
  return()
endif()

include(ExternalProject)
set(fuzz_build_dir ${CMAKE_BINARY_DIR}/fuzzers)
set(fuzz_launcher)
if(KOSMOS_CCACHE)
  set(fuzz_launcher -DCMAKE_C_COMPILER_LAUNCHER=${KOSMOS_CCACHE} -DCMAKE_CXX_COMPILER_LAUNCHER=${KOSMOS_CCACHE})
endif()
ExternalProject_Add(kosmos_fuzzers
  SOURCE_DIR ${PROJECT_SOURCE_DIR}
  BINARY_DIR ${fuzz_build_dir}
  CMAKE_ARGS -DCMAKE_C_COMPILER=${KOSMOS_FUZZ_CLANG} -DCMAKE_CXX_COMPILER=${KOSMOS_FUZZ_CLANGXX}
             -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKOSMOS_BUILD_FUZZERS=ON -DKOSMOS_BUILD_GUI=OFF
             -DKOSMOS_BUILD_TESTS=OFF -DKOSMOS_USE_PCH=OFF ${fuzz_launcher}
  BUILD_COMMAND ${CMAKE_COMMAND} --build ${fuzz_build_dir} --target fuzzers
  BUILD_ALWAYS TRUE      # the sources are this project's: let the inner build decide what changed
  INSTALL_COMMAND ""
  STEP_TARGETS build)

include(${PROJECT_SOURCE_DIR}/fuzz/targets.cmake)
include(${PROJECT_SOURCE_DIR}/fuzz/smoke_test.cmake)
foreach(entry IN LISTS KOSMOS_FUZZ_TARGETS)
  string(REPLACE ":" ";" parts ${entry})
  list(GET parts 0 name)
  kosmos_add_fuzz_smoke_test(${name} ${fuzz_build_dir}/bin/fuzz_${name})
endforeach()
