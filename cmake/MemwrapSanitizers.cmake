# ASan + UBSan for the code that is NOT injected into traced programs: the tracer, the
# analyzer, the memwrap executable and the tests. The preload library and the programs it is
# injected into are never sanitised: ASan's own malloc interposer cannot coexist with ours.
option(MEMWRAP_SANITIZE "Build non-injected code with AddressSanitizer and UBSan" OFF)

function(memwrap_sanitize target)
  if(MEMWRAP_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
                                             -fno-sanitize-recover=undefined
                                             -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
