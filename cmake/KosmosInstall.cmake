# What `cmake --install` puts where, and the Debian package (`cpack -G DEB` in the build folder).
# The programs (app/) and the private libkosmos_spm.so (model/, into lib/kosmos2, where model/spm_loader.cpp
# looks relative to the program) install themselves; this file adds the data, the desktop integration and CPack.
#
#   bin/kosmos2, bin/kosmos2-workbench
#   lib/kosmos2/libkosmos_spm.so
#   share/kosmos2/demo-model/            (resources/demo-model)
#   share/kosmos2/samples/               (datasets/samples: images, annotations.jsonl, grit-mini)
#   share/applications/kosmos2-workbench.desktop
#   share/icons/hicolor/{16x16..256x256,scalable}/apps/kosmos2-workbench.{png,svg}
#   share/metainfo/org.kosmos2.workbench.metainfo.xml
#   share/man/man1/kosmos2.1.gz, kosmos2-workbench.1.gz
#   share/doc/kosmos2-workbench/changelog.Debian.gz (packaging/changelog), copyright (packaging/copyright, once written)
if(KOSMOS_ENGINE_ONLY)
  return()
endif()

set(KOSMOS_DATADIR ${CMAKE_INSTALL_DATADIR}/kosmos2)
set(KOSMOS_APPSTREAM_ID org.kosmos2.workbench)

# ------------------------------------------------------------------------------------------- data
# OPTIONAL: the demo model is trained separately and may not be in the tree yet; the package holds it once it is.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/demo-model/ DESTINATION ${KOSMOS_DATADIR}/demo-model OPTIONAL)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/datasets/samples/ DESTINATION ${KOSMOS_DATADIR}/samples
        PATTERN "*.sh" EXCLUDE)

# ------------------------------------------------------------------------------------------- manual pages
find_program(KOSMOS_GZIP gzip)
set(KOSMOS_MAN_PAGES kosmos2.1)
if(KOSMOS_BUILD_GUI)
  list(APPEND KOSMOS_MAN_PAGES kosmos2-workbench.1)
endif()
foreach(page IN LISTS KOSMOS_MAN_PAGES)
  set(source ${PROJECT_SOURCE_DIR}/packaging/man/${page})
  if(KOSMOS_GZIP)
    # -n: no name or time stamp inside, so the package is the same bytes from the same sources.
    set(compressed ${CMAKE_BINARY_DIR}/man/${page}.gz)
    add_custom_command(OUTPUT ${compressed}
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
                       COMMAND ${KOSMOS_GZIP} -9 -n -c ${source} > ${compressed}
                       DEPENDS ${source} VERBATIM)
    list(APPEND KOSMOS_MAN_OUTPUTS ${compressed})
    install(FILES ${compressed} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  else()
    install(FILES ${source} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  endif()
endforeach()
if(KOSMOS_MAN_OUTPUTS)
  add_custom_target(kosmos_man_pages ALL DEPENDS ${KOSMOS_MAN_OUTPUTS})
endif()

# ------------------------------------------------------------------------------------------- package documents
# Debian's place for them is share/doc/<package>; the Debian changelog is compressed like the manual pages.
set(KOSMOS_PACKAGE_DOCDIR ${CMAKE_INSTALL_DATADIR}/doc/kosmos2-workbench)
if(KOSMOS_GZIP)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
                     COMMAND ${KOSMOS_GZIP} -9 -n -c ${PROJECT_SOURCE_DIR}/packaging/changelog
                             > ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz
                     DEPENDS ${PROJECT_SOURCE_DIR}/packaging/changelog VERBATIM)
  add_custom_target(kosmos_package_changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz DESTINATION ${KOSMOS_PACKAGE_DOCDIR})
endif()
# The licence terms, once the project has chosen them.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright DESTINATION ${KOSMOS_PACKAGE_DOCDIR} OPTIONAL)

# ------------------------------------------------------------------------------------------- desktop integration
if(KOSMOS_BUILD_GUI)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/kosmos2-workbench.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/${KOSMOS_APPSTREAM_ID}.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/kosmos2-workbench.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)

  # The PNG sizes are rendered from the SVG at build time with Qt's SVG image plugin (libqt6svg6).
  add_executable(kosmos2-render-icon ${PROJECT_SOURCE_DIR}/packaging/render_icon.cpp)
  target_link_libraries(kosmos2-render-icon PRIVATE Qt6::Gui)
  set_target_properties(kosmos2-render-icon PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tools)
  set(icon_args)
  set(icon_outputs)
  foreach(size 16 24 32 48 64 128 256)
    set(png ${CMAKE_BINARY_DIR}/icons/hicolor/${size}x${size}/apps/kosmos2-workbench.png)
    list(APPEND icon_args ${size} ${png})
    list(APPEND icon_outputs ${png})
    install(FILES ${png} DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps)
  endforeach()
  set(icon_dirs ${icon_outputs})
  list(TRANSFORM icon_dirs REPLACE "/[^/]*$" "")
  add_custom_command(OUTPUT ${icon_outputs}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${icon_dirs}
                     COMMAND kosmos2-render-icon ${PROJECT_SOURCE_DIR}/resources/kosmos2-workbench.svg ${icon_args}
                     DEPENDS kosmos2-render-icon ${PROJECT_SOURCE_DIR}/resources/kosmos2-workbench.svg
                     COMMENT "Rendering the application icon in the hicolor sizes" VERBATIM)
  add_custom_target(kosmos_icons ALL DEPENDS ${icon_outputs})
