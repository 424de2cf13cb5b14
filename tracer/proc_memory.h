// Reads a process's memory figures from /proc: what memwrap run samples on its timer.
#pragma once

#include <sys/types.h>

#include "memwrap/records.h"

namespace memwrap {

// Fills everything after the header and timestamp. False when the process is gone (or has
// no address space any more: a zombie).
bool ReadProcessMemory(pid_t pid, MemorySampleRecord* sample);

}  // namespace memwrap
