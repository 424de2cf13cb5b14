// The modules whose code allocates on a program's behalf: the C and C++ runtimes, the loader,
// the allocators a program may link or preload instead of glibc's, and the shim itself. A call
// site is the first frame outside them, in the report (analyzer/call_sites.cpp) and in
// sampled mode's caller tables (preload/runtime_code.h), which must agree on it.
// Freestanding (the shim includes it): no allocation, no libstdc++.
#pragma once

#include <string.h>

namespace memwrap {

inline constexpr const char* kRuntimeModulePrefixes[] = {
    "libc.so", "libstdc++.so", "libgcc_s.so", "ld-linux", "libmemwrap_preload.so", "libc++.so",
    "libc++abi.so",
    // allocators a program links or preloads instead of glibc's
    "libtcmalloc", "libjemalloc.so", "libmimalloc.so"};

// `file_name`: a module's file name, without its directory.
inline bool IsRuntimeModuleName(const char* file_name) {
  for (const char* prefix : kRuntimeModulePrefixes) {
    if (strncmp(file_name, prefix, strlen(prefix)) == 0) return true;
  }
  return false;
}

}  // namespace memwrap
