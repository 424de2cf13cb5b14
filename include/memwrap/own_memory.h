// How memwrap's own memory inside a traced process is told apart from the program's, so that
// the program's RSS can be reported without it (docs/tracer.md, "How the program's own RSS is
// obtained"). The shim and the audit library map their memory so that /proc/PID/maps names it;
// the tracer reads the resident pages of those mappings from /proc/PID/pagemap.
//
// What /proc/PID/maps shows of memwrap:
//  * Every memfd memwrap creates has a name starting with kOwnMemfdPrefix: the shim's ring
//    ("memwrap-ring", preload/shim.cpp), the audit library's ring and call stubs
//    ("memwrap-ltrace-ring", "memwrap-ltrace-stubs"). Their mappings read
//    "/memfd:memwrap-... (deleted)".
//  * The shim's anonymous memory (stack table, per-thread stack caches, unwind-rule cache) is
//    preceded by a marker: one PROT_NONE page mapping a memfd named kOwnRegionMarker at file
//    offset N, N being the size in bytes (a multiple of 4096) of the anonymous region that
//    starts right where the marker ends. Linux can name anonymous mappings itself
//    (PR_SET_VMA_ANON_NAME), but only when built with CONFIG_ANON_VMA_NAME, which many
//    kernels are not (the one memwrap is developed on included); a memfd's name shows on every
//    kernel since 3.17. The marker is never touched: it costs no memory.
//  * The shared objects memwrap injects have file names starting with kOwnLibraryPrefix
//    (libmemwrap_preload.so, libmemwrap_audit.so).
#pragma once

#include <stdint.h>

namespace memwrap {

inline constexpr const char* kOwnMemfdPrefix = "memwrap-";
inline constexpr const char* kOwnRegionMarker = "memwrap-owns-next";
inline constexpr const char* kOwnLibraryPrefix = "libmemwrap_";
inline constexpr uint64_t kOwnRegionMarkerBytes = 4096;
// A marker claiming more than this is not believed: the program can map anything anywhere, and
// the tracer bounds what it will scan (before Linux 6.7, 8 bytes read per page). The shim's
// largest region is its stack table's 64 MiB of frames.
inline constexpr uint64_t kMaxOwnRegionBytes = 1ull << 30;

}  // namespace memwrap
