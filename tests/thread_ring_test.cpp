// --buffers per-thread: the per-thread rings (preload/thread_ring_producer.h) against the
// collector's reader and merge (tracer/collector/process_ring_reader.h), in one process on an
// anonymous shared mapping: hand-built rings for the merge's rules (order by time, a busy writer
// holds the watermark, the final drain takes everything, the shared ring's fallback), then real
// writer threads that hand addresses to each other, replayed as the analyzer would.
#include <gtest/gtest.h>
#include <string.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "memwrap/monotonic_clock.h"
#include "memwrap/records.h"
#include "preload/thread_ring_producer.h"
#include "tracer/collector/process_ring_reader.h"

namespace memwrap {
namespace {

constexpr uint64_t kCapacity = kMinRingCapacity;
constexpr uint64_t kThreadCapacity = kMinThreadRingCapacity;

class TestRings {
 public:
  explicit TestRings(uint32_t thread_rings)
      : size_(RingMappingBytes(kCapacity, thread_rings, kThreadCapacity)) {
    mapping_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    InitRingWithThreadRings(mapping_, kCapacity, thread_rings, kThreadCapacity);
    shared_.Attach(mapping_, nullptr);
  }
  ~TestRings() { munmap(mapping_, size_); }
  void* mapping() const { return mapping_; }
  uint64_t size() const { return size_; }
  ThreadRingHeader* ring(uint32_t i) const { return ThreadRingAt(mapping_, i); }
  RingProducer& shared() { return shared_; }

 private:
  uint64_t size_;
  void* mapping_;
  RingProducer shared_;
};

// The time the next Write stamps (hand-built rings choose their records' times).
uint64_t g_next_time = 0;
uint64_t NextTime() {
  return g_next_time;
}
// The collector's clock in the hand-built cases.
uint64_t g_now = 0;
uint64_t Now() {
  return g_now;
}

void WriteAt(ThreadRingHeader* ring, const void* record, uint32_t size, uint64_t ts) {
  ThreadRingWriter writer(ring, kThreadCapacity);
  ASSERT_TRUE(writer.Fits(size));
  g_next_time = ts;
  writer.Write(record, size, NextTime);
}

FreeRecord Free(uint64_t addr, uint32_t tid) {
  FreeRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kFree), 0};
  record.addr = addr;
  record.tid = tid;
  record.ts_ns = 1;  // replaced by the writer's clock
  return record;
}

AllocRecord Alloc(uint64_t addr, uint32_t tid) {
  AllocRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kAlloc), 0};
  record.addr = addr;
  record.size = 16;
  record.tid = tid;
  record.ts_ns = 1;
  return record;
}

struct Seen {
  uint16_t type;
  uint64_t ts;
  uint64_t addr;
};

std::vector<Seen> Decode(const ByteBuffer& bytes) {
  std::vector<Seen> out;
  size_t at = 0;
  while (at + sizeof(RecordHeader) <= bytes.size()) {
    RecordHeader header;
    memcpy(&header, bytes.data() + at, sizeof(header));
    Seen seen{header.type, 0, 0};
    if (header.type == uint16_t(RecordType::kAlloc) || header.type == uint16_t(RecordType::kFree)) {
      memcpy(&seen.ts, bytes.data() + at + 8, 8);
      memcpy(&seen.addr, bytes.data() + at + 16, 8);
    }
    out.push_back(seen);
    at += header.size;
  }
  return out;
}

std::vector<uint64_t> Times(const ByteBuffer& bytes) {
  std::vector<uint64_t> out;
  for (const Seen& seen : Decode(bytes)) out.push_back(seen.ts);
  return out;
}

