#include "peak_analysis.h"

namespace memwrap {
namespace {

// Follows which image each pid runs, exactly as TraceCatalog numbers them (same order).
class ImageTracker {
 public:
  // Returns the image of `pid` after this record; sets *ended to the image whose heap is gone
  // (IMAGE_END, or a new image of the same pid).
  ImageId Track(uint32_t pid, const RecordView& record, ImageId* ended) {
    *ended = 0;
    if (record.type == RecordType::kImageEnd && record.As<ImageEndRecord>() != nullptr) {
      auto it = current_.find(pid);
      if (it != current_.end()) *ended = it->second;
      return *ended;
    }
    if (record.type == RecordType::kProcessStart && record.As<ProcessStartRecord>() != nullptr) {
      auto it = current_.find(pid);
      if (it != current_.end()) *ended = it->second;
      current_[pid] = ++last_;
      return last_;
    }
    auto it = current_.find(pid);
    return it == current_.end() ? 0 : it->second;
  }

 private:
  std::map<uint32_t, ImageId> current_;
  ImageId last_ = 0;
};

}  // namespace

HeapAnalysis AnalyzeHeap(TraceStream& stream) {
  HeapAnalysis analysis;

  // Pass 1: the peak value and the ordinal of the record that first reached it.
  HeapReplay replay;
  ImageTracker tracker;
  uint64_t ordinal = 0, peak_ordinal = 0;
  stream.ForEach([&](uint32_t pid, const RecordView& record) {
    ++ordinal;
    analysis.catalog.Add(pid, record);
    ImageId ended;
    ImageId image = tracker.Track(pid, record, &ended);
    if (ended != 0) replay.EndImage(ended);
    if (replay.Apply(image, record) && replay.live_bytes() > analysis.peak_bytes) {
      analysis.peak_bytes = replay.live_bytes();
      RecordTimestamp(record, &analysis.peak_ts_ns);
      peak_ordinal = ordinal;
    }
    return true;
  });
  analysis.totals = replay.Totals();
  for (const auto& [image, heap] : replay.images()) {
    analysis.counters_by_image[image] = heap.counters;
    analysis.peak_by_image[image] = {heap.peak_bytes, heap.peak_ts_ns};
  }
  if (peak_ordinal == 0) return analysis;

  // Pass 2: the live set right after record number peak_ordinal.
  HeapReplay at_peak;
  ImageTracker tracker2;
  ordinal = 0;
  stream.ForEach([&](uint32_t pid, const RecordView& record) {
    ImageId ended;
    ImageId image = tracker2.Track(pid, record, &ended);
    if (ended != 0) at_peak.EndImage(ended);
    at_peak.Apply(image, record);
    return ++ordinal < peak_ordinal;
  });
  for (const auto& [image, heap] : at_peak.images()) {
    for (const auto& [addr, block] : heap.live) {
      StackUsage& usage = analysis.live_at_peak[{image, block.stack}];
      usage.bytes += block.size;
      ++usage.blocks;
      ++analysis.peak_blocks;
    }
  }
  return analysis;
}

}  // namespace memwrap
