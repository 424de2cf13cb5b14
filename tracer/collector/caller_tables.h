// Sampled mode: the collector's reading of a ring's caller tables (memwrap/ring.h,
// CallerTotalsEntry) into CALLER_TOTALS records (memwrap/records.h) once the image ended.
#pragma once

#include <stdint.h>

#include <vector>

#include "memwrap/records.h"

namespace memwrap {

// One record (kCallerTotalsFromTable) for every used entry of the tables of the slots that
// ever counted an allocation. Empty when the ring has no tables (not sampled mode) or its
// header no longer describes a mapping of `mapping_size` bytes. The traced process can write
// the tables: their figures are copied as read, and only the ring header's sizes, checked
// against the mapping, say where to read.
std::vector<CallerTotalsRecord> ReadCallerTables(const void* mapping, uint64_t mapping_size,
                                                 uint64_t ts_ns);

}  // namespace memwrap
