// The number of one process image (a process from its start or exec to its exit or next exec):
// 1, 2, 3... in the order of the trace's PROCESS_START records; 0 is no image. Every replay
// keys its state by it (image_tracker.h assigns them, analyzer/trace_catalog.h describes them).
#pragma once

#include <stdint.h>

namespace memwrap {

using ImageId = uint32_t;

}  // namespace memwrap