TEST(ThreadRings, ValidateChecksTheirLayout) {
  TestRings rings(4);
  EXPECT_EQ(ProcessRingReader::Validate(rings.mapping(), rings.size()), "");
  EXPECT_NE(ProcessRingReader::Validate(rings.mapping(), rings.size() - kThreadCapacity), "");
  auto* header = static_cast<RingHeader*>(rings.mapping());
  header->thread_ring_capacity = kThreadCapacity + 8;
  EXPECT_NE(ProcessRingReader::Validate(rings.mapping(), rings.size()), "");
  header->thread_ring_capacity = kThreadCapacity;
  header->thread_ring_count = kMaxThreadRings + 1;
  EXPECT_NE(ProcessRingReader::Validate(rings.mapping(), rings.size()), "");
}

TEST(ThreadRings, ClaimedOncePerThreadAndGivenBack) {
  TestRings rings(2);
  ThreadRingHeader* first = ClaimThreadRing(rings.mapping(), 101);
  ThreadRingHeader* second = ClaimThreadRing(rings.mapping(), 102);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first, second);
  EXPECT_EQ(ClaimThreadRing(rings.mapping(), 103), nullptr);  // the third thread falls back
  GiveBackThreadRing(first);
  EXPECT_EQ(ClaimThreadRing(rings.mapping(), 103), first);
  EXPECT_EQ(first->owner.load(), 103u);
}

TEST(ThreadRings, MergedByTimeWhateverTheOrderTheyArrive) {
  TestRings rings(3);
  ProcessRingReader reader(rings.mapping(), Now);
  ASSERT_TRUE(reader.per_thread());
  FreeRecord record = Free(0x1000, 1);
  WriteAt(rings.ring(0), &record, sizeof(record), 10);
  WriteAt(rings.ring(0), &record, sizeof(record), 30);
  WriteAt(rings.ring(2), &record, sizeof(record), 20);
  g_now = 100;
  ByteBuffer out;
  reader.Drain(&out, 1 << 20, false);
  EXPECT_EQ(Times(out), (std::vector<uint64_t>{10, 20, 30}));
  // Later records, written in the opposite order of their times.
  WriteAt(rings.ring(1), &record, sizeof(record), 45);
  WriteAt(rings.ring(2), &record, sizeof(record), 40);
  WriteAt(rings.ring(0), &record, sizeof(record), 35);
  g_now = 200;
  out.clear();
  reader.Drain(&out, 1 << 20, false);
  EXPECT_EQ(Times(out), (std::vector<uint64_t>{35, 40, 45}));
}

TEST(ThreadRings, NothingAtOrAfterTheCollectorsClockIsEmittedYet) {
  TestRings rings(2);
  ProcessRingReader reader(rings.mapping(), Now);
  FreeRecord record = Free(0x1000, 1);
  WriteAt(rings.ring(0), &record, sizeof(record), 10);
  WriteAt(rings.ring(1), &record, sizeof(record), 50);
  g_now = 50;  // a record read with a time not below the clock waits for the next round
  ByteBuffer out;
  reader.Drain(&out, 1 << 20, false);
  EXPECT_EQ(Times(out), (std::vector<uint64_t>{10}));
  g_now = 60;
  out.clear();
  reader.Drain(&out, 1 << 20, false);
  EXPECT_EQ(Times(out), (std::vector<uint64_t>{50}));
}

TEST(ThreadRings, ABusyWriterHoldsTheWatermarkAtItsFloor) {
  TestRings rings(2);
  ProcessRingReader reader(rings.mapping(), Now);
  FreeRecord record = Free(0x1000, 1);
  WriteAt(rings.ring(0), &record, sizeof(record), 20);
  WriteAt(rings.ring(1), &record, sizeof(record), 25);
  WriteAt(rings.ring(1), &record, sizeof(record), 30);
  // Ring 0's writer is between its clock read (25) and its head store.
  rings.ring(0)->busy.store(1);
  rings.ring(0)->floor_ts.store(25);
  g_now = 100;
  ByteBuffer out;
  reader.Drain(&out, 1 << 20, false);
  EXPECT_EQ(Times(out), (std::vector<uint64_t>{20}));
  // It publishes its record (time 25) and is done: everything goes, in order.
  rings.ring(0)->busy.store(0);
  WriteAt(rings.ring(0), &record, sizeof(record), 25);
  out.clear();
  reader.Drain(&out, 1 << 20, false);
  EXPECT_EQ(Times(out), (std::vector<uint64_t>{25, 25, 30}));
}

