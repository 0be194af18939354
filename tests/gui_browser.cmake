# The dataset browser and the annotation store in the workbench (offscreen): paging and filters over
# generated stores, import and export jobs with progress, model annotations from runs of the tiny
# fixture model.
set(KOSMOS_BROWSER_TEST_SUPPORT ${CMAKE_CURRENT_LIST_DIR}/gui/gui_test_support.h ${CMAKE_CURRENT_LIST_DIR}/gui/store_test_support.h)
kosmos_add_test(test_dataset_browser LABEL gui
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/test_dataset_browser.cpp ${KOSMOS_BROWSER_TEST_SUPPORT}
  LIBS kosmos_ui)
kosmos_add_test(test_store_workbench LABEL gui
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/test_store_workbench.cpp ${KOSMOS_BROWSER_TEST_SUPPORT}
  LIBS kosmos_ui)
