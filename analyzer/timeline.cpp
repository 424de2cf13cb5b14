#include "analyzer/timeline.h"

#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "analyzer/call_sites.h"
#include "analyzer/library_calls.h"
#include "analyzer/sampled_weight.h"
#include "analyzer/system_samples.h"
#include "analyzer/trace_catalog.h"
#include "analyzer/trace_stream.h"
#include "memwrap/session_info_keys.h"
#include "memwrap/trace_format.h"
#include "replay/heap_replay.h"
#include "replay/image_tracker.h"
#include "replay/mapping_replay.h"
#include "tracefile/trace_reader.h"

namespace memwrap {
namespace {

constexpr uint64_t kDefaultStepNs = 10'000'000;

using StackKey = std::pair<ImageId, StackId>;

// What the timeline knows of one pid while it replays.
struct PidState {
  ImageId image = 0;
  std::optional<uint64_t> rss, pss;       // last sample of the current image
  std::map<StackKey, int64_t> deltas;     // heap change by stack since the last row
  std::vector<std::string> markers;       // since the last row
  std::map<std::string, uint64_t> calls;  // library calls (memwrap run --ltrace) since then
  bool gone = false;                      // its image ended and no other followed (yet)
  // Sampled-only traces: the live heap (usable bytes) of the image's last HEAP_COUNTERS.
  uint64_t counted_live = 0;
};

// The bytes a block stands for in the site deltas: its size, or in a sampled-only trace
// (sample_bytes != 0) the estimate size / P (sampled_weight.h).
int64_t Weighed(uint64_t size, uint64_t sample_bytes) {
  if (sample_bytes == 0) return int64_t(size);
  return int64_t(SampleWeight(size, sample_bytes).bytes + 0.5);
}

// Heap change of one record, by stack: + for a block entering, - for one leaving.
void NoteDelta(const RecordView& record, const ImageHeap* heap, std::map<StackKey, int64_t>* deltas,
               ImageId image, uint64_t sample_bytes) {
  auto live_stack = [&](uint64_t addr, LiveBlock* block) {
    if (heap == nullptr) return false;
    const LiveBlock* live = heap->live.Find(addr);
    if (live == nullptr) return false;
    *block = *live;
    return true;
  };
  LiveBlock block;
  switch (record.type) {
    case RecordType::kAlloc:
      if (const auto* alloc = record.As<AllocRecord>()) {
        (*deltas)[{image, alloc->stack}] += Weighed(alloc->size, sample_bytes);
      }
      return;
    case RecordType::kFree:
      if (const auto* free = record.As<FreeRecord>(); free && live_stack(free->addr, &block)) {
        (*deltas)[{image, block.stack}] -= Weighed(block.size, sample_bytes);
      }
      return;
    case RecordType::kReallocBegin:
      if (const auto* begin = record.As<ReallocBeginRecord>();
          begin && live_stack(begin->old_addr, &block)) {
        (*deltas)[{image, block.stack}] -= int64_t(block.size);
      }
      return;
    case RecordType::kReallocEnd:
      if (const auto* end = record.As<ReallocEndRecord>(); end && end->new_addr != 0) {
        (*deltas)[{image, end->stack}] += int64_t(end->size);
      }
      return;
    default:
      return;
  }
}

class TimelineBuilder {
 public:
  TimelineBuilder(const TimelineOptions& options, CallSiteResolver* resolver,
                  const TraceCatalog* catalog, Timeline* timeline, uint64_t origin_ns,
                  bool several_processes, uint64_t sample_bytes, bool counted)
      : options_(options),
        sample_bytes_(sample_bytes),
        counted_(counted || sample_bytes != 0),
        resolver_(resolver),
        catalog_(catalog),
        timeline_(timeline),
        origin_(origin_ns),
        several_(several_processes),
        next_row_(origin_ns + timeline->step_ns) {}

