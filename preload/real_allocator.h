// The allocator the shim forwards to: the next definition of the malloc family after the shim
// (dlsym RTLD_NEXT): glibc's, or the allocator the program links or preloads (tcmalloc,
// jemalloc). dlsym itself may call calloc before the lookup finished, and that call is served
// from a small static pool whose blocks free() recognises and ignores. Without dlsym results,
// glibc's __libc_malloc & co.
#pragma once

#include <stddef.h>

namespace memwrap::shim {

struct RealAllocator {
  void* (*malloc)(size_t);
  void (*free)(void*);
  void* (*calloc)(size_t, size_t);
  void* (*realloc)(void*, size_t);
  void* (*memalign)(size_t, size_t);
  void* (*valloc)(size_t);
  void* (*pvalloc)(size_t);
};

// glibc's aligned_alloc (its checks changed across versions, so it is looked up rather than
// reimplemented); memalign where it cannot be found.
void* RealAlignedAlloc(size_t alignment, size_t size);

// Resolved at the first call (null members until then); inlined into every hook.
extern RealAllocator g_real;
// Resolves g_real (or serves dlsym's own calls from the bootstrap pool while it runs).
const RealAllocator& ResolveReal();

// Set with g_real: the allocator is glibc's own (no other allocator in front of it).
extern bool g_real_is_glibc;

// Never null members; safe to call before constructors ran.
inline const RealAllocator& Real() {
  if (__builtin_expect(g_real.free != nullptr, 1)) return g_real;
  return ResolveReal();
}

// The bootstrap pool's bounds.
extern unsigned char g_bootstrap_pool[16 * 1024];

// True for blocks handed out by the bootstrap pool (never passed to the real free).
inline bool IsBootstrapBlock(const void* p) {
  return static_cast<const unsigned char*>(p) >= g_bootstrap_pool &&
         static_cast<const unsigned char*>(p) < g_bootstrap_pool + sizeof(g_bootstrap_pool);
}

}  // namespace memwrap::shim
