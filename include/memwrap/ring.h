// The shared-memory ring between one traced process (the shim: many producer threads) and the
// collector (one consumer thread in memwrap).
//
// Semantics
//  * One memfd per traced process, created by the shim, passed to the collector with
//    SCM_RIGHTS (see handshake.h), mapped MAP_SHARED by both. Nothing is named in /dev/shm.
//  * Layout: a RingHeader (one 4 KiB page), then `capacity` data bytes. capacity is a power of
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
inline constexpr uint32_t kRingLayoutVersion = 1;
inline constexpr uint64_t kCommitTagXor = 0x9e3779b97f4a7c15ull;
inline constexpr uint32_t kSlotTagSize = 8;
inline constexpr uint64_t kRingHeaderSize = 4096;
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

constexpr bool IsValidRingCapacity(uint64_t capacity) {
  return capacity >= kMinRingCapacity && capacity <= kMaxRingCapacity &&
         (capacity & (capacity - 1)) == 0;
}

constexpr uint64_t CommitTag(uint64_t position) { return position ^ kCommitTagXor; }


}  // namespace memwrap
