// Reads a process's memory figures from /proc: what memwrap run samples on its timer.
#pragma once

#include <sys/types.h>

#include "memwrap/records.h"
#include "tracer/collector/memwrap_resident.h"
#include "tracer/collector/pss_budget.h"

namespace memwrap {

// Fills everything after the header and timestamp. False when the process is gone (or has
// no address space any more: a zombie). With_pss false: /proc/PID/status only (pss stays 0 and
// the sample gets kMemorySampleWithoutPss).
bool ReadProcessMemory(pid_t pid, MemorySampleRecord* sample, bool with_pss = true);

// memwrap's share of a process with the shim, as its timer samples see it. Reading it costs
// time in proportion to the process's number of mappings and to the size of memwrap's own
// (memwrap_resident.h), so it has a budget of its own, by the PSS rule (pss_budget.h); a
// sample taken while it is over budget carries the last share read forward (CarriedShare) and
// says so (kMemorySampleMemwrapCarried).
struct MemwrapShare {
  MemwrapResident last;
  uint64_t shmem_at_read = 0;  // the process's RssShmem when `last` was read
  PssBudget budget;
};

// A timer's sample: PSS only when `budget` allows it now (pss_budget.h), which it then charges
// with the read's cost. Says once on stderr when the budget makes PSS rarer than
// `interval_ns`. With `memwrap`, memwrap's share is left out of the sample. False when the
// process is gone.
bool ReadTimerSample(pid_t pid, MemorySampleRecord* sample, PssBudget* budget, uint64_t interval_ns,
                     MemwrapShare* memwrap = nullptr);

}  // namespace memwrap
