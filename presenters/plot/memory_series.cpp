#include "presenters/plot/memory_series.h"

#include <algorithm>
#include <map>
#include <vector>

#include "analyzer/downsample.h"
#include "analyzer/process_cursor.h"
#include "analyzer/trace_stream.h"
#include "presenters/export/heap_profile.h"
#include "presenters/plot/step_series.h"
#include "replay/heap_replay.h"
#include "replay/image_tracker.h"
#include "replay/mapping_replay.h"

namespace memwrap {
namespace {

using nlohmann::json;

json PointsJson(const std::vector<StepSeries::Point>& points) {
  json out = json::array();
  for (const auto& [time, value] : points) out.push_back({time, value});
  return out;
}

// Samples of one quantity (RSS or PSS): every sample's time and the sum of each live image's
// latest value then, reduced to the lowest and highest per pixel column (they are dots on the
// chart: which ones are drawn matters less than that the extremes are).
class SampledSum {
 public:
  void Set(ImageId image, uint64_t time, uint64_t value) {
    uint64_t& slot = latest_[image];
    sum_ = sum_ - slot + value;
    slot = value;
    times_.push_back(time);
    values_.push_back(sum_);
  }
  void Forget(ImageId image) {
    if (auto it = latest_.find(image); it != latest_.end()) {
      sum_ -= it->second;
      latest_.erase(it);
    }
  }
  size_t count() const { return times_.size(); }
  json Points(size_t columns) const {
    json out = json::array();
    for (size_t i : MinMaxPerBucket(times_, values_, columns))
      out.push_back({times_[i], values_[i]});
    return out;
  }

 private:
  std::map<ImageId, uint64_t> latest_;
  uint64_t sum_ = 0;
  std::vector<uint64_t> times_, values_;
};

}  // namespace

json BuildMemorySeries(HeapProfile& profile, uint64_t duration_ns, size_t columns) {
  const uint64_t origin = profile.origin_ns();
  auto since = [origin](uint64_t ts) { return ts > origin ? ts - origin : 0; };
  HeapReplay heap;
  MappingReplay mappings;
  ImageTracker tracker;
  StepSeries heap_steps(duration_ns, columns), mapped_steps(duration_ns, columns);
  SampledSum rss, pss;
  // A sampled-only trace's events are the samples: its heap is the shim's counters, read at
  // each interval (HEAP_COUNTERS: live usable bytes), drawn as the readings they are.
  const bool counted = profile.sampled_only() || profile.filtered();
  SampledSum counted_heap;
  uint64_t now = 0;
  profile.stream().ForEachRecord(
      [&](uint32_t pid, const RecordView& record) {
        // Threads publish in batches, so the order can step back in time a little: such a
        // record counts at the latest time seen (as in the instant index).
        if (uint64_t ts; RecordTimestamp(record, &ts)) now = std::max(now, since(ts));
        ImageId ended;
        const ImageId image = tracker.Track(pid, record, &ended);
        if (ended != 0) {
          // A process that exec'd or ended releases its heap and mappings at once.
          heap.EndImage(ended);
          mappings.EndImage(ended);
          heap_steps.Add(now, heap.live_bytes());
          mapped_steps.Add(now, mappings.mapped_bytes());
          rss.Forget(ended);
          pss.Forget(ended);
          counted_heap.Forget(ended);
        }
        if (image == 0) return true;
        if (MemorySampleRecord sample;
            record.type == RecordType::kMemorySample && record.Copy(&sample)) {
          rss.Set(image, now, sample.rss);
          if ((record.flags & kMemorySampleWithoutPss) == 0) pss.Set(image, now, sample.pss);
        } else if (HeapCountersRecord counters;
                   record.type == RecordType::kHeapCounters && record.Copy(&counters)) {
          counted_heap.Set(image, now,
                           counters.alloc_usable_bytes > counters.free_usable_bytes
                               ? counters.alloc_usable_bytes - counters.free_usable_bytes
                               : 0);
        } else if (heap.Apply(image, record)) {
          heap_steps.Add(now, heap.live_bytes());
        } else if (mappings.Apply(image, record)) {
          mapped_steps.Add(now, mappings.mapped_bytes());
        }
        return true;
      },
      [&](uint32_t /*pid*/, const RecordView& ahead) { heap.Prefetch(ahead); });
  return {{"series",
           {{"heap",
             counted ? counted_heap.Points(columns) : PointsJson(heap_steps.Points(duration_ns))},
            {"mapped", PointsJson(mapped_steps.Points(duration_ns))},
            {"rss", rss.Points(columns)},
            {"pss", pss.Points(columns)}}},
          {"series_counts",
           {{"heap", counted ? counted_heap.count() : heap_steps.changes()},
            {"mapped", mapped_steps.changes()},
            {"rss", rss.count()},
            {"pss", pss.count()}}}};
}

}  // namespace memwrap
