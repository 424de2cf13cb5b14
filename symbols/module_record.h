// A MODULE record (records.h) as the symbolizer takes it: read the same way by the report's
// catalog and by fltrec's expression triggers.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "symbols/symbolizer.h"

namespace memwrap {

// The module a MODULE record of `size` bytes describes; false when its segments, build-id
// and path do not fit in the record (the path must be NUL-terminated inside it, else "").
bool ReadModuleRecord(const uint8_t* record, size_t size, LoadedModule* module);

}  // namespace memwrap
