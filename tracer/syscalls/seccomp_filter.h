// The seccomp-bpf program that makes only the selected system calls stop the tracee
// (SECCOMP_RET_TRACE -> PTRACE_EVENT_SECCOMP); every other call runs at full speed.
//
// Caveat, as with strace --seccomp-bpf: the filter stays in the process after the tracer is
// gone, and a traced call made with no tracer attached fails with ENOSYS. memwrap never kills
// its tracees, so this only matters if memwrap itself is killed (SIGKILL) mid-run.
#pragma once

#include <linux/filter.h>

#include <vector>

#include "tracer/syscalls/syscall_selection.h"

namespace memwrap {

// Non-x86_64 calls (x32, int 0x80) are allowed untraced.
std::vector<sock_filter> BuildSeccompFilter(const SyscallSelection& selection);

// Installs `filter` in the calling process. Async-signal-safe (for a child between fork and
// exec): sets no_new_privs first unless `privileged` (CAP_SYS_ADMIN allows a filter without
// it, and setuid programs keep working). Returns 0 or an errno.
int InstallSeccompFilter(const sock_fprog* program, bool privileged);

}  // namespace memwrap