TEST(ThreadRings, TheFinalDrainTakesEverythingEvenBehindABusyWriter) {
  TestRings rings(2);
  ProcessRingReader reader(rings.mapping(), Now);
  FreeRecord record = Free(0x1000, 1);
  WriteAt(rings.ring(1), &record, sizeof(record), 40);
  WriteAt(rings.ring(0), &record, sizeof(record), 30);
  rings.ring(0)->busy.store(1);  // died in the middle of a record
  rings.ring(0)->floor_ts.store(5);
  g_now = 100;
  ByteBuffer out;
  reader.Drain(&out, 1 << 20, false);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(reader.UnreadBytes(), 2 * sizeof(FreeRecord));
  reader.Drain(&out, 1 << 20, true);
  EXPECT_EQ(Times(out), (std::vector<uint64_t>{30, 40}));
  EXPECT_EQ(reader.UnreadBytes(), 0u);
}

// The collector reads no more per round than it may write: a ring it could not read to its end
// holds the watermark at its first unread record, so another ring's later record waits.
TEST(ThreadRings, ARingReadOnlyInPartHoldsTheWatermarkAtItsFirstUnreadRecord) {
  TestRings rings(2);
  ProcessRingReader reader(rings.mapping(), Now);
  FreeRecord record = Free(0x1000, 1);
  for (uint64_t ts = 1; ts <= 300; ++ts) WriteAt(rings.ring(0), &record, sizeof(record), ts);
  WriteAt(rings.ring(1), &record, sizeof(record), 290);
  g_now = 1000;
  ByteBuffer out;
  reader.Drain(&out, kMaxRecordSize, false);  // 256 records of ring 0, none of ring 1
  std::vector<uint64_t> times = Times(out);
  ASSERT_EQ(times.size(), 256u);
  EXPECT_EQ(times.back(), 256u);
  out.clear();
  reader.Drain(&out, kMaxRecordSize, false);
  std::vector<uint64_t> rest = Times(out);
  times.insert(times.end(), rest.begin(), rest.end());
  EXPECT_EQ(times.size(), 301u);
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
}

TEST(ThreadRings, OnEqualTimesAFreeGoesBeforeAnAllocation) {
  TestRings rings(2);
  ProcessRingReader reader(rings.mapping(), Now);
  AllocRecord alloc = Alloc(0x2000, 1);
  FreeRecord free_record = Free(0x2000, 2);
  WriteAt(rings.ring(0), &alloc, sizeof(alloc), 50);
  WriteAt(rings.ring(1), &free_record, sizeof(free_record), 50);
  g_now = 100;
  ByteBuffer out;
  reader.Drain(&out, 1 << 20, true);
  std::vector<Seen> seen = Decode(out);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].type, uint16_t(RecordType::kFree));
  EXPECT_EQ(seen[1].type, uint16_t(RecordType::kAlloc));
}

TEST(ThreadRings, AStackRecordStaysBehindTheRecordBeforeIt) {
  TestRings rings(2);
  ProcessRingReader reader(rings.mapping(), Now);
  FreeRecord record = Free(0x1000, 1);
  alignas(8) uint8_t stack[sizeof(StackRecord) + 8] = {};
  auto* header = reinterpret_cast<StackRecord*>(stack);
  header->h = {sizeof(stack), uint16_t(RecordType::kStack), 0};
  header->id = 1;
  header->depth = 1;
  WriteAt(rings.ring(0), &record, sizeof(record), 10);
  WriteAt(rings.ring(0), stack, sizeof(stack), 999);  // a STACK's bytes 8-15 are not a time
  WriteAt(rings.ring(0), &record, sizeof(record), 30);
  WriteAt(rings.ring(1), &record, sizeof(record), 20);
  g_now = 100;
  ByteBuffer out;
  reader.Drain(&out, 1 << 20, false);
  std::vector<Seen> seen = Decode(out);
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].ts, 10u);
  EXPECT_EQ(seen[1].type, uint16_t(RecordType::kStack));
  EXPECT_EQ(seen[2].ts, 20u);
  EXPECT_EQ(seen[3].ts, 30u);
  StackRecord copied;
  memcpy(&copied, out.data() + sizeof(FreeRecord), sizeof(copied));
  EXPECT_EQ(copied.id, 1u);  // untouched by the writer's clock
}

