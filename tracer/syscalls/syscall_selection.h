// Which system calls a trace records: a set of x86_64 numbers, parsed from the two spellings
// users give (memwrap run --syscalls=none|memory|all|NAME,...; stracedrv -e trace=...).
#pragma once

#include <stdint.h>

#include <bitset>
#include <string>
#include <vector>

#include "syscalls/syscall_table.h"

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
  // stracedrv -e trace=: all | none | NAME,... | %memory %file %process %network %signal %desc,
  // mixed freely (NAME,%file). A leading "trace=" is accepted. Returns "" or the reason.
  static std::string ParseStraceSpec(const std::string& spec, SyscallSelection* out);

  void Add(uint32_t number) {
    if (number < kSyscallLimit) bits_.set(number);
  }
  bool Has(uint32_t number) const { return number < kSyscallLimit && bits_.test(number); }
  bool empty() const { return bits_.none(); }
  bool all() const { return bits_.all(); }
  std::vector<uint32_t> Numbers() const;

 private:
  std::bitset<kSyscallLimit> bits_;
};

}  // namespace memwrap
