# libFuzzer builds (docs/fuzzing.md): -DMEMWRAP_FUZZ=ON in a build directory of its own,
# configured with clang (CC=clang-14 CXX=clang++-14), as .ci/fuzz does. The fuzz targets are in
# tests/fuzz/CMakeLists.txt; the option MEMWRAP_FUZZ is declared in the top CMakeLists.txt.

if(MEMWRAP_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MEMWRAP_FUZZ needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}: "
                        "configure a separate build directory with CC=clang-14 CXX=clang++-14, "
                        "or run .ci/fuzz")
  endif()
  if(NOT MEMWRAP_BUILD_TESTS)
    message(FATAL_ERROR "MEMWRAP_FUZZ needs MEMWRAP_BUILD_TESTS=ON (the fuzzers are in tests/fuzz)")
  endif()
endif()

# Compiles `target` with coverage instrumentation for libFuzzer, ASan and UBSan (any UB aborts,
# so the fuzzer sees it). Whatever links `target` links the sanitizer runtimes too.
function(memwrap_fuzz_instrument target)
  target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined
                                           -fno-sanitize-recover=all -fno-omit-frame-pointer -g
                                           -Wno-unknown-warning-option)
  target_link_options(${target} PUBLIC -fsanitize=address,undefined)
endfunction()
