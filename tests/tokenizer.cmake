# Tokenizer (sentencepiece behind libkosmos_spm.so): parity with transformers, in a process with LibTorch loaded.
kosmos_add_test(test_tokenizer LABEL parity
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/parity/test_tokenizer.cpp
  LIBS kosmos_text kosmos::torch nlohmann_json::nlohmann_json)
