// The shared-memory ring: producer (shim_link/ring_producer.h) against consumer
// (tracer/collector/ring_consumer.h), in one process on an anonymous shared mapping.
#include <gtest/gtest.h>
#include <string.h>
#include <sys/mman.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "memwrap/records.h"
#include "shim_link/ring_producer.h"
#include "tracer/collector/ring_consumer.h"

namespace memwrap {
namespace {

class TestRing {
 public:
  explicit TestRing(uint64_t capacity) : size_(kRingHeaderSize + capacity) {
    mapping_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    InitRing(mapping_, capacity);
  }
  ~TestRing() { munmap(mapping_, size_); }
  void* mapping() const { return mapping_; }
  uint64_t size() const { return size_; }
  RingHeader* header() const { return static_cast<RingHeader*>(mapping_); }

 private:
  uint64_t size_;
  void* mapping_;
};

FreeRecord MakeFree(uint32_t tid, uint64_t sequence) {
  FreeRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kFree), 0};
  record.ts_ns = sequence;
  record.addr = sequence;
  record.tid = tid;
  return record;
}

// Decodes drained bytes back into FreeRecords.
std::vector<FreeRecord> AsFrees(const ByteBuffer& bytes) {
  std::vector<FreeRecord> out;
  for (size_t pos = 0; pos + sizeof(FreeRecord) <= bytes.size(); pos += sizeof(FreeRecord)) {
    FreeRecord record;
    memcpy(&record, bytes.data() + pos, sizeof(record));
    out.push_back(record);
  }
  return out;
}

TEST(Ring, ValidatesTheHeaderItWasSent) {
  TestRing ring(kMinRingCapacity);
  EXPECT_EQ(RingConsumer::Validate(ring.mapping(), ring.size()), "");
  EXPECT_NE(RingConsumer::Validate(ring.mapping(), ring.size() - 4096), "");
  ring.header()->capacity = kMinRingCapacity + 8;  // not a power of two
  EXPECT_NE(RingConsumer::Validate(ring.mapping(), ring.size()), "");
  ring.header()->capacity = kMinRingCapacity;
  ring.header()->magic = 0;
  EXPECT_NE(RingConsumer::Validate(ring.mapping(), ring.size()), "");
}

TEST(Ring, DeliversRecordsInOrderAcrossManyWrapArounds) {
  TestRing ring(kMinRingCapacity);
  RingProducer producer;
  producer.Attach(ring.mapping(), nullptr);
  RingConsumer consumer(ring.mapping());
  // 40 bytes per slot does not divide the capacity: records straddle the end of the data
  // area on most laps.
  const uint64_t total = 20 * kMinRingCapacity / (kSlotTagSize + sizeof(FreeRecord));
  uint64_t next_expected = 0;
  ByteBuffer out;
  for (uint64_t i = 0; i < total; ++i) {
    FreeRecord record = MakeFree(7, i);
    ASSERT_TRUE(producer.Write(&record, sizeof(record)));
    if (i % 1000 == 999) {
      out.clear();
      consumer.Drain(&out, SIZE_MAX);
      for (const FreeRecord& got : AsFrees(out)) ASSERT_EQ(got.addr, next_expected++);
    }
  }
  out.clear();
  consumer.Drain(&out, SIZE_MAX);
  for (const FreeRecord& got : AsFrees(out)) ASSERT_EQ(got.addr, next_expected++);
  EXPECT_EQ(next_expected, total);
  EXPECT_FALSE(consumer.damaged());
  EXPECT_EQ(consumer.UnreadBytes(), 0u);
}

TEST(Ring, ProducerWaitsWhenFullAndResumesWhenDrained) {
  TestRing ring(kMinRingCapacity);
  RingProducer producer;
  producer.Attach(ring.mapping(), nullptr);
  const uint64_t slot = kSlotTagSize + sizeof(FreeRecord);
  const uint64_t fits = kMinRingCapacity / slot;
  for (uint64_t i = 0; i < fits; ++i) {
    FreeRecord record = MakeFree(1, i);
    ASSERT_TRUE(producer.Write(&record, sizeof(record)));
  }
  // The ring is full: the next write must block until the consumer drains.
  std::atomic<bool> written{false};
  std::thread blocked([&] {
    FreeRecord record = MakeFree(1, fits);
    producer.Write(&record, sizeof(record));
    written = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(written.load()) << "a lossless ring must not accept a record it has no room for";
  RingConsumer consumer(ring.mapping());
  ByteBuffer out;
  consumer.Drain(&out, SIZE_MAX);
  blocked.join();
  EXPECT_TRUE(written.load());
  consumer.Drain(&out, SIZE_MAX);
  std::vector<FreeRecord> got = AsFrees(out);
  ASSERT_EQ(got.size(), fits + 1);
  for (uint64_t i = 0; i <= fits; ++i) EXPECT_EQ(got[i].addr, i);
}

TEST(Ring, GivesUpWaitingWhenTheConsumerIsGone) {
  TestRing ring(kMinRingCapacity);
  RingProducer producer;
  producer.Attach(ring.mapping(), [] { return false; });
  bool all_written = true;
  for (uint64_t i = 0; i < kMinRingCapacity / 8 && all_written; ++i) {
    FreeRecord record = MakeFree(1, i);
    all_written = producer.Write(&record, sizeof(record));
  }
  EXPECT_FALSE(all_written) << "with nobody draining, the producer must give up, not hang";
}

TEST(Ring, ConcurrentProducersLoseNothingAndKeepEachThreadsOrder) {
  TestRing ring(kMinRingCapacity);
  constexpr int kThreads = 4;
  constexpr uint64_t kPerThread = 200000;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      RingProducer producer;
      producer.Attach(ring.mapping(), nullptr);
      for (uint64_t i = 0; i < kPerThread; ++i) {
        FreeRecord record = MakeFree(uint32_t(t), i);
        producer.Write(&record, sizeof(record));
      }
    });
  }
  RingConsumer consumer(ring.mapping());
  std::map<uint32_t, uint64_t> next;
  uint64_t received = 0;
  ByteBuffer out;
  while (received < kThreads * kPerThread) {
    out.clear();
    consumer.Drain(&out, 1 << 20);
    for (const FreeRecord& got : AsFrees(out)) {
      ASSERT_LT(got.tid, uint32_t(kThreads));
      ASSERT_EQ(got.addr, next[got.tid]++) << "thread " << got.tid << " out of order";
      ++received;
    }
  }
  for (auto& producer : producers) producer.join();
  out.clear();
  EXPECT_EQ(consumer.Drain(&out, SIZE_MAX), 0u);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[uint32_t(t)], kPerThread);
  EXPECT_FALSE(consumer.damaged());
}

