// The interposed malloc family: every glibc allocation entry point. Each function forwards to
// glibc and tells the shim what happened, in the order records.h requires: allocations after
// the real call, frees before it. C++ operator new/delete (all sized and aligned variants)
// reach these through libstdc++, which calls malloc, aligned_alloc and free.
// Only the interposed symbols are exported (exports.map).
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "preload/heap_probe.h"
#include "preload/real_allocator.h"
#include "preload/sampled_heap.h"
#include "preload/shim.h"

using memwrap::AllocKind;
using memwrap::shim::Active;
using memwrap::shim::CallerContext;
using memwrap::shim::Real;

namespace {

__attribute__((noinline)) void RecordAllocated(void* block, size_t size, AllocKind kind,
                                               const CallerContext& caller, uint64_t key) {
  if (Active()) memwrap::shim::RecordAlloc(block, size, kind, caller, key);
}

// Inlined into each hook, so that sampled mode's fast path costs no call: on malloc_bench the
// call's register saves and frame were a tenth of what the shim adds.
__attribute__((always_inline)) inline void Allocated(void* block, size_t size, AllocKind kind,
                                                     const CallerContext& caller) {
  if (block == nullptr || memwrap::shim::IsProbeAllocation()) return;
  // Sampled mode counts a forwarded operator new under its own caller (sampled_heap.h).
  const uint64_t key = memwrap::shim::TakeCallerKey(caller.return_address);
  if (memwrap::shim::CountUnsampledAllocation(block, size, key, caller)) return;
  RecordAllocated(block, size, kind, caller, key);
}

// realloc and reallocarray: the old block leaves the live set before the call (another thread
// may get its address as soon as glibc released it), the new one enters after.
void* Reallocate(void* old_block, size_t size, AllocKind kind, const CallerContext& caller) {
  if (old_block == nullptr) {
    void* block = Real().realloc(nullptr, size);
    Allocated(block, size, kind, caller);
    return block;
  }
  if (memwrap::shim::IsBootstrapBlock(old_block)) {
    errno = ENOMEM;  // bootstrap blocks only live while dlsym runs; nobody grows them
    return nullptr;
  }
  void* block = nullptr;
  if (memwrap::shim::ReallocUnsampled(old_block, size, caller, Real().realloc, &block)) {
    return block;
  }
  const bool traced = Active();
  if (traced) memwrap::shim::RecordReallocBegin(old_block);
  block = Real().realloc(old_block, size);
  if (traced) memwrap::shim::RecordReallocEnd(old_block, block, size, kind, caller);
  return block;
}

}  // namespace

// Every hook is built with a frame pointer (-fno-omit-frame-pointer) and takes its caller's
// context first thing: MEMWRAP_CALLER_CONTEXT reads it from the hook's own frame.
extern "C" {

__attribute__((visibility("default"), noinline)) void* malloc(size_t size) {
  void* block = Real().malloc(size);
  Allocated(block, size, AllocKind::kMalloc, MEMWRAP_CALLER_CONTEXT());
  return block;
}

__attribute__((visibility("default"), noinline)) void free(void* block) {
  if (block == nullptr) return;
  if (memwrap::shim::IsBootstrapBlock(block)) return;
  if (!memwrap::shim::IsProbeFree() && !memwrap::shim::CountUnsampledFree(block) && Active()) {
    memwrap::shim::RecordFree(block);
  }
  Real().free(block);
}

__attribute__((visibility("default"), noinline)) void* calloc(size_t count, size_t size) {
  void* block = Real().calloc(count, size);
  // count * size cannot overflow here: calloc succeeded.
  Allocated(block, count * size, AllocKind::kCalloc, MEMWRAP_CALLER_CONTEXT());
  return block;
}

__attribute__((visibility("default"), noinline)) void* realloc(void* old_block, size_t size) {
  return Reallocate(old_block, size, AllocKind::kRealloc, MEMWRAP_CALLER_CONTEXT());
}

// glibc's reallocarray is realloc after an overflow check; done here so that the call is
// recorded once, as what it is.
__attribute__((visibility("default"), noinline)) void* reallocarray(void* old_block, size_t count,
                                                                    size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  return Reallocate(old_block, bytes, AllocKind::kReallocArray, MEMWRAP_CALLER_CONTEXT());
}

// glibc's posix_memalign: the same checks, then its memalign.
__attribute__((visibility("default"), noinline)) int posix_memalign(void** out, size_t alignment,
                                                                    size_t size) {
  if (alignment % sizeof(void*) != 0 || alignment == 0 ||
      ((alignment / sizeof(void*)) & (alignment / sizeof(void*) - 1)) != 0) {
    return EINVAL;
  }
  void* block = Real().memalign(alignment, size);
  if (block == nullptr) return ENOMEM;
  *out = block;
  Allocated(block, size, AllocKind::kPosixMemalign, MEMWRAP_CALLER_CONTEXT());
  return 0;
}

__attribute__((visibility("default"), noinline)) void* aligned_alloc(size_t alignment,
                                                                     size_t size) {
  void* block = memwrap::shim::RealAlignedAlloc(alignment, size);
  Allocated(block, size, AllocKind::kAlignedAlloc, MEMWRAP_CALLER_CONTEXT());
  return block;
}

__attribute__((visibility("default"), noinline)) void* memalign(size_t alignment, size_t size) {
  void* block = Real().memalign(alignment, size);
  Allocated(block, size, AllocKind::kMemalign, MEMWRAP_CALLER_CONTEXT());
  return block;
}

__attribute__((visibility("default"), noinline)) void* valloc(size_t size) {
  void* block = Real().valloc(size);
  Allocated(block, size, AllocKind::kValloc, MEMWRAP_CALLER_CONTEXT());
  return block;
}

// pvalloc rounds the size up to whole pages; the record keeps the requested size, like every
// other entry point (the live heap is the sum of requested sizes).
__attribute__((visibility("default"), noinline)) void* pvalloc(size_t size) {
  void* block = Real().pvalloc(size);
  Allocated(block, size, AllocKind::kPvalloc, MEMWRAP_CALLER_CONTEXT());
  return block;
}

}  // extern "C"
