// The producer side of the ring (include/memwrap/ring.h): used by the shim inside the traced
// process, and by the ring tests. Header-only and freestanding: no heap, no exceptions, no libc
// beyond syscall().
#pragma once

#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "memwrap/records.h"
#include "memwrap/ring.h"

namespace memwrap {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Waits until a reservation ending at `end` lies within `capacity` of the consumer's `tail`.
// Spins briefly (the consumer usually drains within microseconds), then sleeps on the ring's
// consumer_seq futex with a timeout so a missed wake-up or a dead consumer cannot hang us.
// While `sleep_allowed` is false: spin only (the program is in seccomp). Shared by the shared ring
// and the per-thread rings (ring.h), whose consumer bumps the same consumer_seq.
inline bool WaitForRingSpace(RingHeader* header, std::atomic<uint64_t>* tail, uint64_t end,
                             uint64_t capacity, const std::atomic<bool>* sleep_allowed,
                             bool (*keep_waiting)()) {
  for (int spin = 0;; ++spin) {
    // Acquire: pairs with the consumer's release store of tail after it copied the records
    // out, so we never overwrite bytes it is still reading.
    if (end - tail->load(std::memory_order_acquire) <= capacity) return true;
    if (spin < 64) {
      CpuRelax();
      continue;
    }
    if (!sleep_allowed->load(std::memory_order_relaxed)) {
      CpuRelax();
      if ((spin & 1023) == 0 && keep_waiting != nullptr && !keep_waiting()) return false;
      continue;
    }
    const uint32_t seq = header->consumer_seq.load(std::memory_order_acquire);
    header->waiters.fetch_add(1, std::memory_order_seq_cst);
    if (end - tail->load(std::memory_order_acquire) > capacity) {
      timespec timeout{0, 10 * 1000 * 1000};
      // Not FUTEX_PRIVATE: the word lives in memory shared with another process.
      syscall(SYS_futex, &header->consumer_seq, FUTEX_WAIT, seq, &timeout, nullptr, 0);
    }
    header->waiters.fetch_sub(1, std::memory_order_seq_cst);
    if (keep_waiting != nullptr && !keep_waiting()) return false;
  }
}

class RingProducer {
 public:
  // Asked while a producer waits for space: return false to give up (the collector is gone).
  using KeepWaiting = bool (*)();

  // `mapping` starts with an initialised RingHeader followed by its data area.
  void Attach(void* mapping, KeepWaiting keep_waiting) {
    header_ = static_cast<RingHeader*>(mapping);
    data_ = static_cast<uint8_t*>(mapping) + kRingHeaderSize;
    mask_ = header_->capacity - 1;
    capacity_ = header_->capacity;
    keep_waiting_ = keep_waiting;
  }

  // Publishes one complete record (its RecordHeader::size bytes, a multiple of 8). Blocks while
  // the ring is full. Returns false if it gave up waiting: the slot stays uncommitted, which
  // the consumer reports as loss, and the caller must stop producing.
  bool Write(const void* record, uint32_t size) {
    const uint64_t slot = kSlotTagSize + size;
    const uint64_t position = header_->head.fetch_add(slot, std::memory_order_relaxed);
    if (!WaitForSpace(position + slot)) return false;
    CopyIn(position + kSlotTagSize, record, size);
    if (clock_ != nullptr) Retime(position, record, size);
    // Release: the record bytes above become visible before the tag. Pairs with the
    // consumer's acquire load of the same tag.
    TagAt(position)->store(CommitTag(position), std::memory_order_release);
    return true;
  }

  // Publishes one record only if it fits now; never waits (drop mode). False: not written.
  bool TryWrite(const void* record, uint32_t size) {
    const uint64_t slot = kSlotTagSize + size;
    uint64_t position = header_->head.load(std::memory_order_relaxed);
    do {
      // Acquire: pairs with the consumer's release store of tail (see WaitForSpace).
      if (position + slot - header_->tail.load(std::memory_order_acquire) > capacity_) {
        return false;
      }
    } while (
        !header_->head.compare_exchange_weak(position, position + slot, std::memory_order_relaxed));
    CopyIn(position + kSlotTagSize, record, size);
    if (clock_ != nullptr) Retime(position, record, size);
    TagAt(position)->store(CommitTag(position), std::memory_order_release);
    return true;
  }

