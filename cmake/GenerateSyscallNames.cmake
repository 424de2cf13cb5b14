# Writes the x86_64 system call names, as the installed kernel headers number them, into OUT as
# lines `{NUMBER, "name"},` (included by tracer/syscalls/syscall_table.cpp).
# Usage: cmake -DCC=<c compiler> -DOUT=<file> -P GenerateSyscallNames.cmake
execute_process(
  COMMAND ${CC} -E -dM -include asm/unistd_64.h -x c /dev/null
  OUTPUT_VARIABLE defines
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cannot preprocess asm/unistd_64.h (is linux-libc-dev installed?)")
endif()
string(REGEX MATCHALL "#define __NR_[a-z0-9_]+ [0-9]+" lines "${defines}")
set(table "// Generated from asm/unistd_64.h by cmake/GenerateSyscallNames.cmake; do not edit.\n")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "#define __NR_([a-z0-9_]+) ([0-9]+)" "{\\2, \"\\1\"}," entry "${line}")
  string(APPEND table "${entry}\n")
endforeach()
file(WRITE ${OUT}.tmp "${table}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