  void Add(uint32_t pid, const RecordView& record) {
    uint64_t ts = 0;
    if (RecordTimestamp(record, &ts)) {
      while (ts > next_row_) {
        EmitRows(next_row_, "step");
        next_row_ += timeline_->step_ns;
      }
      last_ts_ = std::max(last_ts_, ts);
    }
    ImageId ended;
    ImageId image = tracker_.Track(pid, record, &ended);
    PidState& state = pids_[pid];
    if (ended != 0) {
      heap_.EndImage(ended);
      mappings_.EndImage(ended);
      state.rss.reset();
      state.pss.reset();
    }
    state.image = image;
    if (record.type == RecordType::kImageEnd) state.gone = true;
    if (record.type == RecordType::kProcessStart) state.gone = false;
    switch (record.type) {
      case RecordType::kProcessStart:
        if (image != 0) {
          const std::string command = catalog_->image(image).Command();
          state.markers.push_back((ended != 0 ? "exec: " : "start: ") + command);
        }
        break;
      case RecordType::kProcessExit:
        if (ProcessExitRecord exit; record.Copy(&exit)) {
          state.markers.push_back(exit.kind == uint32_t(ExitKind::kSignaled)
                                      ? "exit: killed by signal " + std::to_string(exit.status)
                                      : "exit: " + std::to_string(exit.status));
        }
        break;
      case RecordType::kMark:
        if (const auto* mark = record.As<MarkRecord>();
            mark && sizeof(*mark) + uint64_t(mark->name_size) <= record.size &&
            mark->name_size > 0) {
          const char* name = reinterpret_cast<const char*>(record.data + sizeof(*mark));
          state.markers.push_back("mark: " + std::string(name, strnlen(name, mark->name_size)));
        }
        break;
      case RecordType::kStdoutLine:
        if (const auto* line = record.As<StdoutLineRecord>();
            line && sizeof(*line) + uint64_t(line->text_size) <= record.size &&
            line->text_size > 0) {
          const char* text = reinterpret_cast<const char*>(record.data + sizeof(*line));
          state.markers.push_back("stdout: " + std::string(text, strnlen(text, line->text_size)));
        }
        break;
      case RecordType::kHeapCounters:
        if (HeapCountersRecord counters; record.Copy(&counters)) {
          state.counted_live = counters.alloc_usable_bytes > counters.free_usable_bytes
                                   ? counters.alloc_usable_bytes - counters.free_usable_bytes
                                   : 0;
        }
        break;
      case RecordType::kMemorySample:
        if (MemorySampleRecord sample; record.Copy(&sample)) {
          state.rss = sample.rss;
          if ((record.flags & kMemorySampleWithoutPss) == 0) state.pss = sample.pss;
        }
        break;
      default:
        break;
    }
    if (LibraryCall call; calls_.Decode(pid, record, &call))
      ++state.calls[std::string(call.function)];
    if (image != 0) {
      auto heap = heap_.images().find(image);
      NoteDelta(record, heap == heap_.images().end() ? nullptr : &heap->second, &state.deltas,
                image, sample_bytes_);
      heap_.Apply(image, record);
      mappings_.Apply(image, record);
    }
    // The replay's total is the samples' (or the kept allocations') in a sampled-only (or
    // filtered) trace: no spike rows from it.
    if (!counted_ && heap_.live_bytes() > interval_max_) {
      interval_max_ = heap_.live_bytes();
      interval_max_ts_ = ts;
      interval_max_mapped_ = mappings_.mapped_bytes();
      interval_max_rss_ = TotalRss();
    }
  }

  void Finish() { EmitRows(std::max(last_ts_, next_row_ - timeline_->step_ns), "end"); }

 private:
  std::optional<uint64_t> TotalRss() const {
    std::optional<uint64_t> total;
    for (const auto& [pid, state] : pids_) {
      if (state.rss) total = total.value_or(0) + *state.rss;
    }
    return total;
  }

  std::vector<TimelineSite> TopSites(const std::map<StackKey, int64_t>& deltas) {
    std::map<std::tuple<std::string, std::string, uint32_t>, TimelineSite> by_site;
    for (const auto& [key, delta] : deltas) {
      if (delta == 0) continue;
      SourceFrame location = resolver_->SiteOf(key.first, key.second);
      TimelineSite& site = by_site[{location.function, location.file, location.line}];
      site.location = location;
      site.delta_bytes += delta;
    }
    std::vector<TimelineSite> sites;
    for (auto& [key, site] : by_site) {
      if (site.delta_bytes != 0) sites.push_back(site);
    }
    std::stable_sort(sites.begin(), sites.end(), [](const TimelineSite& a, const TimelineSite& b) {
      return std::llabs(a.delta_bytes) > std::llabs(b.delta_bytes);
    });
    if (sites.size() > options_.sites_per_row) sites.resize(options_.sites_per_row);
    return sites;
  }

