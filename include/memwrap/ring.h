// The shared-memory ring between one traced process (the shim: many producer threads) and the
// collector (one consumer thread in memwrap).
//
// Semantics
//  * One memfd per traced process, created by the shim, passed to the collector with
//    SCM_RIGHTS (see handshake.h), mapped MAP_SHARED by both. Nothing is named in /dev/shm.
//  * Layout: a RingHeader (first 256 bytes of a 64 KiB header area whose bytes from 4 KiB on
//    hold the HeapCounterArea, used in sampled mode only), then `capacity` data bytes. capacity is a power of
//    two, a multiple of 4096, between kMinRingCapacity and kMaxRingCapacity.
//  * Positions (head, tail) are 64-bit byte counters that never wrap; the data offset of
//    position p is p & (capacity - 1).
//  * A slot is an 8-byte commit tag followed by one record (records.h). The tag is written
//    last: tag == (slot position ^ kCommitTagXor) means "the record behind me is complete".
//    Any other value means "not yet written". XOR with a constant keeps a stale record's bytes
//    from ever looking like a valid tag for the current lap.
//  * Slots are multiples of 8 bytes and start 8-aligned, so a tag never straddles the end of
//    the data area; the record behind it may, and is copied in two pieces.
//
// Who writes what
//  * producers (shim): head (fetch_add reserves [old, old+n)), the slot bytes they reserved,
//    waiters, shim_state (set to kStopped when the shim stops tracing; informative only).
//    A producer never writes outside its reservation.
//  * consumer (collector): tail, consumer_seq. The consumer never writes the data area.
//
// Memory ordering (each atomic names its partner)
//  * producer: writes the record bytes, then tag.store(release)
//      -> matched by the consumer's tag.load(acquire) before it copies the record.
//  * consumer: copies records, then tail.store(release)
//      -> matched by the producer's tail.load(acquire) before it overwrites that space.
//  * consumer: consumer_seq.fetch_add(seq_cst) then, if waiters != 0, FUTEX_WAKE on
//    consumer_seq; a producer that finds the ring full bumps waiters, re-checks tail, and
//    FUTEX_WAITs on consumer_seq with a timeout (so a lost wake-up costs at most the timeout).
//
// Lossless by default: a producer whose reservation does not fit waits until the consumer
// frees space (block mode). Order of reservation is the order of records; see records.h for
// why that order is a valid linearisation of the heap.
//
// IMPORTANT (consumer side): assume the traced process modifies this memory arbitrarily. The
// consumer keeps its own copy of tail, reads capacity once, bounds-checks every record size and
// type before copying, and treats anything malformed as loss, never as a reason to crash or
// read out of bounds.
#pragma once

#include <atomic>
#include <stddef.h>
#include <stdint.h>

namespace memwrap {

inline constexpr uint64_t kRingMagic = 0x474e4952'5057'4d4dull;  // "MMWPRING"
inline constexpr uint32_t kRingLayoutVersion = 2;  // 2: 64 KiB header with heap counters
inline constexpr uint64_t kCommitTagXor = 0x9e3779b97f4a7c15ull;
inline constexpr uint32_t kSlotTagSize = 8;
inline constexpr uint64_t kRingHeaderSize = 64 * 1024;
inline constexpr uint64_t kHeapCounterAreaOffset = 4096;
inline constexpr uint64_t kMinRingCapacity = 64 * 1024;
inline constexpr uint64_t kMaxRingCapacity = 1ull << 30;
inline constexpr uint64_t kDefaultRingCapacity = 8ull << 20;

enum class ShimState : uint32_t {
  kActive = 1,
  kStopped = 2,  // the shim stopped tracing (collector gone, internal limit): no more records
};

struct alignas(64) RingHeader {
  // Written once by the shim before the memfd is sent; read once by the consumer.
  uint64_t magic;
  uint32_t layout_version;
  uint32_t header_size;  // kRingHeaderSize
  uint64_t capacity;
  uint8_t pad0[40];

  // Producers only (fetch_add). Own cache line: every event touches it.
  std::atomic<uint64_t> head;
  uint8_t pad1[56];

