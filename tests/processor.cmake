# Kosmos-2 processor: post-processing, boxes <-> patch indices, prompt building and batch padding
# against transformers' Kosmos2Processor outputs in the fixtures.
kosmos_add_test(test_grounding LABEL parity
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/parity/test_grounding.cpp
  LIBS kosmos_text nlohmann_json::nlohmann_json)
kosmos_add_test(test_processor LABEL parity
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/parity/test_processor.cpp
  LIBS kosmos_text nlohmann_json::nlohmann_json)