  uint64_t capacity() const { return capacity_; }

  // --buffers per-thread: read each record's time again after its slot is reserved (Retime).
  void RetimeAfterReservation(uint64_t (*clock)()) { clock_ = clock; }

  // From now on a full ring is waited for by spinning only, never in a system call: the
  // program entered seccomp (preload/seccomp_hooks.cpp), where a futex call may kill it.
  // keep_waiting is still asked, and must then make no system call either.
  void ForbidSystemCalls() { sleep_allowed_.store(false, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t>* TagAt(uint64_t position) {
    return reinterpret_cast<std::atomic<uint64_t>*>(data_ + (position & mask_));
  }

  void CopyIn(uint64_t position, const void* src, uint32_t size) {
    const uint64_t offset = position & mask_;
    const uint64_t first = capacity_ - offset < size ? capacity_ - offset : size;
    __builtin_memcpy(data_ + offset, src, first);
    if (first < size)
      __builtin_memcpy(data_, static_cast<const uint8_t*>(src) + first, size - first);
  }

  // Waits until the reservation ending at `end` lies within one capacity of the consumer's
  // tail (WaitForRingSpace).
  bool WaitForSpace(uint64_t end) {
    return WaitForRingSpace(header_, &header_->tail, end, capacity_, &sleep_allowed_,
                            keep_waiting_);
  }

  // --buffers per-thread (ring.h): a record's ts_ns is read again once its slot is reserved,
  // so that it is no earlier than the reservation. Not for STACK (no time) nor for a record of
  // a clockless thread (ts_ns 0: the collector times it).
  void Retime(uint64_t position, const void* record, uint32_t size) {
    if (clock_ == nullptr || size < sizeof(RecordHeader) + sizeof(uint64_t)) return;
    RecordHeader header;
    uint64_t ts_ns = 0;
    __builtin_memcpy(&header, record, sizeof(header));
    __builtin_memcpy(&ts_ns, static_cast<const uint8_t*>(record) + sizeof(header), sizeof(ts_ns));
    if (header.type == uint16_t(RecordType::kStack) || ts_ns == 0) return;
#if !defined(__x86_64__) && !defined(__i386__)
    // x86's locked fetch_add already orders the clock read after the reservation.
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
    ts_ns = clock_();
    CopyIn(position + kSlotTagSize + sizeof(RecordHeader), &ts_ns, sizeof(ts_ns));
  }

  RingHeader* header_ = nullptr;
  uint8_t* data_ = nullptr;
  uint64_t mask_ = 0;
  uint64_t capacity_ = 0;
  KeepWaiting keep_waiting_ = nullptr;
  std::atomic<bool> sleep_allowed_{true};
  uint64_t (*clock_)() = nullptr;  // set: retime records after reservation (per-thread mode)
};

// Initialises a fresh ring in `mapping` (kRingHeaderSize + capacity bytes, zero-filled).
inline void InitRing(void* mapping, uint64_t capacity) {
  auto* header = static_cast<RingHeader*>(mapping);
  header->magic = kRingMagic;
  header->layout_version = kRingLayoutVersion;
  header->header_size = kRingHeaderSize;
  header->capacity = capacity;
  header->head.store(0, std::memory_order_relaxed);
  header->tail.store(0, std::memory_order_relaxed);
  header->consumer_seq.store(0, std::memory_order_relaxed);
  header->waiters.store(0, std::memory_order_relaxed);
  header->shim_state.store(static_cast<uint32_t>(ShimState::kActive), std::memory_order_release);
}

}  // namespace memwrap
