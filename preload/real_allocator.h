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

// Never null members; safe to call before constructors ran.
const RealAllocator& Real();

// True for blocks handed out by the bootstrap pool (never passed to the real free).
bool IsBootstrapBlock(const void* p);

}  // namespace memwrap::shim
