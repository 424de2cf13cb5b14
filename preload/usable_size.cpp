#include "preload/usable_size.h"

#include "preload/real_allocator.h"

namespace memwrap::shim {

bool g_glibc_chunk_headers = false;

// Nothing is allocated to check: this runs while the shim starts, which may be inside the
// allocator (its first mmap), where a call back into it can deadlock on its own lock.
// tests/usable_size_test.cpp checks the header rule against malloc_usable_size.
void DetectGlibcChunkHeaders() {
#if defined(__x86_64__)
  // Other targets may tag memory (aarch64 MTE), which changes the rule: they ask glibc.
  g_glibc_chunk_headers = Real().malloc != nullptr && g_real_is_glibc;
#else
  g_glibc_chunk_headers = false;
#endif
}

}  // namespace memwrap::shim
