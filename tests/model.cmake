# The bundled demo model on freshly generated pictures (label model): its boxes, its captions.
kosmos_add_test(test_demo_model LABEL model TIMEOUT 600
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/model/test_demo_model.cpp
  LIBS kosmos_training kosmos_datasets)
if(TARGET test_demo_model)
  target_compile_definitions(test_demo_model PRIVATE KOSMOS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
