# The workbench's training panel on the tiny fixture model: a short run with progress, charts and the
# before/after evaluation, pause / resume, cancel, closing the window while training, form and data
# errors, and loading the trained checkpoint into the grounding view.
kosmos_add_test(test_training_panel LABEL gui TIMEOUT 900
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/test_training_panel.cpp ${CMAKE_CURRENT_LIST_DIR}/gui/gui_test_support.h
          ${CMAKE_CURRENT_LIST_DIR}/unit/test_training_support.h
  LIBS kosmos_ui)