endif()

# ------------------------------------------------------------------------------------------- Debian package
set(KOSMOS_PACKAGE_MAINTAINER "Kosmos-2 Workbench maintainers <maintainers@kosmos2-workbench.invalid>"
    CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME kosmos2-workbench)
set(CPACK_PACKAGE_VENDOR "Kosmos-2 Workbench")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${KOSMOS_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "desktop workbench for visual grounding with KOSMOS-2")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# The package is made from the programs and data only: tests, benchmarks and build tools install nothing.
set(CPACK_DEBIAN_PACKAGE_NAME kosmos2-workbench)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${KOSMOS_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Kosmos-2 Workbench runs Microsoft's KOSMOS-2 grounded multimodal language model
on the CPU with LibTorch, with the same results as Hugging Face transformers.
The workbench opens images, asks for grounded captions, phrase grounding and
region descriptions, streams the text and draws the boxes on the picture; it
edits GRIT annotations in a local SQLite store and fine-tunes models on them.
The kosmos2 command-line tool runs every job headless.")
if(EXISTS ${PROJECT_SOURCE_DIR}/resources/demo-model/config.json)
  string(APPEND CPACK_DEBIAN_PACKAGE_DESCRIPTION "\nA small demo model and sample images are included.")
else()
  string(APPEND CPACK_DEBIAN_PACKAGE_DESCRIPTION "\nSample images are included.")
endif()

# LibTorch does its matrix products through libblas.so.3; only OpenBLAS makes them fast (the reference BLAS
# is about 30 times slower), and no library links it by name, so dpkg-shlibdeps cannot find it.
set(KOSMOS_DEBIAN_EXTRA_DEPENDS "libopenblas0-pthread | libopenblas0")
find_program(KOSMOS_DPKG_SHLIBDEPS dpkg-shlibdeps)
find_program(KOSMOS_FILE_PROGRAM file)
if(KOSMOS_DPKG_SHLIBDEPS AND KOSMOS_FILE_PROGRAM)
  # Exact runtime packages and versions from the linked libraries (including libkosmos_spm.so's sentencepiece).
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "${KOSMOS_DEBIAN_EXTRA_DEPENDS}")
else()
  # Debian 12's package names of what the programs link (dpkg -S on their libraries).
  message(STATUS "Debian package: dpkg-shlibdeps or file not found, using the Debian 12 dependency list")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6 (>= 2.34), libgcc-s1 (>= 3.0), libstdc++6 (>= 12), libtorch1.13 (>= 1.13.1), ${KOSMOS_DEBIAN_EXTRA_DEPENDS}, "
      "libsentencepiece0 (>= 0.1.97), libsqlite3-0 (>= 3.20.0), libarchive13 (>= 3.3.3), "
      "libopencv-core406 (>= 4.6.0), libopencv-imgcodecs406 (>= 4.6.0), libopencv-imgproc406 (>= 4.6.0)")
  if(KOSMOS_BUILD_GUI)
    string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libqt6core6 (>= 6.4.0), libqt6gui6 (>= 6.1.2), "
           "libqt6widgets6 (>= 6.3.0), libqt6concurrent6 (>= 6.1.2), libqt6charts6 (>= 6.2.1)")
  endif()
  string(REPLACE ";" "" CPACK_DEBIAN_PACKAGE_DEPENDS "${CPACK_DEBIAN_PACKAGE_DEPENDS}")
endif()
if(KOSMOS_BUILD_GUI)
  # Wayland and other platform plugins, and more image formats (TIFF, WebP) for the workbench.
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-qpa-plugins, qt6-image-formats-plugins")
endif()
# spm_train, which `kosmos2 synth --spm-out` runs to train a tokenizer.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS sentencepiece)

include(CPack)
