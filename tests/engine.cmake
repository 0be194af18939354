kosmos_add_test(test_engine_parity LABEL parity SOURCES parity/test_engine_parity.cpp LIBS kosmos_model kosmos_media)
kosmos_add_test(test_engine_api LABEL parity SOURCES parity/test_engine_api.cpp LIBS kosmos_model kosmos_media)
kosmos_add_test(test_model_loader LABEL unit SOURCES unit/test_model_loader.cpp LIBS kosmos_model)
# The row-product CUDA kernel's source on a CPU emulation of the CUDA runtime (tests/cuda_emulation).
kosmos_add_test(test_row_product_emulated LABEL unit SOURCES unit/test_row_product_emulated.cpp)
target_include_directories(test_row_product_emulated BEFORE PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/cuda_emulation
  ${PROJECT_SOURCE_DIR})
target_compile_options(test_row_product_emulated PRIVATE -Wno-unknown-pragmas -Wno-class-memaccess)
