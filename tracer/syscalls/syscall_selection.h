// Which system calls a trace records: a set of x86_64 numbers, parsed from the two spellings
// users give (memwrap run --syscalls=none|memory|all|NAME,...; stracedrv -e trace=...).
#pragma once

#include <stdint.h>

#include <bitset>
#include <string>
#include <vector>

#include "tracer/syscalls/syscall_table.h"

namespace memwrap {

class SyscallSelection {
 public:
  static SyscallSelection None() { return SyscallSelection(); }
  static SyscallSelection All();
  // memwrap run's memory set: what changes a process's mappings or its process tree
  // (mmap, munmap, mremap, brk, madvise, mprotect, execve, clone/fork/vfork, exit).
  static SyscallSelection Memory();

  // memwrap run --syscalls: none | memory | all | NAME,NAME,... Returns "" or the reason.
  static std::string ParseRunSpec(const std::string& spec, SyscallSelection* out);
  // stracedrv -e trace= (strace's syntax): all | none | NAME | %CLASS (strace's classes, and its
  // legacy names without the %: file, desc, ...) | /REGEX, comma-separated, mixed freely; a
  // leading ! selects the complement, a leading ? lets a name be unknown. A leading "trace=" is
  // accepted. Returns "" or the reason.
  static std::string ParseStraceSpec(const std::string& spec, SyscallSelection* out);

  void Add(uint32_t number) {
    if (number < kSyscallLimit) bits_.set(number);
  }
  bool Has(uint32_t number) const { return number < kSyscallLimit && bits_.test(number); }
  // An i386 call (int $0x80 or a 32-bit process) is selected when its x86_64 namesake is.
  bool HasI386(uint32_t number) const;
  bool empty() const { return bits_.none(); }
  bool all() const { return bits_.all(); }
  std::vector<uint32_t> Numbers() const;

 private:
  std::bitset<kSyscallLimit> bits_;
};

}  // namespace memwrap
