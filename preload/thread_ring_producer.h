// The writer side of one per-thread ring (--buffers per-thread; include/memwrap/ring.h states
// the protocol and why the collector's merge of these rings is a valid linearisation). Used by
// the shim for the thread that owns the ring, and by the ring tests. Header-only and
// freestanding like ring_producer.h: no heap, no exceptions, no libc beyond syscall().
#pragma once

#include <stdint.h>

#include "memwrap/records.h"
#include "memwrap/ring.h"
#include "shim_link/ring_producer.h"

namespace memwrap {

// The `i`th ThreadRing of a mapping that starts with an initialised RingHeader.
inline ThreadRingHeader* ThreadRingAt(void* mapping, uint32_t i) {
  const auto* header = static_cast<const RingHeader*>(mapping);
  return reinterpret_cast<ThreadRingHeader*>(
      static_cast<uint8_t*>(mapping) +
      ThreadRingOffset(header->capacity, header->thread_ring_capacity, i));
}

// Claims a free ThreadRing for `tid` (owner 0 -> tid); nullptr when all are taken.
inline ThreadRingHeader* ClaimThreadRing(void* mapping, uint32_t tid) {
  const auto* header = static_cast<const RingHeader*>(mapping);
  for (uint32_t i = 0; i < header->thread_ring_count; ++i) {
    ThreadRingHeader* ring = ThreadRingAt(mapping, i);
    uint32_t free_owner = 0;
    // Acquire: pairs with the previous owner's release in GiveBackThreadRing, so its head is
    // the one we continue from and its last record's time precedes ours.
    if (ring->owner.load(std::memory_order_relaxed) == 0 &&
        ring->owner.compare_exchange_strong(free_owner, tid, std::memory_order_acquire)) {
      return ring;
    }
  }
  return nullptr;
}

// After the thread's last record: the ring goes to the next thread that claims it.
inline void GiveBackThreadRing(ThreadRingHeader* ring) {
  ring->owner.store(0, std::memory_order_release);
}

class ThreadRingWriter {
 public:
  ThreadRingWriter(ThreadRingHeader* ring, uint64_t capacity)
      : ring_(ring),
        data_(reinterpret_cast<uint8_t*>(ring) + kThreadRingHeaderSize),
        capacity_(capacity) {}

  // True when a record of `size` bytes fits now (the single writer's head does not move
  // under it, and the collector only ever makes more room).
  bool Fits(uint32_t size) const {
    // Acquire: pairs with the collector's release store of tail after it copied the records.
    return Head() + size - ring_->tail.load(std::memory_order_acquire) <= capacity_;
  }

  // Waits for room as a shared-ring producer does (WaitForRingSpace); false: gave up.
  bool WaitToFit(RingHeader* shared, uint32_t size, const std::atomic<bool>* sleep_allowed,
                 bool (*keep_waiting)()) {
    return WaitForRingSpace(shared, &ring_->tail, Head() + size, capacity_, sleep_allowed,
                            keep_waiting);
  }

  // Publishes one record of `size` bytes (a multiple of 8) that Fits. Its ts_ns (bytes 8-15,
  // every record type but STACK) is replaced by `clock()` read while the ring is marked busy.
  void Write(const void* record, uint32_t size, uint64_t (*clock)()) {
    // Sequentially consistent: the collector that reads busy == 0 before this store must see
    // every later clock read of ours as later than its own (ring.h); on x86-64 this is an xchg,
    // which also keeps the clock read below from running before the store is visible.
    ring_->busy.store(1, std::memory_order_seq_cst);
#if !defined(__x86_64__) && !defined(__i386__)
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
    const uint64_t head = Head();
    CopyIn(head, record, size);
    RecordHeader header;
    __builtin_memcpy(&header, record, sizeof(header));
    if (header.type != uint16_t(RecordType::kStack) &&
        size >= sizeof(RecordHeader) + sizeof(uint64_t)) {
      const uint64_t ts_ns = clock();
      ring_->floor_ts.store(ts_ns, std::memory_order_relaxed);
      CopyIn(head + sizeof(RecordHeader), &ts_ns, sizeof(ts_ns));
    }
    // Release: the record bytes become visible before the head that covers them.
    ring_->head.store(head + size, std::memory_order_release);
    ring_->busy.store(0, std::memory_order_release);
  }

 private:
  // Only this thread writes head: a relaxed load reads its own last store.
  uint64_t Head() const {
    return ring_->head.load(std::memory_order_relaxed);
  }

  void CopyIn(uint64_t position, const void* src, uint32_t size) {
    const uint64_t offset = position & (capacity_ - 1);
    const uint64_t first = capacity_ - offset < size ? capacity_ - offset : size;
    __builtin_memcpy(data_ + offset, src, first);
    if (first < size) {
      __builtin_memcpy(data_, static_cast<const uint8_t*>(src) + first, size - first);
    }
  }

  ThreadRingHeader* ring_;
  uint8_t* data_;
  uint64_t capacity_;
};

// Initialises a fresh ring with `thread_rings` ThreadRings in `mapping` (RingMappingBytes
// bytes, zero-filled: every ThreadRing starts free and empty).
inline void InitRingWithThreadRings(void* mapping, uint64_t capacity, uint32_t thread_rings,
                                    uint64_t thread_ring_capacity) {
  auto* header = static_cast<RingHeader*>(mapping);
  header->thread_ring_count = thread_rings;
  header->thread_ring_capacity = thread_ring_capacity;
  InitRing(mapping, capacity);
}

}  // namespace memwrap
