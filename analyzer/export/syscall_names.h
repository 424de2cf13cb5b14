// Names of x86_64 system calls, for syscall slices in exports and plots.
#pragma once

#include <stdint.h>

#include <string>

namespace memwrap {

// "mmap" for 9; "syscall_N" for a number the table does not name. The table holds the calls
// that matter for memory and the common I/O and process calls, not all of them.
std::string SyscallName(uint32_t number);

}  // namespace memwrap