TEST(ThreadRings, TheSharedRingIsSortedByTimeAndAnUnfinishedSlotHoldsItsFloor) {
  TestRings rings(1);
  ProcessRingReader reader(rings.mapping(), Now);
  // Two threads without a ring of their own: reserved in the opposite order of their times.
  FreeRecord late = Free(0x1000, 7);
  late.ts_ns = 40;
  FreeRecord early = Free(0x2000, 8);
  early.ts_ns = 35;
  ASSERT_TRUE(rings.shared().Write(&late, sizeof(late)));
  ASSERT_TRUE(rings.shared().Write(&early, sizeof(early)));
  FreeRecord own = Free(0x3000, 9);
  WriteAt(rings.ring(0), &own, sizeof(own), 38);
  g_now = 100;
  ByteBuffer out;
  reader.Drain(&out, 1 << 20, false);
  EXPECT_EQ(Times(out), (std::vector<uint64_t>{35, 38, 40}));
  // A producer reserves a slot after this round and has not committed it yet: it was
  // reserved after this round's clock (100), so that is its floor, whatever the clock says next.
  auto* header = static_cast<RingHeader*>(rings.mapping());
  const uint64_t open_slot = header->head.fetch_add(kSlotTagSize + sizeof(FreeRecord));
  WriteAt(rings.ring(0), &own, sizeof(own), 150);
  g_now = 200;
  out.clear();
  reader.Drain(&out, 1 << 20, false);
  EXPECT_TRUE(out.empty());
  // It commits its record, timed 120 (after its reservation).
  FreeRecord committed = Free(0x4000, 10);
  committed.ts_ns = 120;
  uint8_t* data = static_cast<uint8_t*>(rings.mapping()) + kRingHeaderSize;
  memcpy(data + ((open_slot + kSlotTagSize) & (kCapacity - 1)), &committed, sizeof(committed));
  reinterpret_cast<std::atomic<uint64_t>*>(data + (open_slot & (kCapacity - 1)))
      ->store(CommitTag(open_slot), std::memory_order_release);
  g_now = 300;
  out.clear();
  reader.Drain(&out, 1 << 20, false);
  EXPECT_EQ(Times(out), (std::vector<uint64_t>{120, 150}));
}

TEST(ThreadRings, ADamagedRingStopsAloneAndNothingCrashes) {
  TestRings rings(2);
  ProcessRingReader reader(rings.mapping(), Now);
  FreeRecord record = Free(0x1000, 1);
  WriteAt(rings.ring(1), &record, sizeof(record), 10);
  rings.ring(0)->head.store(kThreadCapacity * 3);  // beyond one capacity of its tail
  g_now = 100;
  ByteBuffer out;
  reader.Drain(&out, 1 << 20, false);
  EXPECT_TRUE(reader.damaged());
  EXPECT_NE(reader.damage().find("thread ring"), std::string::npos);
  EXPECT_EQ(Times(out), (std::vector<uint64_t>{10}));
  // A record with an impossible size in the other ring.
  uint64_t garbage[4] = {0xffffff0000000010ull, 0, 0, 0};
  memcpy(reinterpret_cast<uint8_t*>(rings.ring(1)) + kThreadRingHeaderSize + sizeof(record),
         garbage, sizeof(garbage));
  rings.ring(1)->head.store(sizeof(record) + sizeof(garbage));
  out.clear();
  reader.Drain(&out, 1 << 20, true);
  EXPECT_TRUE(out.empty());
}

