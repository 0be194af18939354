# kosmos_add_fuzz_smoke_test(NAME PROGRAM): a short run of one fuzzer (label `fuzz`) from a copy of its
# committed corpus, with its dictionary when it has one. Used by the fuzzing build (fuzz/CMakeLists.txt) and by
# the normal test build, which builds the fuzzers with clang beside itself (tests/fuzz_smoke.cmake).
set(KOSMOS_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR})
set(KOSMOS_FUZZ_SMOKE_SECONDS 5 CACHE STRING "Seconds each fuzzer runs in its smoke test")

function(kosmos_add_fuzz_smoke_test name program)
  set(dict ${KOSMOS_FUZZ_DIR}/dicts/${name}.dict)
  set(dict_arg)
  if(EXISTS ${dict})
    set(dict_arg -dict=${dict})
  endif()
  add_test(NAME fuzz_${name}_smoke
    COMMAND ${CMAKE_COMMAND} -E env KOSMOS_SPM_OPEN=local
            ${KOSMOS_FUZZ_DIR}/run_one.sh ${program} ${KOSMOS_FUZZ_DIR}/corpus/${name}
            ${CMAKE_CURRENT_BINARY_DIR}/fuzz-smoke/${name} ${KOSMOS_FUZZ_SMOKE_SECONDS} ${dict_arg})
  set_tests_properties(fuzz_${name}_smoke PROPERTIES LABELS "fuzz" TIMEOUT 120)
endfunction()
