# Warnings for all of memwrap's own code; the dangerous ones are errors.
function(memwrap_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wshadow=local -Wnon-virtual-dtor
    -Werror=return-type -Werror=format-security -Werror=uninitialized
    -Werror=array-bounds -Werror=stringop-overflow)
endfunction()
