#include "analyzer/peak_analysis.h"

#include "replay/huge_page_allocator.h"
#include "replay/image_tracker.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace memwrap {

namespace {

// The live bytes and blocks of every (image, stack) at the latest peak, kept in the one pass:
// each stack remembers its value from just before its first change after the latest peak (a
// lazy snapshot, taken only for stacks that change), so the breakdown at the final peak is
// exact without replaying the trace up to it again.
class PeakAttribution : public HeapObserver {
 public:
  PeakAttribution(uint64_t sample_bytes, const SiteTable* sites)
      : sample_bytes_(sample_bytes), sites_(sites) {}

  void Changed(ImageId /*image: the site says*/, const LiveBlock& block, int sign) override {
    live_blocks_ += sign;
    if (sample_bytes_ != 0) {
      ChangedSampled(block, sign);
      return;
    }
    Values& now = NowOf(block.site);
    // Bytes in unsigned (modular) arithmetic, exactly as HeapReplay sums the live total: the
    // sites then add up to the peak whatever sizes a (damaged) trace holds.
    now.bytes += sign > 0 ? block.size : uint64_t(0) - block.size;
    now.blocks += sign;
  }

  // The live set right now is the new peak.
  void NewPeak() {
    ++epoch_;
    live_blocks_at_peak_ = live_blocks_;
  }

  // The breakdown at the final peak, and the number of blocks live then (all of them, sampled
  // or not).
  void Collect(std::map<std::pair<ImageId, StackId>, StackUsage>* usage, uint64_t* blocks) const {
    *blocks = uint64_t(live_blocks_at_peak_);
    for (size_t site = 0; site < stacks_.size(); ++site) {
      const State& state = stacks_[site];
      const Values& at_peak = state.epoch == epoch_ ? state.at_peak : state.now;
      if (at_peak.blocks <= 0) continue;
      StackUsage use;
      if (sample_bytes_ != 0) {
        use.bytes = uint64_t(std::llround(at_peak.estimated_bytes));
        use.blocks = uint64_t(std::llround(at_peak.estimated_blocks));
        use.bytes_variance = std::max(0.0, at_peak.bytes_variance);
      } else {
        use.bytes = at_peak.bytes;
        use.blocks = uint64_t(at_peak.blocks);
      }
      (*usage)[{sites_->image_of(site), sites_->stack_of(site)}] = use;
    }
  }

 private:
  // Sampled stacks: a sampled block stands for all the blocks like it that were not sampled;
  // unsampled blocks are not attributed. Apart from the common path, which it would slow.
  __attribute__((noinline)) void ChangedSampled(const LiveBlock& block, int sign) {
    if (block.stack == kNoStack) return;
    const double probability = -std::expm1(-double(block.size) / double(sample_bytes_));
    if (probability <= 0) return;
    Values& now = NowOf(block.site);
    now.bytes += sign > 0 ? block.size : uint64_t(0) - block.size;
    now.blocks += sign;
    now.estimated_bytes += sign * double(block.size) / probability;
    now.estimated_blocks += sign / probability;
    now.bytes_variance += sign * (1 - probability) * (double(block.size) / probability) *
                          (double(block.size) / probability);
  }

  struct Values {
    uint64_t bytes = 0;          // live bytes (modular, like the live total)
    int64_t blocks = 0;          // live blocks
    double estimated_bytes = 0;  // sampled stacks: weighted by 1 / P(sampled)
    double estimated_blocks = 0;
    double bytes_variance = 0;  // of estimated_bytes (sampled_weight.h)
  };
  struct State {
    Values now, at_peak;
    uint64_t epoch = 0;
  };
  // The site's current values, after saving the ones it had at the latest peak if this is its
  // first change since.
  Values& NowOf(uint32_t site) {
    if (site >= stacks_.size()) stacks_.resize(std::max<size_t>(site + 1, 2 * stacks_.size()));
    State& state = stacks_[site];
    if (state.epoch != epoch_) {
      state.at_peak = state.now;
      state.epoch = epoch_;
    }
    return state.now;
  }

