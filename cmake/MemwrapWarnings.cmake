# Warnings for all of memwrap's own code. The dangerous ones become errors only in developer
# and CI builds (-DMEMWRAP_WERROR=ON, which .ci/test uses): a user's or packager's compiler
# may warn where GCC 12 does not (or, at -O3, falsely: array-bounds, stringop-overflow), and
# that must not stop a build.
option(MEMWRAP_WERROR "Make the dangerous warnings errors (developer and CI builds)" OFF)

function(memwrap_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow=local -Wnon-virtual-dtor)
  if(MEMWRAP_WERROR)
    target_compile_options(${target} PRIVATE
      -Werror=return-type -Werror=format-security -Werror=uninitialized
      -Werror=array-bounds -Werror=stringop-overflow)
  endif()
endfunction()
