# Run as a script (cmake -P) at build time: writes to OUTPUT a header
# defining FLASH_COMPILER_DIGEST, a SHA-256 over the contents of the files
# listed in SOURCE_LIST (one path a line), so that the caches' keys change
# whenever the compiler's code does. Rewrites OUTPUT only when the digest
# changes, so that an unchanged digest recompiles nothing.
file(STRINGS "${SOURCE_LIST}" sources)
list(SORT sources)
set(combined "")
foreach(source IN LISTS sources)
  file(SHA256 "${source}" hash)
  string(APPEND combined "${hash}\n")
endforeach()
string(SHA256 digest "${combined}")
string(SUBSTRING "${digest}" 0 16 digest)
set(text "#define FLASH_COMPILER_DIGEST \"${digest}\"\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL text)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${text}")
