# Third-party dependencies, each found once, here.
find_package(Threads REQUIRED)

# LibTorch: Debian's libtorch-dev (CPU) or the one inside a pip torch install
# (-DCMAKE_PREFIX_PATH=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')).
find_package(Torch REQUIRED)
if(NOT TARGET kosmos::torch)
  add_library(kosmos_torch INTERFACE)
  add_library(kosmos::torch ALIAS kosmos_torch)
  target_link_libraries(kosmos_torch INTERFACE ${TORCH_LIBRARIES})
  target_include_directories(kosmos_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  # TORCH_CXX_FLAGS carries the C++ ABI define the library was built with.
  separate_arguments(_kosmos_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(kosmos_torch INTERFACE ${_kosmos_torch_flags})
endif()
message(STATUS "LibTorch ${Torch_VERSION} at ${TORCH_INSTALL_PREFIX}")
# CUDA LibTorch (pip torch): device memory statistics and synchronisation in the engine.
if(TORCH_CUDA_LIBRARIES OR TARGET torch_cuda)
  set(KOSMOS_WITH_CUDA ON)
  target_compile_definitions(kosmos_torch INTERFACE KOSMOS_WITH_CUDA)
  message(STATUS "LibTorch has CUDA")
endif()


# Header-only libraries; KOSMOS_EXTRA_INCLUDE_DIR may provide them where no package is installed.
find_package(nlohmann_json 3.10 QUIET)
if(NOT nlohmann_json_FOUND)
  find_path(KOSMOS_NLOHMANN_DIR nlohmann/json.hpp HINTS ${KOSMOS_EXTRA_INCLUDE_DIR} REQUIRED)
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  set_target_properties(nlohmann_json::nlohmann_json PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${KOSMOS_NLOHMANN_DIR})
endif()
find_package(CLI11 QUIET)
if(NOT CLI11_FOUND)
  find_path(KOSMOS_CLI11_DIR CLI/CLI.hpp HINTS ${KOSMOS_EXTRA_INCLUDE_DIR} REQUIRED)
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  set_target_properties(CLI11::CLI11 PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${KOSMOS_CLI11_DIR})
endif()

# sentencepiece is linked only into the small libkosmos_spm.so that model/ opens with dlopen
# (its bundled protobuf clashes with LibTorch's; see model/spm_loader.cpp).
find_path(SENTENCEPIECE_INCLUDE_DIR sentencepiece_processor.h)
find_library(SENTENCEPIECE_LIBRARY sentencepiece)
if(SENTENCEPIECE_INCLUDE_DIR AND SENTENCEPIECE_LIBRARY)
  set(KOSMOS_HAVE_SENTENCEPIECE ON)
elseif(NOT KOSMOS_ENGINE_ONLY)
  message(FATAL_ERROR "sentencepiece not found: install libsentencepiece-dev (packaging/install-deps.sh)")
endif()

if(KOSMOS_ENGINE_ONLY)
  return()
endif()
find_package(SQLite3 REQUIRED)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(LibArchive REQUIRED)

set(KOSMOS_QT_COMPONENTS Core)
if(KOSMOS_BUILD_TESTS)
  list(APPEND KOSMOS_QT_COMPONENTS Test)
endif()
if(KOSMOS_BUILD_GUI)
  list(APPEND KOSMOS_QT_COMPONENTS Gui Widgets Charts Concurrent)
endif()
if(KOSMOS_BUILD_GUI OR KOSMOS_BUILD_TESTS)
  find_package(Qt6 REQUIRED COMPONENTS ${KOSMOS_QT_COMPONENTS})
endif()
