// The x86_64 system calls by number: names (generated at build time from the kernel headers,
// cmake/GenerateSyscallNames.cmake), argument counts and strace's classes
// (syscall_classes.def). The ptrace loop never needs any of this; decoders and filters do.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace memwrap {

// Classes of `stracedrv -e trace=%CLASS` (strace's, same meaning).
enum SyscallClass : uint32_t {
  TF = 1u << 0,  // %file: takes a file name
  TM = 1u << 1,  // %memory: maps, unmaps or changes memory
  TP = 1u << 2,  // %process: process lifecycle
  TN = 1u << 3,  // %network
  TS = 1u << 4,  // %signal
  TD = 1u << 5,  // %desc: takes or returns a file descriptor
};

// One past the largest number the table may hold (x86_64 numbers are below 512; x32 and
// other ABIs are not traced).
inline constexpr uint32_t kSyscallLimit = 1024;

struct SyscallInfo {
  std::string name;   // "syscall_N" for a number the headers do not name
  int arguments = 6;  // 6 when unknown
  uint32_t classes = 0;
};

const SyscallInfo& Syscall(uint32_t number);
// -1 when the name is not an x86_64 system call.
int SyscallNumber(const std::string& name);
// Every named syscall number with one of `classes`.
std::vector<uint32_t> SyscallsInClasses(uint32_t classes);

}  // namespace memwrap
