# Editing stored samples in the workbench (offscreen): every edit command's undo and redo, drags and
# nudges as one undo step, caption edits moving spans, saving to the store and reading it back,
# conflicts with other writers, model assistance, and a writer killed with SIGKILL mid-edit.
kosmos_add_test(test_annotation_editing LABEL gui
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/test_annotation_editing.cpp ${CMAKE_CURRENT_LIST_DIR}/gui/annotation_test_support.h
          ${CMAKE_CURRENT_LIST_DIR}/gui/gui_test_support.h
  LIBS kosmos_ui)
kosmos_add_test(test_annotation_saving LABEL gui
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/gui/test_annotation_saving.cpp ${CMAKE_CURRENT_LIST_DIR}/gui/annotation_test_support.h
          ${CMAKE_CURRENT_LIST_DIR}/gui/gui_test_support.h
  LIBS kosmos_ui)
