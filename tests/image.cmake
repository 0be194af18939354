# Image preprocessing (PIL parity), image files and rendering.
kosmos_add_test(test_image_processor LABEL parity
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/parity/test_image_processor.cpp
  LIBS kosmos_image kosmos_media kosmos_model_io)
kosmos_add_test(test_image_io LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/test_image_io.cpp
  LIBS kosmos_media ${OpenCV_LIBS})
target_include_directories(test_image_io SYSTEM PRIVATE ${OpenCV_INCLUDE_DIRS})
