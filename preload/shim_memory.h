// The shim's own anonymous memory (its tables and caches): mapped with raw system calls, never
// through the interposed mmap or the hooked heap, and marked so that the tracer can leave it
// out of the program's RSS (include/memwrap/own_memory.h).
#pragma once

#include <stddef.h>

namespace memwrap::shim {

// `bytes` of zero-filled private memory, reserved with MAP_NORESERVE (only the pages touched
// cost memory), right after a kOwnRegionMarker page. nullptr when the mapping failed. Without
// a memfd (a sandbox that forbids memfd_create) the memory is still there, unmarked: it then
// counts as the program's.
void* MapShimMemory(size_t bytes);

// Unmaps what MapShimMemory(bytes) returned, marker included.
void UnmapShimMemory(void* memory, size_t bytes);

}  // namespace memwrap::shim