  // Consumer only.
  std::atomic<uint64_t> tail;
  std::atomic<uint32_t> consumer_seq;  // futex word
  uint8_t pad2[52];

  // Producers.
  std::atomic<uint32_t> waiters;     // producers currently sleeping on consumer_seq
  std::atomic<uint32_t> shim_state;  // ShimState
  // Threads that can read no clock (seccomp strict mode: the kernel disables the TSC for the
  // thread, and clock_gettime's system call is forbidden). Their records carry ts_ns 0; while
  // this is not 0 the consumer gives such records the time it reads them.
  std::atomic<uint32_t> clockless_threads;
  uint8_t pad3[52];
};
static_assert(sizeof(RingHeader) == 256);
static_assert(sizeof(RingHeader) <= kRingHeaderSize);
static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(std::atomic<uint32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<uint64_t>) == 8 && sizeof(std::atomic<uint32_t>) == 4);

// Sampled mode (--stacks=sampled): the exact heap counters, kept in the ring's memfd so that
// the collector reads them at each --interval and after the process ended, however it ended.
//
// Who writes what
//  * Each thread claims one HeapCounterSlot (owner: 0 -> its tid, compare-exchange) at its
//    first heap call and is its only writer until it exits (owner back to 0); the next thread
//    to claim the slot adds to the same counters, so a slot's sums are cumulative and the sum
//    over all slots is the process's total. A single writer needs no lock prefix: the counts
//    are relaxed load + store. Threads that find no free slot add to `overflow` with
//    fetch_add (exact, slower).
//  * `unflushed`: the slot's live-heap change not yet added to `live_bytes`. A thread adds it
//    (fetch_add) once its magnitude reaches `flush_bytes`, and at its exit, then raises
//    `peak_bytes` (compare-exchange) to the total it saw. So at every instant the true live
//    heap differs from `live_bytes` by less than flush_bytes per counting thread, and the true
//    peak from `peak_bytes` by less than flush_bytes x `max_threads`.
//  * collector: reads only (relaxed loads; each 64-bit load is whole on the 64-bit targets
//    memwrap supports). It distrusts what it reads like everything else in the ring.
struct alignas(64) HeapCounterSlot {
  std::atomic<uint32_t> owner;  // tid of the thread counting here, 0 when free
  uint32_t reserved;
  std::atomic<uint64_t> alloc_count, alloc_bytes, alloc_usable_bytes;
  std::atomic<uint64_t> free_count, free_usable_bytes;
  std::atomic<int64_t> unflushed;
};
static_assert(sizeof(HeapCounterSlot) == 64);

struct HeapCounterArea {
  // Written once by the shim before the memfd is sent.
  uint32_t active;       // 1: the shim runs in sampled mode and keeps these counters
  uint32_t flush_bytes;  // see above
  uint64_t sample_bytes;
  uint8_t pad0[48];
  // Shared by every thread (fetch_add / compare-exchange).
  std::atomic<int64_t> live_bytes;
  std::atomic<int64_t> peak_bytes;
  std::atomic<uint32_t> threads;      // slots claimed now
  std::atomic<uint32_t> max_threads;  // most slots claimed at once (+1 if overflow was used)
  std::atomic<uint64_t> samples_untracked;
  uint8_t pad1[32];
  HeapCounterSlot overflow;
  HeapCounterSlot slots[1];  // really kHeapCounterSlots
};
static_assert(sizeof(HeapCounterArea) == 192 + sizeof(HeapCounterSlot));  // slots at 192
inline constexpr uint64_t kHeapCounterSlots =
    (kRingHeaderSize - kHeapCounterAreaOffset - 192) / sizeof(HeapCounterSlot);
static_assert(kHeapCounterSlots >= 900);

constexpr bool IsValidRingCapacity(uint64_t capacity) {
  return capacity >= kMinRingCapacity && capacity <= kMaxRingCapacity &&
         (capacity & (capacity - 1)) == 0;
}

constexpr uint64_t CommitTag(uint64_t position) { return position ^ kCommitTagXor; }


}  // namespace memwrap