  // "calls: readdir 8, opendir 1": the library calls of one row, most frequent first.
  static std::string CallsMarker(const std::map<std::string, uint64_t>& calls) {
    std::vector<std::pair<std::string, uint64_t>> sorted(calls.begin(), calls.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    std::string marker = "calls:";
    for (size_t i = 0; i < sorted.size(); ++i) {
      marker += (i == 0 ? " " : ", ") + sorted[i].first + " " + std::to_string(sorted[i].second);
    }
    return marker;
  }

  uint64_t Since(uint64_t ts) const { return ts > origin_ ? ts - origin_ : 0; }

  void EmitRows(uint64_t at, const char* kind) {
    uint64_t total_heap = heap_.live_bytes();
    if (counted_) {
      total_heap = 0;
      for (const auto& [pid, state] : pids_) total_heap += state.counted_live;
    }
    // A spike between two rows gets a row of its own, at its exact instant.
    if (interval_max_ > previous_total_ && interval_max_ > total_heap) {
      TimelineRow peak;
      peak.time_ns = Since(interval_max_ts_);
      peak.pid = several_ ? 0 : (pids_.empty() ? 0 : pids_.begin()->first);
      peak.kind = "peak";
      peak.heap_bytes = interval_max_;
      peak.mapped_bytes = interval_max_mapped_;
      peak.rss_bytes = interval_max_rss_;
      timeline_->rows.push_back(peak);
    }
    std::map<StackKey, int64_t> all_deltas;
    std::vector<std::string> all_markers;
    for (auto& [pid, state] : pids_) {
      if (!state.calls.empty()) state.markers.push_back(CallsMarker(state.calls));
      state.calls.clear();
      TimelineRow row;
      row.time_ns = Since(at);
      row.pid = pid;
      row.kind = kind;
      if (counted_) {
        row.heap_bytes = state.counted_live;
      } else if (auto heap = heap_.images().find(state.image); heap != heap_.images().end()) {
        row.heap_bytes = heap->second.live_bytes;
      }
      if (auto mapped = mappings_.images().find(state.image); mapped != mappings_.images().end()) {
        row.mapped_bytes = mapped->second.mapped_bytes;
      }
      row.rss_bytes = state.rss;
      row.pss_bytes = state.pss;
      row.sites = TopSites(state.deltas);
      row.markers = state.markers;
      for (const auto& [key, delta] : state.deltas) all_deltas[key] += delta;
      all_markers.insert(all_markers.end(), state.markers.begin(), state.markers.end());
      state.deltas.clear();
      state.markers.clear();
      if (!several_)
        timeline_->rows.push_back(std::move(row));
      else
        per_pid_rows_.push_back(std::move(row));
    }
    if (several_) {
      TimelineRow total;
      total.time_ns = Since(at);
      total.kind = kind;
      total.heap_bytes = total_heap;
      total.mapped_bytes = mappings_.mapped_bytes();
      total.rss_bytes = TotalRss();
      for (const auto& [pid, state] : pids_) {
        if (state.pss) total.pss_bytes = total.pss_bytes.value_or(0) + *state.pss;
      }
      total.sites = TopSites(all_deltas);
      total.markers = all_markers;
      timeline_->rows.push_back(std::move(total));
      for (TimelineRow& row : per_pid_rows_) timeline_->rows.push_back(std::move(row));
      per_pid_rows_.clear();
    }
    // A process that is gone has had its last row (the one with its exit marker).
    for (auto it = pids_.begin(); it != pids_.end();) {
      it = it->second.gone ? pids_.erase(it) : std::next(it);
    }
    previous_total_ = total_heap;
    interval_max_ = total_heap;
    interval_max_ts_ = at;
    interval_max_mapped_ = mappings_.mapped_bytes();
    interval_max_rss_ = TotalRss();
  }

  const TimelineOptions& options_;
  uint64_t sample_bytes_;  // sampled-only trace: its sampler's mean; 0 otherwise
  bool counted_;           // the heap is HEAP_COUNTERS' (sampled-only or filtered trace)
  CallSiteResolver* resolver_;
  const TraceCatalog* catalog_;
  Timeline* timeline_;
  uint64_t origin_;
  bool several_;
  uint64_t next_row_;
  uint64_t last_ts_ = 0;
  ImageTracker tracker_;
  LibraryCallDecoder calls_;
  HeapReplay heap_;
  MappingReplay mappings_;
  std::map<uint32_t, PidState> pids_;
  std::vector<TimelineRow> per_pid_rows_;
  uint64_t previous_total_ = 0;
  uint64_t interval_max_ = 0;
  uint64_t interval_max_ts_ = 0;
  uint64_t interval_max_mapped_ = 0;
  std::optional<uint64_t> interval_max_rss_;
};

}  // namespace

Timeline BuildTimeline(const std::string& trace_path, const TimelineOptions& options) {
  TraceReader reader(trace_path);
  TraceStream stream(&reader);
  RefuseSystemLog(trace_path, stream.session_info());  // `memwrap timeline` reads those itself
  Timeline timeline;
  timeline.trace_path = trace_path;
  timeline.warnings = stream.warnings();
  timeline.step_ns = options.step_ns;
  if (timeline.step_ns == 0) {
    auto interval = stream.session_info().find(session_key::kSampleIntervalNs);
    if (interval != stream.session_info().end()) {
      timeline.step_ns = strtoull(interval->second.c_str(), nullptr, 10);
    }
  }
  if (timeline.step_ns == 0) timeline.step_ns = kDefaultStepNs;

  // Pass 1: the processes and their modules, for symbols; whether there are several.
  TraceCatalog catalog;
  std::map<uint32_t, bool> pids;
  stream.ForEach([&](uint32_t pid, const RecordView& record) {
    catalog.Add(pid, record);
    pids[pid] = true;
    return true;
  });
  CallSiteResolver resolver(catalog);
  // A sampled-only trace (format 1.4 on): heap from the shim's counters, sites estimated.
  uint64_t sample_bytes = 0;
  const auto& session = stream.session_info();
  if (auto stacks = session.find(session_key::kStacks),
      bytes = session.find(session_key::kSampleBytes);
      stacks != session.end() && stacks->second == "sampled" && bytes != session.end() &&
      stream.header().format_minor >= kFirstMinorWithSampledOnly) {
    sample_bytes = strtoull(bytes->second.c_str(), nullptr, 10);
  }
  if (sample_bytes != 0) {
    timeline.sampled = true;
    timeline.warnings.push_back(
        "sampled trace (--stacks=sampled): heap is the exact live heap in usable bytes from "
        "the shim's counters, read at each --interval (rows in between repeat the last "
        "reading; no rows at spikes between them); per-site changes are ESTIMATED from the "
        "samples (each weighed by 1/probability)");
  }
  // A filtered trace (--keep-stacks-if): heap from the collector's count of every event.
  if (auto kept = session.find(session_key::kKeepStacksIf); kept != session.end()) {
    timeline.filtered = true;
    timeline.warnings.push_back(
        "filtered trace (--keep-stacks-if '" + kept->second +
        "'): heap is the exact live heap "
        "counted from every event, read at each --interval (rows in between repeat the last "
        "reading; no rows at spikes between them: memwrap report gives the exact peak and its "
        "time); per-site changes cover the kept allocations only");
  }
  // Pass 2: replay, emitting rows as time passes.
  TimelineBuilder builder(options, &resolver, &catalog, &timeline,
                          stream.header().created_monotonic_ns, pids.size() > 1, sample_bytes,
                          timeline.filtered);
  stream.ForEach([&](uint32_t pid, const RecordView& record) {
    builder.Add(pid, record);
    return true;
  });
  builder.Finish();
  for (const TimelineRow& row : timeline.rows) {
    timeline.peak_heap_bytes = std::max(timeline.peak_heap_bytes, row.heap_bytes);
  }
  return timeline;
}

}  // namespace memwrap
