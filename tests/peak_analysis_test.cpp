// The exact breakdown at the peak, found in one pass, on a hand-made trace whose peak moves.
#include "analyzer/peak_analysis.h"

#include <errno.h>
#include <gtest/gtest.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "tests/synthetic_trace.h"
#include "tests/test_support.h"
#include "tracefile/trace_writer.h"

namespace memwrap {
namespace {

class TraceBuilder {
 public:
  void Start() {
    ProcessStartRecord start{};
    const char strings[] = "/bin/app\0app\0";
    start.h = {AlignRecordSize(sizeof(start) + sizeof(strings)),
               uint16_t(RecordType::kProcessStart), 0};
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
    writer.Finish();
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
  trace.Alloc(0x600, 60, 3);  // 100
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
  ASSERT_TRUE(analysis.catalog.Stack(1, busy).has_value());
  EXPECT_EQ(analysis.catalog.Stack(1, busy)->size(), 2u);
}

// A static program has no shim: its mappings come from the tracer's SYSCALL records, every
// mapping its calls made (its malloc's included). An image with the shim never counts its
// SYSCALL records: the shim's own records already hold its mappings.
TEST(PeakAnalysis, MappingsOfAnImageWithoutTheShimComeFromItsSystemCalls) {
  test_support::ScratchDir dir;
  constexpr uint64_t kPage = 4096;
  constexpr uint64_t a = 0x7f0000000000, b = 0x7f1000000000;
  test_support::SyntheticTrace trace(40);
  const uint64_t t = test_support::SyntheticTrace::Soon();
  auto call = [&](uint64_t at, uint32_t number, int64_t result, std::array<uint64_t, 6> args,
                  bool unfinished = false) {
    trace.Syscall(at, 1000, 40, number, result, unfinished, args);
  };
  trace.Start(t, "/bin/static", /*without_shim=*/true);
  call(t + 1, SYS_brk, 0x500000, {0});         // where the break starts: 0
  call(t + 2, SYS_brk, 0x521000, {0x521000});  // +33 pages
  call(t + 3, SYS_mmap, a, {0, 10 * kPage - 100, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS});
  call(t + 4, SYS_mmap, -ENOMEM, {0, 1ull << 40});  // failed: nothing mapped
  call(t + 5, SYS_mremap, b, {a, 10 * kPage, 30 * kPage, MREMAP_MAYMOVE});  // 33 + 30: the peak
  call(t + 6, SYS_munmap, 0, {b + kPage, kPage});                           // splits it: 33 + 29
  call(t + 7, SYS_munmap, 0, {b, 29 * kPage}, /*unfinished=*/true);         // not known to have run
  call(t + 8, SYS_brk, 0x510000, {0x510000});  // break down to +16: 16 + 29
  call(t + 9, SYS_getpid, 40, {});
  trace.Start(t + 10, "/bin/dynamic");  // exec: the static image ends; this one has the shim
  call(t + 11, SYS_mmap, a, {0, 100 * kPage});  // the shim's records count it
  trace.Write(dir.File("t.mwt"));

  TraceReader reader(dir.File("t.mwt"));
  TraceStream stream(&reader);
  HeapAnalysis analysis = AnalyzeHeap(stream, 0);
  EXPECT_EQ(analysis.peak_mapped_bytes, 63 * kPage);
  EXPECT_EQ(analysis.peak_mapped_ts_ns, t + 5);
  EXPECT_EQ(analysis.peak_mapped_by_image.at(1), 63 * kPage);
  const MappingCounters& counters = analysis.mapping_counters_by_image.at(1);
  EXPECT_EQ(counters.mmaps, 1u);
  EXPECT_EQ(counters.munmaps, 1u);
  EXPECT_EQ(counters.mremaps, 1u);
  EXPECT_EQ(counters.brks, 2u);
  EXPECT_EQ(counters.bytes_mapped, 30 * kPage);  // 10 pages mapped, 20 grown
  EXPECT_EQ(analysis.peak_mapped_by_image.count(2) == 0 ? 0 : analysis.peak_mapped_by_image.at(2),
            0u);
  EXPECT_EQ(analysis.mapping_totals.mmaps, 1u);
}

}  // namespace
}  // namespace memwrap
