# Synthetic shapes world: generator A (determinism, spec, pixels, variety), captions, generator B (Python)
# against the same checks, and the demo tokenizer trained with spm_train.
foreach(synth_test test_synth_caption test_synth_generator test_synth_second_generator)
  kosmos_add_test(${synth_test} LABEL unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/${synth_test}.cpp ${CMAKE_CURRENT_LIST_DIR}/unit/test_synth_checks.cpp
    LIBS kosmos_datasets nlohmann_json::nlohmann_json)
  target_compile_definitions(${synth_test} PRIVATE KOSMOS_DATASETS_DIR="${PROJECT_SOURCE_DIR}/datasets")
endforeach()
kosmos_add_test(test_synth_tokenizer LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_synth_tokenizer.cpp
  LIBS kosmos_datasets kosmos_text)
