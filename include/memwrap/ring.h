// The shared-memory ring between one traced process (the shim: many producer threads) and the
// collector (one consumer thread in memwrap).
//
// Semantics
//  * One memfd per traced process, created by the shim, passed to the collector with
//    SCM_RIGHTS (see handshake.h), mapped MAP_SHARED by both. Nothing is named in /dev/shm.
//  * Layout: a RingHeader (first 256 bytes of a 64 KiB header area whose bytes from 4 KiB on
//    hold the HeapCounterArea, used in sampled mode only), then `capacity` data bytes. capacity is
//    a power of two, a multiple of 4096, between kMinRingCapacity and kMaxRingCapacity.
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
// Per-thread buffers (--buffers per-thread; thread_ring_count != 0): behind the shared data area
// lie thread_ring_count ThreadRings, single-producer rings that threads claim for themselves
// (see ThreadRingHeader below for the protocol and the argument that the collector's merge is
// a valid linearisation). With thread_ring_count == 0 (--buffers per-process, and the
// library-call stream) everything above is all there is.
//
// IMPORTANT (consumer side): assume the traced process modifies this memory arbitrarily. The
// consumer keeps its own copy of tail, reads capacity once, bounds-checks every record size and
// type before copying, and treats anything malformed as loss, never as a reason to crash or
// read out of bounds.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <atomic>

