// Reads a process's memory figures from /proc: what memwrap run samples on its timer.
#pragma once

#include <sys/types.h>

#include "memwrap/records.h"
#include "pss_budget.h"

namespace memwrap {

// Fills everything after the header and timestamp. False when the process is gone (or has
// no address space any more: a zombie). With_pss false: /proc/PID/status only (pss stays 0 and
// the sample gets kMemorySampleWithoutPss).
bool ReadProcessMemory(pid_t pid, MemorySampleRecord* sample, bool with_pss = true);

// A timer's sample: PSS only when `budget` allows it now (pss_budget.h), which it then charges
// with the read's cost. Says once on stderr when the budget makes PSS rarer than
// `interval_ns`. False when the process is gone.
bool ReadTimerSample(pid_t pid, MemorySampleRecord* sample, PssBudget* budget,
                     uint64_t interval_ns);

}  // namespace memwrap
