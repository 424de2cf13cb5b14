// An allocator for the analyzer's tables of megabytes (the live-block table holds a few hundred
// thousand slots): their memory is aligned to 2 MiB and asked to be backed by transparent huge
// pages (MADV_HUGEPAGE; this system enables them only where asked). Writing a new table takes a
// page fault per 4 KiB otherwise, and on this virtual machine a fault costs several
// microseconds: the table's growth was over a quarter of a perl report's page faults. Smaller
// requests go to operator new as usual. Without huge pages the kernel ignores the advice.
#pragma once

#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <new>

namespace memwrap {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kHugePage = size_t(2) << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes));
    const size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
    void* p = aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
    madvise(p, rounded, MADV_HUGEPAGE);  // advice: a failure changes nothing but the speed
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < kHugePage) {
      ::operator delete(p);
    } else {
      free(p);
    }
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};

}  // namespace memwrap