namespace memwrap {

inline constexpr uint64_t kRingMagic = 0x474e4952'5057'4d4dull;  // "MMWPRING"
// 2: 64 KiB header with heap counters; 3: per-thread rings (thread_ring_count, ThreadRing);
// 4: sampled mode's caller tables (caller_table_entries, CallerTotalsEntry)
inline constexpr uint32_t kRingLayoutVersion = 4;
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
  // --buffers per-thread: how many ThreadRings follow the shared data area, and the data
  // capacity of each (0 and 0 for --buffers per-process).
  uint32_t thread_ring_count;
  // Sampled mode: kCallerTableEntries, and the caller tables follow the thread rings; else 0.
  uint32_t caller_table_entries;
  uint64_t thread_ring_capacity;
  uint8_t pad0[24];

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
  // Of free_count, the releases of a realloc's old block (the rest are free() calls).
  std::atomic<uint64_t> realloc_releases;
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

// Sampled mode's caller tables: exact allocation calls and bytes per calling instruction
// (records.h, CallerTotalsRecord), so that a report's call sites need not be estimated from
// the samples. One table per HeapCounterSlot (slot i owns table i), in the same memfd so that
// the collector reads them after the image ended, however it ended (exit, exec, SIGKILL).
//
// Who writes what
//  * The slot's owner only, like the slot's counters: at each allocation it finds the entry of
//    its caller's return address (multiplicative hash, kCallerTableProbes linear probes) and
//    adds 1 and the requested size with plain relaxed stores; a free entry (address 0) takes
//    the address. An address that finds neither its entry nor a free one within the probes
//    evicts the probed entry with the fewest calls: the shim sends that entry's figures as a
//    CALLER_TOTALS record through the ring before it reuses it, so no count is lost. The next
//    owner of the slot goes on adding to the same table: tables are cumulative like the slots.
//  * Threads on the overflow slot have no table: each of their calls goes out as a record.
//  * collector: reads the tables of the slots that ever counted (alloc_count != 0) once the
//    image ended, when nothing writes them any more, and turns every used entry into a record.
//    It distrusts them like everything else in the ring (they are only summed).
//
// Why in the ring and not in the thread: a thread-local table would have to be sent by its
// thread, which a killed process or an exec never lets it do.
struct CallerTotalsEntry {
  std::atomic<uint64_t> address;  // return address into the caller; 0: free
  std::atomic<uint64_t> calls;
  std::atomic<uint64_t> bytes;  // requested sizes
};
static_assert(sizeof(CallerTotalsEntry) == 24);
// 256 entries: 6 KiB per thread, which stay in the L1 cache beside the program's data; a
// program with more hot calling instructions per thread than that pays one record per
// eviction (a few per cent of its calls in the worst programs measured, docs/performance.md).
inline constexpr uint32_t kCallerTableEntries = 256;
inline constexpr uint32_t kCallerTableProbes = 4;
inline constexpr uint64_t kCallerTableBytes = kCallerTableEntries * sizeof(CallerTotalsEntry);
inline constexpr uint64_t kCallerTablesBytes = kHeapCounterSlots * kCallerTableBytes;

// Per-thread buffers (--buffers per-thread)
//
// Goal: a thread records its heap events without a read-modify-write on memory that other
// threads write (the shared ring's `head`), and the collector still hands every reader one
// stream per process whose order is a valid linearisation of the heap (records.h).
//
// Layout: ThreadRing i starts at kRingHeaderSize + capacity + i * (kThreadRingHeaderSize +
// thread_ring_capacity): a ThreadRingHeader (256 bytes), then thread_ring_capacity data bytes
// (a power of two). Records are stored back to back, without commit tags (one writer publishes
// `head`); a record may wrap around the end of the data area and is then copied in two pieces.
//
// Who writes what
//  * A thread claims a free ThreadRing at its first record (owner: 0 -> its tid,
//    compare-exchange, as for HeapCounterSlot) and is its only writer until it exits; its key
//    destructor gives the ring back (owner -> 0, release) after its last record. A thread that
//    finds no free ThreadRing (more than thread_ring_count threads at once), a thread that gave
//    its ring back at exit, and a thread that can read no clock (clockless_threads) write into
//    the shared ring instead, which works as described at the top of this file except that
//    each record's ts_ns is read after its slot was reserved (below).
//  * writer: head (release), busy, floor_ts, the data bytes between tail and
//    tail + capacity. collector: tail (release) only. The writer waits for space (block
//    mode: spinning, then sleeping on the shared consumer_seq like a shared-ring producer) or
//    drops the record (drop mode) BEFORE it marks itself busy, so it is never busy for longer
//    than it takes to copy one record.
//
// Writing one record (preload/thread_ring_producer.h):
//   1. wait for (or check) space;
//   2. busy.store(1, seq_cst) -- on x86-64 an xchg on the thread's own cache line, which also
//      orders the clock read below after the store;
//   3. ts = CLOCK_MONOTONIC (vDSO: an ordered TSC read, lfence;rdtsc or rdtscp), written into
//      the record's ts_ns (records.h: same side of the real call as before: an ALLOC's clock
//      is read after malloc returned, a FREE's before free runs) and into floor_ts (relaxed);
//   4. copy the record, head.store(head + size, release);
//   5. busy.store(0, release).
//
// The collector's merge (tracer/thread_ring_merge.h), each round:
//   a. C = CLOCK_MONOTONIC, then a fence (lfence on x86-64) so that the loads below run after
//      the clock was read;
//   b. the shared ring: h = head (acquire), drain it as usual up to its first uncommitted slot
//      at position u; shared floor = C if u >= h, else the C of the latest earlier round
//      whose h was <= u (every slot at or after that h was reserved after that round's clock,
//      and its ts_ns is read after its reservation);
//   c. each ThreadRing: b = busy (seq_cst), f = floor_ts, then head (acquire); copy out
//      [tail, head), validate, store tail (release). Its floor is f if b == 1, else none. A
//      round reads no more from the rings than it may write (the writers wait for room
//      instead); a ring with records left unread also bounds W by the first of them;
//   d. watermark W = min(C, shared floor, every busy ring's floor). Every record that was not
//      copied out in this round has ts_ns >= W (argument below). The records copied out so
//      far with ts_ns < W are emitted in ts_ns order (a k-way merge of the per-ring queues;
//      the shared ring's queue is first sorted by ts_ns, stably); the others wait.
//   e. At the image's end (final drain) everything that is left is emitted in the same order.
//
// Why an unseen record R of ThreadRing T has ts(R) >= W:
//   * If the collector's busy load returned 0 from before R's busy store, R's busy store and
//     therefore its clock read come after that load, which comes after C: ts(R) >= C >= W.
//   * If it returned 0 written after R (R's step 5 or a later record's), R's head store
//     happened before that, so the head load that follows sees R: R is not unseen.
//   * If it returned 1, f is a floor_ts value T's owner stored, i.e. the ts of a record it
//     published or is publishing; a thread's clock does not go back and a ring's next owner
//     claims it after the previous one gave it back, so ts(R) >= f >= W.
// And a record of the shared ring at position >= u is reserved after the head load of the
// round that gave the shared floor, hence after that round's C, and reads its clock after its
// reservation: ts >= shared floor >= W.
//
// Why ts_ns order is a valid linearisation: a FREE's clock is read before the real free() runs,
// an ALLOC's after malloc returned (likewise REALLOC_BEGIN/END, MUNMAP/MMAP, MREMAP_BEGIN/END),
// so when thread B receives an address that thread A freed, ts(A's FREE) < ts(B's ALLOC) on a
// clock that is monotonic across CPUs (CLOCK_MONOTONIC is). Equal times (a clock coarser than
// a free() plus a malloc()) are broken in favour of the record that takes a block out of the
// heap (FREE, REALLOC_BEGIN, MUNMAP, MREMAP_BEGIN), then by ring; a thread's own records keep
// their order (its clock is monotonic, and the merge never reorders one queue). A STACK
// record, which has no time, keeps its place behind the record before it in its ring.
// Records of clockless threads carry ts_ns 0 and are given the time the collector reads them
// (as in the shared ring): their order against other threads' records is then only as good as
// the collector's polling interval.
//
// The collector distrusts a ThreadRing as it distrusts the shared ring: it reads the count and
// capacity once (and checks them against the mapping's size), keeps its own tail, checks
// head - tail <= capacity and every record's size and type; a ring that fails stops being read
// (its remaining bytes are reported as LOST). Late or out-of-order times from a misbehaving
// shim only misplace records, never crash the merge.
inline constexpr uint64_t kThreadRingHeaderSize = 256;
inline constexpr uint32_t kMaxThreadRings = 1024;
inline constexpr uint32_t kDefaultThreadRings = 64;
inline constexpr uint64_t kMinThreadRingCapacity = 64 * 1024;
inline constexpr uint64_t kMaxThreadRingCapacity = 4ull << 20;

struct alignas(64) ThreadRingHeader {
  // The writer's line.
  std::atomic<uint32_t> owner;     // tid of the thread writing here, 0 when free
  std::atomic<uint32_t> busy;      // 1 from before the writer reads the clock until it published
  std::atomic<uint64_t> head;      // bytes published (never wraps)
  std::atomic<uint64_t> floor_ts;  // ts_ns of the last record the writer timed
  uint8_t pad0[40];
  // The collector's line.
  std::atomic<uint64_t> tail;  // bytes consumed
  uint8_t pad1[56];
  uint8_t pad2[128];
};
static_assert(sizeof(ThreadRingHeader) == kThreadRingHeaderSize);

// The data capacity of each ThreadRing for a shared ring of `capacity` bytes: an eighth of it,
// within [kMinThreadRingCapacity, kMaxThreadRingCapacity] (a power of two, as capacity is).
constexpr uint64_t ThreadRingCapacityFor(uint64_t capacity) {
  const uint64_t eighth = capacity / 8;
  return eighth < kMinThreadRingCapacity   ? kMinThreadRingCapacity
         : eighth > kMaxThreadRingCapacity ? kMaxThreadRingCapacity
                                           : eighth;
}

// Bytes of the whole memfd: header, shared data area, thread rings, caller tables (sampled
// mode: `caller_tables`).
constexpr uint64_t RingMappingBytes(uint64_t capacity, uint32_t thread_rings,
                                    uint64_t thread_ring_capacity, bool caller_tables = false) {
  return kRingHeaderSize + capacity +
         uint64_t(thread_rings) * (kThreadRingHeaderSize + thread_ring_capacity) +
         (caller_tables ? kCallerTablesBytes : 0);
}

// Where the caller tables start (right after the last thread ring).
constexpr uint64_t CallerTablesOffset(uint64_t capacity, uint32_t thread_rings,
                                      uint64_t thread_ring_capacity) {
  return RingMappingBytes(capacity, thread_rings, thread_ring_capacity);
}

// The hash of a caller's return address: the home entry of its table. Fibonacci hashing keeps
// the high bits, which the low bits of nearby call instructions all reach.
constexpr uint32_t CallerTableHome(uint64_t address) {
  return uint32_t((address * 0x9e3779b97f4a7c15ull) >> (64 - 8));
}
static_assert(kCallerTableEntries == 1u << 8);

constexpr uint64_t ThreadRingOffset(uint64_t capacity, uint64_t thread_ring_capacity, uint32_t i) {
  return kRingHeaderSize + capacity + uint64_t(i) * (kThreadRingHeaderSize + thread_ring_capacity);
}

constexpr bool IsValidRingCapacity(uint64_t capacity) {
  return capacity >= kMinRingCapacity && capacity <= kMaxRingCapacity &&
         (capacity & (capacity - 1)) == 0;
}

constexpr uint64_t CommitTag(uint64_t position) {
  return position ^ kCommitTagXor;
}

}  // namespace memwrap
