// The system calls by number, for x86_64 and for i386 (the calls a 64-bit process makes with
// int $0x80, and those of 32-bit processes): names, argument counts and classes. Both tables are
// generated from strace 6.1's own (generate_syscall_table.py -> syscall_classes*.def), so that
// `-e trace=%CLASS` selects exactly strace's calls; x86_64 numbers strace 6.1 does not know are
// named from the kernel headers (cmake/GenerateSyscallNames.cmake). Its own library
// (memwrap_syscall_table): the decoders, the filters and the ptrace loop's exec check use it, and
// the analyzer's exports name a trace's calls from it.
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace memwrap {

// strace's classes and flags (its sysent.h), by the same shorthand names.
enum SyscallClass : uint32_t {
  TF = 1u << 0,     // %file: takes a file name
  TI = 1u << 1,     // %ipc
  TN = 1u << 2,     // %network (%net)
  TP = 1u << 3,     // %process: process lifecycle
  TS = 1u << 4,     // %signal
  TD = 1u << 5,     // %desc: takes or returns a file descriptor
  TM = 1u << 6,     // %memory: maps, unmaps or changes memory
  TST = 1u << 7,    // %stat
  TLST = 1u << 8,   // %lstat
  TFST = 1u << 9,   // %fstat
  TSTA = 1u << 10,  // %%stat: any stat-like call
  TSF = 1u << 11,   // %statfs
  TFSF = 1u << 12,  // %fstatfs
  TSFA = 1u << 13,  // %%statfs
  PU = 1u << 14,    // %pure: getters with no arguments that never fail
  TC = 1u << 15,    // %creds
  TCL = 1u << 16,   // %clock
  NF = 1u << 17,    // never fails (not a class)
};

enum class SyscallArch { kX86_64, kI386 };

// One past the largest number a table may hold (x86_64 and i386 numbers are below 512).
inline constexpr uint32_t kSyscallLimit = 1024;

struct SyscallInfo {
  std::string name;   // "syscall_N" for a number neither strace nor the headers name
  int arguments = 6;  // 6 when unknown
  uint32_t classes = 0;
};

const SyscallInfo& Syscall(uint32_t number, SyscallArch arch = SyscallArch::kX86_64);
// -1 when the name is not a system call of `arch`.
int SyscallNumber(const std::string& name, SyscallArch arch = SyscallArch::kX86_64);
// Every named x86_64 number that has all the bits of `classes` (strace's rule).
std::vector<uint32_t> SyscallsInClasses(uint32_t classes);
// Every named x86_64 number and name.
std::vector<std::pair<uint32_t, std::string>> SyscallNames();

}  // namespace memwrap
