// Names of x86_64 system calls, for syscall slices in exports and plots.
#pragma once

#include <stdint.h>

#include <string>

namespace memwrap {

// "mmap" for 9; "syscall_N" for a number nobody named. From the table the tracer decodes with
// (tracer/syscalls/syscall_table.h: strace 6.1's names, then the kernel headers').
std::string SyscallName(uint32_t number);

}  // namespace memwrap
