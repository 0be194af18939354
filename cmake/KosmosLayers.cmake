# Layer rules of the design: each layer target may link only what is listed here.
# A forbidden link fails the configure step with a message naming both ends.
#
#   kosmos_model     LibTorch, nlohmann_json, dl, its CUDA kernels (no Qt, OpenCV, SQLite, no other layer);
#                    its torch-free parts kosmos_model_io, kosmos_text, kosmos_image not even LibTorch
#   kosmos_core      kosmos_model, SQLite, OpenCV, libarchive (no Qt)
#   kosmos_training  kosmos_core, kosmos_model, LibTorch    (no Qt)
#   kosmos_ui        everything above plus Qt

set(KOSMOS_LAYER_FORBIDDEN_kosmos_model "^Qt[0-9]*::;opencv;sqlite;archive;^kosmos_core$;^kosmos_training$;^kosmos_ui$")
foreach(part kosmos_model_io kosmos_text kosmos_image)
  set(KOSMOS_LAYER_FORBIDDEN_${part} "${KOSMOS_LAYER_FORBIDDEN_kosmos_model};torch")
endforeach()
set(KOSMOS_LAYER_FORBIDDEN_kosmos_core "^Qt[0-9]*::;^kosmos_training$;^kosmos_ui$")
set(KOSMOS_LAYER_FORBIDDEN_kosmos_media "^Qt[0-9]*::;torch;sqlite")
set(KOSMOS_LAYER_FORBIDDEN_kosmos_training "^Qt[0-9]*::;^kosmos_ui$")
set(KOSMOS_LAYER_FORBIDDEN_kosmos_ui "")

function(_kosmos_collect_links target out)
  set(result)
  foreach(prop LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(libs ${target} ${prop})
    if(libs)
      list(APPEND result ${libs})
    endif()
  endforeach()
  set(${out} ${result} PARENT_SCOPE)
endfunction()

function(kosmos_check_layers)
  foreach(layer kosmos_model_io kosmos_text kosmos_image kosmos_model kosmos_media kosmos_core kosmos_training kosmos_ui)
    if(NOT TARGET ${layer})
      continue()
    endif()
    _kosmos_collect_links(${layer} links)
    foreach(lib IN LISTS links)
      string(TOLOWER "${lib}" lib_lower)
      foreach(bad IN LISTS KOSMOS_LAYER_FORBIDDEN_${layer})
        string(TOLOWER "${bad}" bad_lower)
        if(lib_lower MATCHES "${bad_lower}")
          message(FATAL_ERROR "Layer rule broken: ${layer} links '${lib}', which its layer must not use "
                              "(see docs: model/ knows no Qt, OpenCV or SQLite; only ui/ knows Qt).")
        endif()
      endforeach()
    endforeach()
  endforeach()
endfunction()