TEST(Ring, StopsAtAnUncommittedSlotAndCountsItAsUnread) {
  TestRing ring(kMinRingCapacity);
  RingProducer producer;
  producer.Attach(ring.mapping(), nullptr);
  FreeRecord record = MakeFree(1, 1);
  ASSERT_TRUE(producer.Write(&record, sizeof(record)));
  // A producer that reserved a slot and died before committing it.
  ring.header()->head.fetch_add(kSlotTagSize + sizeof(FreeRecord));
  RingConsumer consumer(ring.mapping());
  ByteBuffer out;
  EXPECT_EQ(consumer.Drain(&out, SIZE_MAX), sizeof(FreeRecord));
  EXPECT_EQ(consumer.UnreadBytes(), kSlotTagSize + sizeof(FreeRecord));
}

TEST(Ring, TreatsAHostileRecordAsDamageNotACrash) {
  TestRing ring(kMinRingCapacity);
  RingProducer producer;
  producer.Attach(ring.mapping(), nullptr);
  struct {
    RecordHeader h;
    uint64_t pad;
  } bogus{{16, uint16_t(RecordType::kStack), 0}, 100ull << 32};  // a STACK of depth 100 in
                                                                 // 16 bytes
  ASSERT_TRUE(producer.Write(&bogus, sizeof(bogus)));
  FreeRecord record = MakeFree(1, 1);
  ASSERT_TRUE(producer.Write(&record, sizeof(record)));
  RingConsumer consumer(ring.mapping());
  ByteBuffer out;
  EXPECT_EQ(consumer.Drain(&out, SIZE_MAX), 0u);
  EXPECT_TRUE(consumer.damaged());
  EXPECT_GT(consumer.UnreadBytes(), 0u);

  // An absurd size behind a valid tag, too.
  TestRing ring2(kMinRingCapacity);
  uint8_t* data = static_cast<uint8_t*>(ring2.mapping()) + kRingHeaderSize;
  RecordHeader huge{0x7ffffff8, uint16_t(RecordType::kFree), 0};
  memcpy(data + kSlotTagSize, &huge, sizeof(huge));
  uint64_t tag = CommitTag(0);
  memcpy(data, &tag, sizeof(tag));
  ring2.header()->head = 64;
  RingConsumer consumer2(ring2.mapping());
  EXPECT_EQ(consumer2.Drain(&out, SIZE_MAX), 0u);
  EXPECT_TRUE(consumer2.damaged());
}

// A shim sends its thread's own counts (THREAD_HEAP_COUNTERS); a slot's sums are the
// collector's to read (records.h). A record from the ring that claims to be a slot total would
// be added to the figures twice by the analyzer: it is damage, and nothing after it is read.
TEST(Ring, RefusesASlotTotalSentByAShim) {
  ThreadHeapCountersRecord own{};
  own.h = {sizeof(own), uint16_t(RecordType::kThreadHeapCounters), 0};
  own.tid = 7;
  own.alloc_count = 3;
  {
    TestRing ring(kMinRingCapacity);
    RingProducer producer;
    producer.Attach(ring.mapping(), nullptr);
    ASSERT_TRUE(producer.Write(&own, sizeof(own)));
    RingConsumer consumer(ring.mapping());
    ByteBuffer out;
    EXPECT_EQ(consumer.Drain(&out, SIZE_MAX), sizeof(own));
    EXPECT_FALSE(consumer.damaged());
  }
  ThreadHeapCountersRecord total = own;
  total.h.flags = kThreadHeapCountersSlotTotal;
  TestRing ring(kMinRingCapacity);
  RingProducer producer;
  producer.Attach(ring.mapping(), nullptr);
  ASSERT_TRUE(producer.Write(&own, sizeof(own)));
  ASSERT_TRUE(producer.Write(&total, sizeof(total)));
  FreeRecord after = MakeFree(1, 1);
  ASSERT_TRUE(producer.Write(&after, sizeof(after)));
  RingConsumer consumer(ring.mapping());
  ByteBuffer out;
  EXPECT_EQ(consumer.Drain(&out, SIZE_MAX), sizeof(own));  // the record before it only
  EXPECT_TRUE(consumer.damaged());
  EXPECT_NE(consumer.damage().find("malformed record of type 33"), std::string::npos)
      << consumer.damage();
}

}  // namespace
}  // namespace memwrap
