#include "presenters/export/heap_profile.h"

#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>

#include "analyzer/system_samples.h"
#include "memwrap/session_info_keys.h"

namespace memwrap {

uint64_t MetricValue(const StackValues& values, StackMetric metric) {
  switch (metric) {
    case StackMetric::kPeak:
      return values.at_peak.bytes;
    case StackMetric::kAllocated:
      return values.allocated.bytes_allocated;
    case StackMetric::kLeaked:
      return values.leaked.bytes;
    case StackMetric::kAllocations:
      return values.allocated.allocations;
  }
  return 0;
}

bool ParseStackMetric(const std::string& name, StackMetric* metric) {
  if (name == "peak")
    *metric = StackMetric::kPeak;
  else if (name == "allocated")
    *metric = StackMetric::kAllocated;
  else if (name == "leaked")
    *metric = StackMetric::kLeaked;
  else if (name == "allocations")
    *metric = StackMetric::kAllocations;
  else
    return false;
  return true;
}

namespace {

// The mean of the Poisson sampling a trace was recorded with, 0 unless stacks were sampled
// (as the report reads it: report.cpp).
uint64_t SampleBytes(const std::map<std::string, std::string>& session) {
  auto stacks = session.find(session_key::kStacks);
  auto bytes = session.find(session_key::kSampleBytes);
  if (stacks == session.end() || stacks->second != "sampled" || bytes == session.end()) return 0;
  return strtoull(bytes->second.c_str(), nullptr, 10);
}

}  // namespace

HeapProfile::HeapProfile(const std::string& trace_path)
    : trace_path_(trace_path),
      reader_(std::make_unique<TraceReader>(trace_path)),
      stream_(std::make_unique<TraceStream>(reader_.get())) {
  RefuseSystemLog(reader_->path(), stream_->session_info());
  analysis_ = AnalyzeHeap(*stream_, SampleBytes(stream_->session_info()));
  resolver_ = std::make_unique<CallSiteResolver>(analysis_.catalog);
  std::map<std::pair<ImageId, StackId>, StackValues> by_key;
  auto entry = [&](const std::pair<ImageId, StackId>& key) -> StackValues& {
    StackValues& values = by_key[key];
    values.image = key.first;
    values.stack = key.second;
    return values;
  };
  for (const auto& [key, usage] : analysis_.live_at_peak) entry(key).at_peak = usage;
  for (const auto& [key, totals] : analysis_.stats.by_stack()) {
    StackTotals& allocated = entry(key).allocated;
    allocated = totals;
    if (analysis_.sampled_only) {
      // The samples stand for 1/P allocations each (sampled_weight.h).
      allocated.allocations = uint64_t(std::llround(totals.estimated_allocations));
      allocated.bytes_allocated = uint64_t(std::llround(totals.estimated_bytes));
    }
  }
  for (const auto& [key, usage] : analysis_.stats.leaked()) entry(key).leaked = usage;
  for (auto& [key, values] : by_key) stacks_.push_back(values);
  warnings_ = stream_->warnings();
  if (analysis_.sampled_only) {
    warnings_.push_back(
        "sampled trace (--stacks=sampled): only sampled allocations and their frees were "
        "recorded; every per-stack figure is ESTIMATED (each sample weighed by 1/probability); "
        "the heap over time comes from the exact counters read at each --interval, and the "
        "exact counts, totals and the peak (within its bound) are in `memwrap report`");
  }
  if (auto kept = stream_->session_info().find(session_key::kKeepStacksIf);
      kept != stream_->session_info().end()) {
    filtered_ = true;
    warnings_.push_back(
        "filtered trace (--keep-stacks-if '" + kept->second +
        "'): only the allocations it "
        "kept are in the trace, with their frees; every per-stack figure covers those only; the "
        "heap over time and the peak come from the exact counts of every event (read at each "
        "--interval), and the exact counts and totals are in `memwrap report`");
  }
}

uint64_t HeapProfile::FilteredPeakBytes() const {
  uint64_t peak = 0;
  for (const ProcessImage& image : analysis_.catalog.images()) {
    if (image.heap_counters) peak = std::max(peak, image.heap_counters->all_images_peak_bytes);
  }
  return peak;
}

uint64_t HeapProfile::FilteredPeakTsNs() const {
  uint64_t peak = 0, ts = 0;
  for (const ProcessImage& image : analysis_.catalog.images()) {
    if (image.heap_counters && image.heap_counters->all_images_peak_bytes > peak) {
      peak = image.heap_counters->all_images_peak_bytes;
      ts = image.heap_counters->all_images_peak_ts_ns;
    }
  }
  return ts;
}

uint64_t HeapProfile::CountedPeakBytes() const {
  uint64_t peak = 0;
  for (const ProcessImage& image : analysis_.catalog.images()) {
    if (image.heap_counters) peak = std::max(peak, image.heap_counters->peak_usable_bytes);
  }
  return peak;
}

uint64_t HeapProfile::CountedPeakBoundBytes() const {
  uint64_t peak = 0, bound = 0;
  for (const ProcessImage& image : analysis_.catalog.images()) {
    if (image.heap_counters && image.heap_counters->peak_usable_bytes >= peak) {
      peak = image.heap_counters->peak_usable_bytes;
      bound = image.heap_counters->peak_bound_bytes;
    }
  }
  return bound;
}

std::string HeapProfile::Command() const {
  if (!analysis_.catalog.images().empty()) return analysis_.catalog.images().front().Command();
  auto command = stream_->session_info().find(session_key::kCommand);
  return command == stream_->session_info().end() ? std::string() : command->second;
}

std::string FrameName(const SourceFrame& frame) {
  std::string name = frame.function;
  if (name.empty() || name == "??") {
    char address[32];
    snprintf(address, sizeof(address), "+0x%llx", static_cast<unsigned long long>(frame.address));
    name = (frame.module.empty() ? std::string("??") : frame.module) + address;
  }
  std::replace(name.begin(), name.end(), ';', ':');
  std::replace(name.begin(), name.end(), '\n', ' ');
  return name;
}

std::vector<std::string> HeapProfile::FoldedFrames(ImageId image, StackId stack) {
  std::vector<SourceFrame> frames = resolver_->Frames(image, stack);
  std::vector<std::string> names;
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) names.push_back(FrameName(*it));
  if (names.empty()) names.push_back("(no stack recorded)");
  return names;
}

}  // namespace memwrap
