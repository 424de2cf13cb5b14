// Whether a traced process still maps its trace ring, told from /proc/PID/maps by the ring
// memfd's inode. The collector asks it when a shim's socket hangs up: the kernel closes that
// socket on exit and exec only after the process's old memory is gone (exit_mm runs before
// exit_files; exec switches memory before closing close-on-exec descriptors), so a ring that
// is still mapped means the program closed memwrap's socket itself (a daemon closing every
// descriptor, a raw close_range) and goes on writing into the ring.
#pragma once

#include <stdint.h>
#include <sys/types.h>

namespace memwrap {

bool ProcessMapsRing(pid_t pid, uint64_t ring_inode);

}  // namespace memwrap
