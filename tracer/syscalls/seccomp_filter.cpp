#include "tracer/syscalls/seccomp_filter.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace memwrap {

std::vector<sock_filter> BuildSeccompFilter(const SyscallSelection& selection) {
  std::vector<sock_filter> program;
  auto statement = [&](uint16_t code, uint32_t k) { program.push_back(BPF_STMT(code, k)); };
  auto jump = [&](uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
    program.push_back(BPF_JUMP(code, k, jt, jf));
  };
  statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
  jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
  jump(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u /* __X32_SYSCALL_BIT */, 0, 1);
  statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  // One compare per traced call: short jumps only, so any number of calls fits.
  for (uint32_t number : selection.Numbers()) {
    jump(BPF_JMP | BPF_JEQ | BPF_K, number, 0, 1);
    statement(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
  }
  statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  return program;
}

int InstallSeccompFilter(const sock_fprog* program, bool privileged) {
  if (!privileged && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, program) != 0) return errno;
  return 0;
}

}  // namespace memwrap
