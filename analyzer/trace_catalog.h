// What a trace says about its processes, apart from heap events: which images ran under which
// pid (a pid gets a new image at each exec), their modules, their interned stacks, how they
// ended, and what was lost. Filled by one pass over the TraceStream.
#pragma once

#include <stdint.h>
#include <string.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analyzer/caller_totals.h"
#include "analyzer/stack_store.h"
#include "memwrap/records.h"
#include "replay/image_id.h"
#include "symbols/symbolizer.h"
#include "tracefile/record_cursor.h"

namespace memwrap {

// One program image (image_id.h).
struct ProcessImage {
  ImageId id = 0;
  uint32_t pid = 0;
  uint32_t ppid = 0;
  uint64_t start_ts_ns = 0;
  std::string exe;
  std::vector<std::string> argv;
  std::vector<LoadedModule> modules;
  uint64_t untracked_nested_calls = 0;
  uint64_t stacks_not_interned = 0;
  bool has_shim = true;  // false: the tracer announced it (static, setuid; stracedrv)
  // Sampled mode (format 1.4 on): the shim's exact heap counters, as last read.
  std::optional<HeapCountersRecord> heap_counters;
  // Sampled mode (format 1.6 on): THREAD_HEAP_COUNTERS records, in trace order.
  std::vector<ThreadHeapCountersRecord> thread_counters;
  // Sampled mode (format 1.7 on): CALLER_TOTALS records, summed.
  ImageCallerTotals caller_totals;

  // The caller totals are exact (caller_totals.h): they add up to the final counters.
  bool CallerTotalsExact() const {
    return heap_counters && (heap_counters->h.flags & kHeapCountersFinal) != 0 &&
           (heap_counters->h.flags & kHeapCountersCounted) == 0 &&
           caller_totals.sum.calls == heap_counters->alloc_count &&
           caller_totals.sum.bytes == heap_counters->alloc_bytes &&
           !caller_totals.by_address.empty();
  }

  // argv joined by spaces (the executable's path when argv is unknown).
  std::string Command() const {
    std::string text;
    for (const std::string& arg : argv) text += (text.empty() ? "" : " ") + arg;
    return text.empty() ? exe : text;
  }
};

struct ProcessEnd {
  ExitKind kind = ExitKind::kUnknown;
  int32_t status = 0;
  uint64_t ts_ns = 0;
  uint64_t max_rss_bytes = 0;  // the program's peak RSS (VmHWM at exit), 0: not known
  // memwrap's own share left out of max_rss_bytes; unknown: it is in it
  std::optional<uint64_t> memwrap_rss_bytes;
};

class TraceCatalog {
 public:
  // Feeds one record (in TraceStream order). Heap events, nearly all of a trace, only move its
  // time span: inline, without the call and the switch of the other records.
  void Add(uint32_t pid, const RecordView& record) {
    const bool heap_event = record.type == RecordType::kAlloc || record.type == RecordType::kFree ||
                            record.type == RecordType::kReallocBegin ||
                            record.type == RecordType::kReallocEnd;
    if (heap_event && record.size >= sizeof(RecordHeader) + 8) {
      uint64_t ts;
      memcpy(&ts, record.data + sizeof(RecordHeader), sizeof(ts));
      if (first_ts_ns_ == 0 || ts < first_ts_ns_) first_ts_ns_ = ts;
      if (ts > last_ts_ns_) last_ts_ns_ = ts;
      return;
    }
    AddRecord(pid, record);
  }

  // The image a pid is running at this point of the stream (0 if none yet).
  ImageId CurrentImage(uint32_t pid) const;

  const std::vector<ProcessImage>& images() const { return images_; }  // index = id - 1
  const ProcessImage& image(ImageId id) const { return images_.at(id - 1); }
  // A stack's frames, innermost first; nullopt if the trace holds no STACK record for it.
  std::optional<StackStore::Frames> Stack(ImageId image, StackId stack) const {
    return stacks_.Find(image, stack);
  }
  std::optional<ProcessEnd> End(uint32_t pid) const;
  const std::map<uint32_t, ProcessEnd>& ends() const { return ends_; }

  uint64_t lost_records() const { return lost_records_; }
  uint64_t lost_bytes() const { return lost_bytes_; }
  uint64_t first_ts_ns() const { return first_ts_ns_; }
  uint64_t last_ts_ns() const { return last_ts_ns_; }

 private:
  void AddSampledCounts(uint32_t pid, const RecordView& record);
  void AddRecord(uint32_t pid, const RecordView& record);
  std::vector<ProcessImage> images_;
  std::map<uint32_t, ImageId> current_image_;
  StackStore stacks_;
  std::map<uint32_t, ProcessEnd> ends_;
  uint64_t lost_records_ = 0;
  uint64_t lost_bytes_ = 0;
  uint64_t first_ts_ns_ = 0;
  uint64_t last_ts_ns_ = 0;
};

}  // namespace memwrap
