// The exact breakdown at the peak, found in one pass, on a hand-made trace whose peak moves.
#include "peak_analysis.h"

#include <gtest/gtest.h>
#include <string.h>

#include "test_support.h"
#include "tracefile/trace_writer.h"

namespace memwrap {
namespace {

class TraceBuilder {
 public:
  void Start() {
    ProcessStartRecord start{};
    const char strings[] = "/bin/app\0app\0";
    start.h = {AlignRecordSize(sizeof(start) + sizeof(strings)), uint16_t(RecordType::kProcessStart), 0};
    start.ts_ns = ++ts_;
    start.pid = 7;
    start.exe_size = 9;
    start.cmdline_size = 4;
    Append(&start, sizeof(start));
    Append(strings, sizeof(strings));
    bytes_.resize(AlignRecordSize(bytes_.size()), 0);
  }
  void Alloc(uint64_t addr, uint64_t size, StackId stack) {
    AllocRecord r{};
    r.h = {sizeof(r), uint16_t(RecordType::kAlloc), 0};
    r.ts_ns = ++ts_;
    r.addr = addr;
    r.size = size;
    r.tid = 7;
    r.stack = stack;
    Append(&r, sizeof(r));
  }
  void Free(uint64_t addr) {
    FreeRecord r{};
    r.h = {sizeof(r), uint16_t(RecordType::kFree), 0};
    r.ts_ns = ++ts_;
    r.addr = addr;
    r.tid = 7;
    Append(&r, sizeof(r));
  }
  void Stack(StackId id, const std::vector<uint64_t>& frames) {
    StackRecord r{};
    r.h = {uint32_t(sizeof(r) + 8 * frames.size()), uint16_t(RecordType::kStack), 0};
    r.id = id;
    r.depth = uint32_t(frames.size());
    Append(&r, sizeof(r));
    Append(frames.data(), 8 * frames.size());
  }
  void StackSample(StackId stack) {
    StackSampleRecord r{};
    r.h = {sizeof(r), uint16_t(RecordType::kStackSample), 0};
    r.ts_ns = ++ts_;
    r.tid = 7;
    r.stack = stack;
    Append(&r, sizeof(r));
  }
  void Write(const std::string& path) {
    TraceWriter writer(path);
    writer.WriteRecords(7, bytes_.data(), bytes_.size());
  }

 private:
  void Append(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  std::vector<uint8_t> bytes_;
  uint64_t ts_ = 1000;
};

TEST(PeakAnalysis, BreakdownIsTheOneAtTheFinalPeakInOnePass) {
  test_support::ScratchDir dir;
  TraceBuilder trace;
  trace.Start();
  trace.Alloc(0x100, 100, 1);  // 100
  trace.Alloc(0x200, 50, 2);   // 150: a first peak
  trace.Free(0x100);           // 50
  trace.Alloc(0x300, 30, 1);   // 80
  trace.Alloc(0x400, 200, 2);  // 280: the final peak (stack 1: 30 in 1 block; 2: 250 in 2)
  trace.Free(0x400);           // 80: changes after the peak must not leak into it
  trace.Free(0x200);
  trace.Alloc(0x500, 10, 1);
  trace.Alloc(0x600, 60, 3);   // 100
  trace.Write(dir.File("t.mwt"));

  TraceReader reader(dir.File("t.mwt"));
  TraceStream stream(&reader);
  HeapAnalysis analysis = AnalyzeHeap(stream, 0);
  EXPECT_EQ(analysis.peak_bytes, 280u);
  EXPECT_EQ(analysis.peak_blocks, 3u);
  ASSERT_EQ(analysis.live_at_peak.size(), 2u);
  const StackUsage one = analysis.live_at_peak.at({1, 1});
  const StackUsage two = analysis.live_at_peak.at({1, 2});
  EXPECT_EQ(one.bytes, 30u);
  EXPECT_EQ(one.blocks, 1u);
  EXPECT_EQ(two.bytes, 250u);
  EXPECT_EQ(two.blocks, 2u);
  EXPECT_EQ(analysis.live_at_peak.count({1, 3}), 0u) << "stack 3 was born after the peak";
}

TEST(PeakAnalysis, StackSamplesAreCountedByStackAndFailedUnwindsApart) {
  test_support::ScratchDir dir;
  TraceBuilder trace;
  trace.Start();
  const StackId busy = kTracerStackIdBit | 1, idle = kTracerStackIdBit | 2;
  trace.Stack(busy, {0x1001, 0x2002});
  trace.Stack(idle, {0x3003});
  trace.Alloc(0x100, 100, 1);  // heap records beside samples are unaffected
  for (int i = 0; i < 3; ++i) trace.StackSample(busy);
  trace.StackSample(idle);
  trace.StackSample(kNoStack);  // an unwind that failed
  trace.Write(dir.File("t.mwt"));

  TraceReader reader(dir.File("t.mwt"));
  TraceStream stream(&reader);
  HeapAnalysis analysis = AnalyzeHeap(stream, 0);
  EXPECT_EQ(analysis.peak_bytes, 100u);
  EXPECT_EQ(analysis.stack_samples_total, 5u);
  EXPECT_EQ(analysis.stack_samples_failed, 1u);
  ASSERT_EQ(analysis.stack_samples.size(), 2u);
  EXPECT_EQ(analysis.stack_samples.at({1, busy}), 3u);
  EXPECT_EQ(analysis.stack_samples.at({1, idle}), 1u);
  ASSERT_NE(analysis.catalog.Stack(1, busy), nullptr);
  EXPECT_EQ(analysis.catalog.Stack(1, busy)->size(), 2u);
}

}  // namespace
}  // namespace memwrap
