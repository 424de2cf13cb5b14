// memwrap's own resident memory inside a traced process: the pages of the mappings memwrap
// made there (include/memwrap/own_memory.h says how they are recognised), read page by page,
// so that the program's RSS can be reported without them (docs/tracer.md, "How the program's
// own RSS is obtained").
//
// The mappings are found in /proc/PID/maps (no page walk: its cost follows the number of
// mappings), and their resident pages counted in /proc/PID/pagemap over their ranges only,
// with the PAGEMAP_SCAN ioctl (Linux 6.7) where the kernel has it: one call per mapping that
// returns runs of pages, and leaves out pages mapped to the kernel's shared zero page (memory
// only read, never written), which RSS does not count either. Older kernels: a read of 8
// bytes per page of those ranges, which counts zero pages as present.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "memwrap/records.h"

namespace memwrap {

// Resident bytes, by the /proc/PID/status counter they are part of.
struct MemwrapResident {
  uint64_t shmem = 0;  // memwrap's memfds: the rings (RssShmem)
  uint64_t anon = 0;   // the shim's tables and caches, the injected libraries' written data
                       // (RssAnon)
  uint64_t file = 0;   // the injected libraries' code and read-only data (RssFile)

  uint64_t total() const { return shmem + anon + file; }
};

// False when the process is gone or its maps cannot be read.
bool ReadMemwrapResident(pid_t pid, MemwrapResident* out);

// memwrap's share at a sample that did not read it again: the last share read, and what the
// process's RssShmem grew since, counted as memwrap's rings'. Between reads, what grows fast in
// memwrap's share is its ring (it fills until it has wrapped: 8 MiB within the first 8 MiB of
// records); the program's own shared memory seldom changes, and should it grow, it counts as
// memwrap's until the next read.
MemwrapResident CarriedShare(const MemwrapResident& last, uint64_t shmem_at_read,
                             uint64_t shmem_now);

// Makes a sample read from /proc the program's own: memwrap's share is subtracted from each
// counter it is part of (never below 0) and kept in `memwrap_rss`. VmHWM is a high-water mark
// of the whole process: `hwm` minus memwrap's share now is the program's peak only as long as
// that share did not change since the peak (docs/tracer.md). PSS counts each page of the
// rings half (the collector maps them too) and everything else whole.
void LeaveOutMemwrap(const MemwrapResident& memwrap, MemorySampleRecord* sample);

}  // namespace memwrap
