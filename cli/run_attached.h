// `memwrap run -p PID [--duration D]`: records a process that is already running (ptrace
// attach): its memory over time (/proc samples), its memory system calls, the processes it
// starts, and how they end. No heap: the shim can only be preloaded into a program memwrap
// starts. Ctrl-C (SIGINT), SIGTERM, SIGHUP or the end of --duration detach; the process keeps
// running and is never left stopped by memwrap.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <string>

#include "tracer/syscalls/syscall_selection.h"
#include "tracer/wait_spin.h"

namespace memwrap {

struct AttachedRun {
  pid_t pid = 0;
  std::string output;  // "" : COMM.PID.mwt
  bool force = false;
  bool quiet = false;
  size_t top = 5;
  uint64_t interval_ns = 0;
  uint64_t duration_ns = 0;  // 0: until Ctrl-C or the process ends
  SyscallSelection selection;
  std::string syscalls;                        // as given, for the session info ("" default)
  uint64_t wait_poll_ns = kDefaultWaitSpinNs;  // --wait-poll (tracer/wait_spin.h)
  uint32_t stack_sample_rate = 0;              // Hz; 0: no stack samples
  uint32_t stack_depth = 64;
};

// Returns memwrap's exit status: 0, or 2 (the process cannot be traced, the trace cannot be
// written).
int RunAttached(const AttachedRun& run);

}  // namespace memwrap
