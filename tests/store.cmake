# Annotation store: schema, get/put, queries, GRIT codec, imports (JSONL, folders, shards), exports,
# concurrency and a writer killed mid-import.
foreach(store_test test_store test_store_concurrency test_grit_codec test_grit_import test_grit_roundtrip)
  kosmos_add_test(${store_test} LABEL unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/unit/${store_test}.cpp
    LIBS kosmos_core LibArchive::LibArchive Threads::Threads)
  target_compile_definitions(${store_test} PRIVATE KOSMOS_DATASETS_DIR="${PROJECT_SOURCE_DIR}/datasets")
endforeach()
