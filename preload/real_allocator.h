// The allocator the shim forwards to: glibc's own entry points.
//
// glibc exports __libc_malloc & co., so the common case needs no dlsym at all (as Perfetto's
// glibc interceptor does) and there is no bootstrap problem. Where they are missing (another
// libc), the functions are looked up with dlsym(RTLD_NEXT); dlsym itself may call calloc
// before the lookup finished, and that call is served from a small static pool whose blocks
// free() recognises and ignores.
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

// Never null members; safe to call before constructors ran.
const RealAllocator& Real();

// True for blocks handed out by the bootstrap pool (never passed to the real free).
bool IsBootstrapBlock(const void* p);

}  // namespace memwrap::shim