  uint64_t sample_bytes_;
  const SiteTable* sites_;
  uint64_t epoch_ = 1;
  int64_t live_blocks_ = 0;
  int64_t live_blocks_at_peak_ = 0;
  std::vector<State, HugePageAllocator<State>> stacks_;  // by site (megabytes: huge pages)
};

// The latest RSS sample of each live image, and their sum (for the trace-wide peak).
struct LatestRss {
  std::map<ImageId, std::pair<uint64_t, uint64_t>> by_image;  // (rss, ts)
  uint64_t sum = 0;
};

// An image ended (exit or exec): its blocks still live are leaks, its mappings and its RSS no
// longer count.
void EndImage(ImageId ended, bool whole_run_statistics, HeapReplay* replay, MappingReplay* mappings,
              LatestRss* latest_rss, HeapAnalysis* analysis) {
  if (auto heap = replay->images().find(ended);
      whole_run_statistics && heap != replay->images().end()) {
    analysis->stats.ImageEnded(ended, heap->second);
  }
  replay->EndImage(ended);
  mappings->EndImage(ended);
  if (auto it = latest_rss->by_image.find(ended); it != latest_rss->by_image.end()) {
    latest_rss->sum -= it->second.first;
    latest_rss->by_image.erase(it);
  }
}

void AddMemorySample(ImageId image, const RecordView& record, const MemorySampleRecord& sample,
                     LatestRss* latest_rss, HeapAnalysis* analysis) {
  auto& [rss, ts] = latest_rss->by_image[image];
  latest_rss->sum = latest_rss->sum - rss + sample.rss;
  rss = sample.rss;
  ts = sample.ts_ns;
  HeapAnalysis::ImageRss& info = analysis->rss_by_image[image];
  ++info.samples;
  // A share carried from an earlier read may be smaller than memwrap's share then.
  if ((record.flags & kMemorySampleMemwrapCarried) == 0) {
    info.max_hwm = std::max(info.max_hwm, sample.hwm);
    info.own_peak.AddSample(sample.hwm, sample.memwrap_rss);
  }
  if (record.size >= sizeof(MemorySampleRecord)) {  // older samples do not say
    info.max_memwrap_rss = std::max(info.max_memwrap_rss.value_or(0), sample.memwrap_rss);
  }
}

void AddStackSample(ImageId image, const RecordView& record, HeapAnalysis* analysis) {
  if (const auto* sample = record.As<StackSampleRecord>(); sample != nullptr && image != 0) {
    ++analysis->stack_samples_total;
    if (sample->stack == kNoStack) {
      ++analysis->stack_samples_failed;
    } else {
      ++analysis->stack_samples[{image, sample->stack}];
    }
  }
}

// After the pass: the totals, and each image's counters and peaks.
void CollectImageFigures(const HeapReplay& replay, const MappingReplay& mappings,
                         bool whole_run_statistics, HeapAnalysis* analysis) {
  // Images the trace does not see end (memwrap stopped first): live at the end of the trace.
  for (const auto& [image, heap] : replay.images()) {
    if (whole_run_statistics && !heap.live.empty()) analysis->stats.ImageEnded(image, heap);
  }
  analysis->totals = replay.Totals();
  for (const auto& [image, heap] : replay.images()) {
    analysis->counters_by_image[image] = heap.counters;
    analysis->peak_by_image[image] = {heap.peak_bytes, heap.peak_ts_ns};
  }
  analysis->mapping_totals = mappings.Totals();
  for (const auto& [image, mapped] : mappings.images()) {
    analysis->peak_mapped_by_image[image] = mapped.peak_bytes;
    analysis->mapping_counters_by_image[image] = mapped.counters;
  }
}

}  // namespace

HeapAnalysis AnalyzeHeap(TraceStream& stream, uint64_t sample_bytes, uint32_t only_pid,
                         const std::function<void(const TraceCatalog&)>& heap_started,
                         bool whole_run_statistics) {
  HeapAnalysis analysis;
  analysis.sampled = sample_bytes != 0;
  // From format 1.4 on a sampled trace holds only the samples: every allocation is weighed.
  analysis.sampled_only =
      analysis.sampled && stream.header().format_minor >= kFirstMinorWithSampledOnly;
  if (analysis.sampled_only) analysis.stats.WeighSamples(sample_bytes);

  // Pass 1: the peak value and the ordinal of the record that first reached it.
  HeapReplay replay(analysis.stats.sites());
  PeakAttribution attribution(sample_bytes, &replay.sites());
  replay.SetObserver(&attribution);
  MappingReplay mappings;
  ImageTracker tracker;
  uint64_t ordinal = 0, peak_ordinal = 0;
  LatestRss latest_rss;
  bool allocated = false;  // an ALLOC was seen
  stream.ForEachRecord(
      [&](uint32_t pid, const RecordView& record) {
        if (only_pid != 0 && pid != only_pid) return true;
        ++ordinal;
        analysis.catalog.Add(pid, record);
        ImageId ended;
        ImageId image = tracker.Track(pid, record, &ended);
        if (ended != 0) {
          EndImage(ended, whole_run_statistics, &replay, &mappings, &latest_rss, &analysis);
        }
        if (MemorySampleRecord sample;
            record.type == RecordType::kMemorySample && image != 0 && record.Copy(&sample)) {
          AddMemorySample(image, record, sample, &latest_rss, &analysis);
          return true;
        }
        if (record.type == RecordType::kStackSample) {
          AddStackSample(image, record, &analysis);
          return true;
        }
        if (record.type == RecordType::kAlloc && !allocated) {
          allocated = true;
          if (heap_started) heap_started(analysis.catalog);
        }
        if (whole_run_statistics) analysis.stats.Observe(image, pid, record);
        bool changed = false;
        if (replay.Apply(image, record)) {
          changed = true;
          uint64_t ts = 0;
          RecordTimestamp(record, &ts);
          if (replay.image_peak_rose()) {
            if (auto it = latest_rss.by_image.find(image); it != latest_rss.by_image.end()) {
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
            attribution.NewPeak();
            analysis.rss_at_heap_peak = latest_rss.sum;
            analysis.have_rss_at_heap_peak = !latest_rss.by_image.empty();
          }
        } else if (mappings.Apply(image, record)) {
          changed = true;
          if (mappings.mapped_bytes() > analysis.peak_mapped_bytes) {
            analysis.peak_mapped_bytes = mappings.mapped_bytes();
            RecordTimestamp(record, &analysis.peak_mapped_ts_ns);
          }
        }
        if (changed &&
            replay.live_bytes() + mappings.mapped_bytes() > analysis.peak_heap_and_mapped_bytes) {
          analysis.peak_heap_and_mapped_bytes = replay.live_bytes() + mappings.mapped_bytes();
          RecordTimestamp(record, &analysis.peak_heap_and_mapped_ts_ns);
        }
        return true;
      },
      [&](uint32_t /*pid*/, const RecordView& ahead) { replay.Prefetch(ahead); });
  CollectImageFigures(replay, mappings, whole_run_statistics, &analysis);
  if (peak_ordinal == 0) return analysis;
  attribution.Collect(&analysis.live_at_peak, &analysis.peak_blocks);
  return analysis;
}

}  // namespace memwrap
