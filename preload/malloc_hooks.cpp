// The interposed malloc family. Each function forwards to glibc and tells the shim what
// happened, in the order records.h requires: allocations after the real call, frees before it.
// Only these symbols are exported (exports.map).
#include <errno.h>
#include <stddef.h>

#include "real_allocator.h"
#include "shim.h"

using memwrap::AllocKind;
using memwrap::shim::Active;
using memwrap::shim::Real;

extern "C" {

__attribute__((visibility("default"))) void* malloc(size_t size) {
  void* block = Real().malloc(size);
  if (block != nullptr && Active()) memwrap::shim::RecordAlloc(block, size, AllocKind::kMalloc);
  return block;
}

__attribute__((visibility("default"))) void free(void* block) {
  if (block == nullptr) return;
  if (memwrap::shim::IsBootstrapBlock(block)) return;
  if (Active()) memwrap::shim::RecordFree(block);
  Real().free(block);
}

__attribute__((visibility("default"))) void* calloc(size_t count, size_t size) {
  void* block = Real().calloc(count, size);
  if (block != nullptr && Active()) {
    memwrap::shim::RecordAlloc(block, count * size, AllocKind::kCalloc);  // no overflow: it
                                                                          // succeeded
  }
  return block;
}

__attribute__((visibility("default"))) void* realloc(void* old_block, size_t size) {
  if (old_block == nullptr) {
    void* block = Real().realloc(nullptr, size);
    if (block != nullptr && Active()) {
      memwrap::shim::RecordAlloc(block, size, AllocKind::kRealloc);
    }
    return block;
  }
  if (memwrap::shim::IsBootstrapBlock(old_block)) {
    errno = ENOMEM;  // bootstrap blocks only live while dlsym runs; nobody grows them
    return nullptr;
  }
  const bool traced = Active();
  if (traced) memwrap::shim::RecordReallocBegin(old_block);
  void* block = Real().realloc(old_block, size);
  if (traced) memwrap::shim::RecordReallocEnd(old_block, block, size);
  return block;
}

}  // extern "C"
