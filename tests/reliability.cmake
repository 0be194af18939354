# Reliability: the fuzz corpora and regressions replayed through the fuzz targets (test_fuzz_replay), every
# input limit at and past its bound (test_input_limits), and faults injected into real processes: SIGKILL
# during import, annotation saving and checkpoint writing, full disks, two writers on one store, a model
# folder changed under a loaded engine (test_store_faults, test_model_faults). fuzz/README.md has the rest.
include(${PROJECT_SOURCE_DIR}/fuzz/targets.cmake)

kosmos_add_test(test_fuzz_replay LABEL unit TIMEOUT 900
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/reliability/test_fuzz_replay.cpp
  LIBS kosmos_fuzz_targets)
if(TARGET test_fuzz_replay)
  target_compile_definitions(test_fuzz_replay PRIVATE KOSMOS_FUZZ_DIR="${PROJECT_SOURCE_DIR}/fuzz")
endif()

# config.cpp is torch-free; compiled in here so that the limits test needs no LibTorch.
kosmos_add_test(test_input_limits LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/reliability/test_input_limits.cpp ${PROJECT_SOURCE_DIR}/model/engine/config.cpp
  LIBS kosmos_core LibArchive::LibArchive)

kosmos_add_test(test_store_faults LABEL reliability TIMEOUT 900
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/reliability/test_store_faults.cpp
  LIBS kosmos_core LibArchive::LibArchive)

kosmos_add_test(test_model_faults LABEL reliability TIMEOUT 1800
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/reliability/test_model_faults.cpp
  LIBS kosmos_training)

foreach(reliability_test test_input_limits test_store_faults)
  if(TARGET ${reliability_test})
    target_compile_definitions(${reliability_test} PRIVATE KOSMOS_DATASETS_DIR="${PROJECT_SOURCE_DIR}/datasets")
  endif()
endforeach()

# One test per crash the fuzzers found; config.cpp compiled in as above.
kosmos_add_test(test_parser_regressions LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/reliability/test_parser_regressions.cpp ${PROJECT_SOURCE_DIR}/model/engine/config.cpp
  LIBS kosmos_core kosmos_media)
if(TARGET test_parser_regressions)
  target_compile_definitions(test_parser_regressions PRIVATE KOSMOS_FUZZ_DIR="${PROJECT_SOURCE_DIR}/fuzz")
endif()

# The command line's refusals: usage errors (status 2), an export onto its own store, synth over an
# existing dataset, out-of-range numbers (quick: a dozen program starts on the tiny fixture).
add_test(NAME cli_refusals
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/reliability/check_cli_refusals.sh ${CMAKE_BINARY_DIR}/bin
                 ${KOSMOS_TEST_DATA_DIR})
set_tests_properties(cli_refusals PROPERTIES LABELS unit TIMEOUT 300)
