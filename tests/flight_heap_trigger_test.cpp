// The flight recorder's heap> trigger judges the heap replay's figure (replay/heap_replay.h),
// the one `memwrap report` gives, on hand-made records where a heap replay of its own once
// disagreed: a REALLOC_END whose REALLOC_BEGIN is not in the stream (lost with a ring that
// overflowed) still frees the old block.
#include <gtest/gtest.h>

#include <vector>

#include "replay/heap_replay.h"
#include "replay/image_tracker.h"
#include "tests/test_support.h"
#include "tracer/flight/flight_recorder.h"

namespace memwrap {
namespace {

using test_support::FileExists;
using test_support::ScratchDir;

constexpr uint32_t kPid = 4242;

template <class T>
void Append(std::vector<uint8_t>* out, const T& record) {
  const auto* p = reinterpret_cast<const uint8_t*>(&record);
  out->insert(out->end(), p, p + sizeof(record));
}

// PROCESS_START (no executable, no command line), malloc(100) at 0x1000, then realloc of it to
// 50 bytes at 0x2000 of which only the REALLOC_END was recorded: the live heap is 50 bytes.
std::vector<uint8_t> ReallocWithoutBegin() {
  std::vector<uint8_t> records;
  ProcessStartRecord start{};
  start.h = {sizeof(start), uint16_t(RecordType::kProcessStart), 0};
  start.pid = kPid;
  Append(&records, start);
  AllocRecord alloc{};
  alloc.h = {sizeof(alloc), uint16_t(RecordType::kAlloc), 0};
  alloc.ts_ns = 1;
  alloc.addr = 0x1000;
  alloc.size = 100;
  alloc.tid = kPid;
  Append(&records, alloc);
  ReallocEndRecord end{};
  end.h = {sizeof(end), uint16_t(RecordType::kReallocEnd), uint16_t(AllocKind::kRealloc)};
  end.ts_ns = 2;
  end.old_addr = 0x1000;
  end.new_addr = 0x2000;
  end.size = 50;
  end.tid = kPid;
  Append(&records, end);
  return records;
}

// The live heap the analyzer's replay gives for `records` after each of them, the highest.
uint64_t ReplayedPeak(const std::vector<uint8_t>& records) {
  HeapReplay replay;
  ImageTracker images;
  uint64_t peak = 0;
  RecordCursor cursor(records.data(), records.size());
  for (RecordView view; cursor.TryNext(&view);) {
    ImageId ended;
    const ImageId image = images.Track(kPid, view, &ended);
    if (ended != 0) replay.EndImage(ended);
    replay.Apply(image, view);
    peak = std::max(peak, replay.live_bytes());
  }
  return peak;
}

// Whether a flight recorder with the single trigger heap>`bytes` fires on `records`.
bool HeapTriggerFires(const std::vector<uint8_t>& records, uint64_t bytes) {
  ScratchDir dir;
  FlightOptions options;
  FlightTrigger trigger;
  trigger.kind = FlightTrigger::Kind::kHeapAbove;
  trigger.bytes = bytes;
  trigger.text = "heap>" + std::to_string(bytes);
  options.triggers.push_back(trigger);
  options.output = dir.File("f.mwt");
  FlightRecorder recorder(options, {});
  recorder.WriteRecords(kPid, records.data(), records.size());
  recorder.Close(0);
  EXPECT_EQ(recorder.error(), "");
  EXPECT_EQ(FileExists(options.output), !recorder.dumps().empty());
  return !recorder.dumps().empty();
}

TEST(FlightHeapTrigger, FiresExactlyAboveTheReplayedPeak) {
  const std::vector<uint8_t> records = ReallocWithoutBegin();
  // malloc(100) makes 100 live bytes, the realloc leaves 50: the peak is 100.
  ASSERT_EQ(ReplayedPeak(records), 100u);
  EXPECT_TRUE(HeapTriggerFires(records, 99));
  EXPECT_FALSE(HeapTriggerFires(records, 100));
}

TEST(FlightHeapTrigger, AReallocEndWithoutItsBeginFreesTheOldBlock) {
  std::vector<uint8_t> records = ReallocWithoutBegin();
  // Then malloc(60) at 0x3000: 110 live bytes (50 + 60), not 210 had 0x1000 stayed live.
  AllocRecord alloc{};
  alloc.h = {sizeof(alloc), uint16_t(RecordType::kAlloc), 0};
  alloc.ts_ns = 3;
  alloc.addr = 0x3000;
  alloc.size = 60;
  alloc.tid = kPid;
  Append(&records, alloc);
  ASSERT_EQ(ReplayedPeak(records), 110u);
  EXPECT_TRUE(HeapTriggerFires(records, 109));
  EXPECT_FALSE(HeapTriggerFires(records, 110));
}

}  // namespace
}  // namespace memwrap
