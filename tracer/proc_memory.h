// Reads a process's memory figures from /proc: what memwrap run samples on its timer.
#pragma once

#include <sys/types.h>

#include "memwrap/records.h"

namespace memwrap {

// Fills everything after the header and timestamp. False when the process is gone (or has
// no address space any more: a zombie). With_pss false: /proc/PID/status only (pss stays 0 and
// the sample gets kMemorySampleWithoutPss).
bool ReadProcessMemory(pid_t pid, MemorySampleRecord* sample, bool with_pss = true);

}  // namespace memwrap
