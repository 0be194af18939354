# The fuzz target functions as one library, shared by the libFuzzer programs (fuzz/CMakeLists.txt) and the
# corpus replay test of the normal build (tests/reliability.cmake). Torch-free: model/engine/config.cpp is
# compiled in here (it needs only nlohmann_json), so no program may link this and kosmos_model together.
# name of the corpus folder -> function in fuzz/targets/fuzz_targets.h
set(KOSMOS_FUZZ_TARGETS
  safetensors:safetensorsFile safetensors_index:safetensorsIndex config:modelConfig tokenizer:tokenizerText
  prompt:promptText postprocess:generatedText grit_record:gritRecord grit_jsonl:gritJsonl
  img2dataset:img2datasetRecord tar:tarShard image:imageDecode)
if(TARGET kosmos_fuzz_targets)
  return()
endif()
file(GLOB KOSMOS_FUZZ_TARGET_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/targets/*.cpp)
add_library(kosmos_fuzz_targets STATIC ${KOSMOS_FUZZ_TARGET_SOURCES} ${PROJECT_SOURCE_DIR}/model/engine/config.cpp)
target_include_directories(kosmos_fuzz_targets PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(kosmos_fuzz_targets PUBLIC kosmos_core kosmos_text kosmos_model_io nlohmann_json::nlohmann_json)
target_compile_definitions(kosmos_fuzz_targets PRIVATE
  KOSMOS_FUZZ_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