// Real threads and the real clock: each "allocates" an address from a common pool (taken after
// the pool handed it out, as malloc returns it) and "frees" addresses that other threads
// allocated (recorded before the pool gets it back, as free). Replaying the merged stream must
// never see an address allocated twice or freed while not live: the two counters the
// analyzer's heap replay reports (untracked frees, replaced live blocks).
TEST(ThreadRings, HandedOverAddressesReplayWithoutAnAnomaly) {
  constexpr uint32_t kThreads = 4;
  constexpr int kOperations = 200000;
  constexpr uint64_t kAddresses = 64;
  TestRings rings(kThreads - 1);  // the last thread uses the shared ring
  rings.shared().RetimeAfterReservation(MonotonicNs);
  std::mutex pool_mutex;
  std::vector<uint64_t> pool;
  for (uint64_t i = 0; i < kAddresses; ++i) pool.push_back(0x10000 + 16 * i);
  std::mutex mailbox_mutex;
  std::vector<uint64_t> mailbox;  // allocated blocks waiting for another thread to free them
  std::atomic<int> done{0};

  auto worker = [&](uint32_t tid) {
    ThreadRingHeader* ring = ClaimThreadRing(rings.mapping(), tid);
    auto publish = [&](const void* record, uint32_t size) {
      if (ring == nullptr) {
        while (!rings.shared().Write(record, size)) {
        }
        return;
      }
      ThreadRingWriter writer(ring, kThreadCapacity);
      while (!writer.Fits(size)) std::this_thread::yield();
      writer.Write(record, size, MonotonicNs);
    };
    for (int i = 0; i < kOperations; ++i) {
      uint64_t to_free = 0;
      {
        std::lock_guard<std::mutex> lock(mailbox_mutex);
        if (!mailbox.empty() && (i & 1)) {
          to_free = mailbox.back();
          mailbox.pop_back();
        }
      }
      if (to_free != 0) {
        FreeRecord record = Free(to_free, tid);
        record.ts_ns = MonotonicNs();  // before the block goes back, as free() does
        publish(&record, sizeof(record));
        std::lock_guard<std::mutex> lock(pool_mutex);
        pool.push_back(to_free);
        continue;
      }
      uint64_t got = 0;
      {
        std::lock_guard<std::mutex> lock(pool_mutex);
        if (!pool.empty()) {
          got = pool.back();
          pool.pop_back();
        }
      }
      if (got == 0) continue;
      AllocRecord record = Alloc(got, tid);
      record.ts_ns = MonotonicNs();  // after the block was handed out, as malloc()'s
      publish(&record, sizeof(record));
      std::lock_guard<std::mutex> lock(mailbox_mutex);
      mailbox.push_back(got);
    }
    if (ring != nullptr) GiveBackThreadRing(ring);
    done.fetch_add(1);
  };

  ProcessRingReader reader(rings.mapping());
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < kThreads; ++t) threads.emplace_back(worker, 100 + t);
  ByteBuffer merged;
  while (done.load() < int(kThreads)) {
    reader.Drain(&merged, 4 << 20, false);
  }
  for (std::thread& thread : threads) thread.join();
  while (reader.Drain(&merged, 4 << 20, true) > 0) {
  }
  EXPECT_FALSE(reader.damaged());

  std::set<uint64_t> live;
  uint64_t allocs = 0, frees = 0, untracked_frees = 0, replaced = 0;
  for (const Seen& seen : Decode(merged)) {
    if (seen.type == uint16_t(RecordType::kAlloc)) {
      ++allocs;
      if (!live.insert(seen.addr).second) ++replaced;
    } else if (seen.type == uint16_t(RecordType::kFree)) {
      ++frees;
      if (live.erase(seen.addr) == 0) ++untracked_frees;
    }
  }
  EXPECT_GT(frees, uint64_t(kOperations / 4));
  EXPECT_EQ(allocs, frees + live.size());
  EXPECT_EQ(untracked_frees, 0u);
  EXPECT_EQ(replaced, 0u);
}

}  // namespace
}  // namespace memwrap
