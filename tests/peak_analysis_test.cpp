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

}  // namespace
}  // namespace memwrap
