# Training: GRIT records and training sequences, augmentation, the sample stream and evaluation
# scoring (test_training_data); the loop on the tiny fixture model: loss, finite-difference gradients,
# checkpoints, resume, LoRA, full disk, init (test_training_loop); overfitting 16 drawn images until
# the model emits their boxes (test_training_overfit); empty and invalid data, out of memory, cancel at any
# moment and pause (test_training_faults).
foreach(training_test test_training_data test_training_loop test_training_overfit test_training_faults)
  kosmos_add_test(${training_test} LABEL unit TIMEOUT 300
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/${training_test}.cpp ${CMAKE_CURRENT_LIST_DIR}/unit/test_training_support.h
    LIBS kosmos_training)
endforeach()
