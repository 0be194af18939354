# safetensors reading, validation of hostile files, sharded checkpoints and atomic writing.
kosmos_add_test(test_safetensors LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_safetensors.cpp
  LIBS kosmos_model_io)
