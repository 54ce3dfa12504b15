# Debian ships LLVM/MLIR both as shared and static libraries, and its exported
# CMake targets make every MLIR component depend on the shared `LLVM` and `MLIR`
# imported targets. To get tools that run on a host with no LLVM (the GPU host),
# point `LLVM` at a linker script that groups every static libLLVM*.a (the linker
# keeps only what is used) and `MLIR` at an empty script, since the static
# libMLIR*.a components are already linked one by one.
file(GLOB _flash_llvm_static_libs "${LLVM_LIBRARY_DIR}/libLLVM*.a")
list(FILTER _flash_llvm_static_libs EXCLUDE REGEX "libLLVM-[0-9]")
find_library(FLASH_ZSTD_STATIC NAMES libzstd.a REQUIRED)
find_library(FLASH_ZLIB_STATIC NAMES libz.a REQUIRED)
string(REPLACE ";" " " _flash_group "${_flash_llvm_static_libs}")
set(_flash_llvm_script "${PROJECT_BINARY_DIR}/static-llvm/libLLVM-static.ld")
set(_flash_mlir_script "${PROJECT_BINARY_DIR}/static-llvm/libMLIR-empty.ld")
file(WRITE "${_flash_llvm_script}" "GROUP ( ${_flash_group} ${FLASH_ZSTD_STATIC} ${FLASH_ZLIB_STATIC} )\n")
file(WRITE "${_flash_mlir_script}" "/* MLIR components are linked from their static archives. */\n")

foreach(_target LLVM MLIR)
  get_target_property(_configs ${_target} IMPORTED_CONFIGURATIONS)
  if(_target STREQUAL "LLVM")
    set(_script "${_flash_llvm_script}")
  else()
    set(_script "${_flash_mlir_script}")
  endif()
  set_target_properties(${_target} PROPERTIES IMPORTED_LOCATION "${_script}")
  foreach(_config ${_configs})
    set_target_properties(${_target} PROPERTIES IMPORTED_LOCATION_${_config} "${_script}")
  endforeach()
endforeach()

add_link_options(-static-libstdc++ -static-libgcc -fuse-ld=lld -Wl,--gc-sections)
