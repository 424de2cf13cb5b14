#include "peak_analysis.h"

#include "image_tracker.h"

#include <cmath>

namespace memwrap {

HeapAnalysis AnalyzeHeap(TraceStream& stream, uint64_t sample_bytes, uint32_t only_pid) {
  HeapAnalysis analysis;
  analysis.sampled = sample_bytes != 0;

  // Pass 1: the peak value and the ordinal of the record that first reached it.
  HeapReplay replay;
  MappingReplay mappings;
  ImageTracker tracker;
  uint64_t ordinal = 0, peak_ordinal = 0;
  // The latest RSS sample of each live image, and their sum (for the trace-wide peak).
  std::map<ImageId, std::pair<uint64_t, uint64_t>> last_rss;  // (rss, ts)
  uint64_t last_rss_sum = 0;
  stream.ForEach([&](uint32_t pid, const RecordView& record) {
    if (only_pid != 0 && pid != only_pid) return true;
    ++ordinal;
    analysis.catalog.Add(pid, record);
    ImageId ended;
    ImageId image = tracker.Track(pid, record, &ended);
    if (ended != 0) {
      if (auto heap = replay.images().find(ended); heap != replay.images().end()) {
        analysis.stats.ImageEnded(ended, heap->second);
      }
      replay.EndImage(ended);
      mappings.EndImage(ended);
      if (auto it = last_rss.find(ended); it != last_rss.end()) {
        last_rss_sum -= it->second.first;
        last_rss.erase(it);
      }
    }
    if (const auto* sample = record.As<MemorySampleRecord>();
        sample != nullptr && record.type == RecordType::kMemorySample && image != 0) {
      auto& [rss, ts] = last_rss[image];
      last_rss_sum = last_rss_sum - rss + sample->rss;
      rss = sample->rss;
      ts = sample->ts_ns;
      HeapAnalysis::ImageRss& info = analysis.rss_by_image[image];
      ++info.samples;
      if (sample->hwm > info.max_hwm) info.max_hwm = sample->hwm;
      return true;
    }
    analysis.stats.Observe(image, pid, record);
    bool changed = false;
    const uint64_t image_peak_before =
        image != 0 && replay.images().count(image) ? replay.images().at(image).peak_bytes : 0;
    if (replay.Apply(image, record)) {
      changed = true;
      uint64_t ts = 0;
      RecordTimestamp(record, &ts);
      if (replay.images().at(image).peak_bytes > image_peak_before) {
        if (auto it = last_rss.find(image); it != last_rss.end()) {
          HeapAnalysis::ImageRss& info = analysis.rss_by_image[image];
          info.at_heap_peak = it->second.first;
          info.at_heap_peak_age_ns = ts > it->second.second ? ts - it->second.second : 0;
          info.have_at_heap_peak = true;
        }
      }
      if (replay.live_bytes() > analysis.peak_bytes) {
        analysis.peak_bytes = replay.live_bytes();
        analysis.peak_ts_ns = ts;
        peak_ordinal = ordinal;
        analysis.rss_at_heap_peak = last_rss_sum;
        analysis.have_rss_at_heap_peak = !last_rss.empty();
      }
    } else if (mappings.Apply(image, record)) {
      changed = true;
      if (mappings.mapped_bytes() > analysis.peak_mapped_bytes) {
        analysis.peak_mapped_bytes = mappings.mapped_bytes();
        RecordTimestamp(record, &analysis.peak_mapped_ts_ns);
      }
    }
    if (changed && replay.live_bytes() + mappings.mapped_bytes() > analysis.peak_heap_and_mapped_bytes) {
      analysis.peak_heap_and_mapped_bytes = replay.live_bytes() + mappings.mapped_bytes();
      RecordTimestamp(record, &analysis.peak_heap_and_mapped_ts_ns);
    }
    return true;
  });
  // Images the trace does not see end (memwrap stopped first): live at the end of the trace.
  for (const auto& [image, heap] : replay.images()) {
    if (!heap.live.empty()) analysis.stats.ImageEnded(image, heap);
  }
  analysis.totals = replay.Totals();
  for (const auto& [image, heap] : replay.images()) {
    analysis.counters_by_image[image] = heap.counters;
    analysis.peak_by_image[image] = {heap.peak_bytes, heap.peak_ts_ns};
  }
  analysis.mapping_totals = mappings.Totals();
  for (const auto& [image, mapped] : mappings.images()) {
    analysis.peak_mapped_by_image[image] = mapped.peak_bytes;
    analysis.mapping_counters_by_image[image] = mapped.counters;
  }
  if (peak_ordinal == 0) return analysis;

  // Pass 2: the live set right after record number peak_ordinal.
  HeapReplay at_peak;
  ImageTracker tracker2;
  ordinal = 0;
  stream.ForEach([&](uint32_t pid, const RecordView& record) {
    if (only_pid != 0 && pid != only_pid) return true;
    ImageId ended;
    ImageId image = tracker2.Track(pid, record, &ended);
    if (ended != 0) at_peak.EndImage(ended);
    at_peak.Apply(image, record);
    return ++ordinal < peak_ordinal;
  });
  std::map<std::pair<ImageId, StackId>, std::pair<double, double>> estimates;
  for (const auto& [image, heap] : at_peak.images()) {
    for (const auto& [addr, block] : heap.live) {
      ++analysis.peak_blocks;
      if (!analysis.sampled) {
        StackUsage& usage = analysis.live_at_peak[{image, block.stack}];
        usage.bytes += block.size;
        ++usage.blocks;
      } else if (block.stack != kNoStack) {
        // A sampled block stands for all the blocks like it that were not sampled.
        double probability = -std::expm1(-double(block.size) / double(sample_bytes));
        if (probability <= 0) continue;
        auto& [bytes, blocks] = estimates[{image, block.stack}];
        bytes += double(block.size) / probability;
        blocks += 1.0 / probability;
      }
    }
  }
  for (const auto& [key, estimate] : estimates) {
    analysis.live_at_peak[key] = {uint64_t(std::llround(estimate.first)),
                                  uint64_t(std::llround(estimate.second))};
  }
  return analysis;
}

}  // namespace memwrap
