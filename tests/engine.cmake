kosmos_add_test(test_engine_parity LABEL parity SOURCES parity/test_engine_parity.cpp LIBS kosmos_model kosmos_media)
kosmos_add_test(test_engine_api LABEL parity SOURCES parity/test_engine_api.cpp LIBS kosmos_model kosmos_media)
kosmos_add_test(test_model_loader LABEL unit SOURCES unit/test_model_loader.cpp LIBS kosmos_model)
