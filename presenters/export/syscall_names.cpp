#include "presenters/export/syscall_names.h"

#include "tracer/syscalls/syscall_table.h"

namespace memwrap {

std::string SyscallName(uint32_t number) {
  // x86_64 numbers, from the one generated table; beyond it, the number.
  return number < kSyscallLimit ? Syscall(number).name : "syscall_" + std::to_string(number);
}

}  // namespace memwrap
