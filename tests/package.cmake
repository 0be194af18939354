# Packaging: where the workbench writes results, the manual pages against --help, and the Debian package.

kosmos_add_test(test_shipped_data_paths LABEL gui TIMEOUT 120
  SOURCES unit/test_shipped_data_paths.cpp LIBS kosmos_ui)

# Every command and option of `kosmos2 --help` / `kosmos2-workbench --help` is in packaging/man/*.1 and every
# command in the README's command table (quick: one --help per command).
add_test(NAME package_manpages
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/package/check_manpages.sh ${CMAKE_BINARY_DIR}/bin ${PROJECT_SOURCE_DIR})
set_tests_properties(package_manpages PROPERTIES LABELS unit TIMEOUT 600)

# The .deb built with cpack, unpacked into a scratch root and run from there (about 30 s on an idle 2-core
# machine: staging, dpkg-shlibdeps, xz, three program starts; skipped where cpack or dpkg-deb is missing).
# -DKOSMOS_TEST_PACKAGE=OFF leaves it out of plain ctest runs; `ctest -L package` runs it alone.
option(KOSMOS_TEST_PACKAGE "Run the Debian package test with the other tests (ctest -L package)" ON)
add_test(NAME package_deb
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/package/test_package.sh ${CMAKE_BINARY_DIR} ${KOSMOS_TEST_DATA_DIR}
                 ${CMAKE_CPACK_COMMAND})
# RUN_SERIAL: staging and xz compression keep every core busy.
set_tests_properties(package_deb PROPERTIES LABELS package TIMEOUT 1800 SKIP_RETURN_CODE 77 RUN_SERIAL ON)
if(NOT KOSMOS_TEST_PACKAGE)
  set_tests_properties(package_deb PROPERTIES DISABLED ON)
endif()
