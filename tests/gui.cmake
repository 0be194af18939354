# Workbench GUI suites (offscreen): the canvas, panels and document without a model, then the whole
# window driving the engine with the tiny fixture checkpoint.
kosmos_add_test(test_workbench_canvas LABEL gui
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/test_workbench_canvas.cpp ${CMAKE_CURRENT_LIST_DIR}/gui/gui_test_support.h
  LIBS kosmos_ui)
kosmos_add_test(test_workbench_results LABEL gui
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/test_workbench_results.cpp ${CMAKE_CURRENT_LIST_DIR}/gui/gui_test_support.h
  LIBS kosmos_ui)
kosmos_add_test(test_workbench_engine LABEL gui
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/test_workbench_engine.cpp ${CMAKE_CURRENT_LIST_DIR}/gui/gui_test_support.h
  LIBS kosmos_ui)
