#include "analyzer/host_totals.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>

#include "analyzer/downsample.h"
#include "analyzer/trace_stream.h"
#include "replay/heap_replay.h"
#include "replay/image_tracker.h"
#include "tracefile/trace_reader.h"

namespace memwrap {
namespace {

// A change of one trace's live heap: its new total, at a wall-clock time.
struct HeapChange {
  uint64_t realtime_ns;
  uint64_t live_bytes;
};

// Replays one trace on a thread of its own and hands out its heap changes in order, a batch
// at a time, holding at most kMaxBatches batches.
class HeapChangeSource {
 public:
  explicit HeapChangeSource(std::string path) : path_(std::move(path)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~HeapChangeSource() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  // The next change; false at the end. Rethrows the replay's error.
  bool Next(HeapChange* change) {
    if (position_ == current_.size()) {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return !batches_.empty() || done_; });
      if (batches_.empty()) {
        if (error_) std::rethrow_exception(error_);
        return false;
      }
      current_ = std::move(batches_.front());
      batches_.pop_front();
      position_ = 0;
      changed_.notify_all();
    }
    *change = current_[position_++];
    return true;
  }

  uint64_t peak_bytes() const { return peak_bytes_; }  // valid once Next returned false

 private:
  static constexpr size_t kBatch = 4096;
  static constexpr size_t kMaxBatches = 4;

  void Run() {
    try {
      TraceReader reader(path_);
      TraceStream stream(&reader);
      const int64_t offset = int64_t(reader.header().created_realtime_ns) -
                             int64_t(reader.header().created_monotonic_ns);
      HeapReplay replay;
      ImageTracker tracker;
      std::vector<HeapChange> batch;
      bool cancelled = false;
      stream.ForEach(
          [&](uint32_t pid, const RecordView& record) {
            ImageId ended;
            ImageId image = tracker.Track(pid, record, &ended);
            const uint64_t before = replay.live_bytes();
            if (ended != 0) replay.EndImage(ended);
            replay.Apply(image, record);
            if (replay.live_bytes() == before) return true;
            uint64_t ts = 0;
            RecordTimestamp(record, &ts);
            batch.push_back({uint64_t(int64_t(ts) + offset), replay.live_bytes()});
            if (replay.live_bytes() > peak_bytes_) peak_bytes_ = replay.live_bytes();
            if (batch.size() == kBatch) {
              cancelled = !Hand(std::move(batch));
              batch.clear();
            }
            return !cancelled;
          },
          [&](uint32_t /*pid*/, const RecordView& ahead) { replay.Prefetch(ahead); });
      if (!batch.empty() && !cancelled) Hand(std::move(batch));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    changed_.notify_all();
  }

  // Queues a batch, waiting while the queue is full; false when the reader has gone.
  bool Hand(std::vector<HeapChange> batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return batches_.size() < kMaxBatches || cancelled_; });
    if (cancelled_) return false;
    batches_.push_back(std::move(batch));
    changed_.notify_all();
    return true;
  }

  std::string path_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<HeapChange>> batches_;
  bool done_ = false;
  bool cancelled_ = false;
  std::exception_ptr error_;
  uint64_t peak_bytes_ = 0;
  // Reader side only.
  std::vector<HeapChange> current_;
  size_t position_ = 0;
  std::thread thread_;  // last: starts once the members above exist
};

HostTotal TotalOfHost(const std::string& host, const std::vector<std::string>& paths,
                      size_t series_spans) {
  HostTotal total;
  total.host = host;
  total.traces = paths;
  std::vector<std::unique_ptr<HeapChangeSource>> sources;
  for (const std::string& path : paths) sources.push_back(std::make_unique<HeapChangeSource>(path));
  std::vector<uint64_t> live(sources.size(), 0);
  std::vector<HeapChange> heads(sources.size());
  using Entry = std::pair<uint64_t, size_t>;  // (time, source)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> next;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (sources[i]->Next(&heads[i])) next.push({heads[i].realtime_ns, i});
  }
  uint64_t sum = 0;
  MinMaxStream series(series_spans);
  while (!next.empty()) {
    const size_t i = next.top().second;
    next.pop();
    sum = sum - live[i] + heads[i].live_bytes;
    live[i] = heads[i].live_bytes;
    series.Add(heads[i].realtime_ns, sum);
    if (sum > total.peak_heap_bytes) {
      total.peak_heap_bytes = sum;
      total.peak_heap_realtime_ns = heads[i].realtime_ns;
    }
    if (sources[i]->Next(&heads[i])) next.push({heads[i].realtime_ns, i});
  }
  for (const auto& source : sources) total.sum_of_trace_peaks += source->peak_bytes();
  total.heap_series = series.Points();
  return total;
}

}  // namespace

std::vector<HostTotal> ComputeHostTotals(const std::vector<HostTrace>& traces,
                                         size_t series_spans) {
  std::vector<std::string> hosts;
  std::map<std::string, std::vector<std::string>> paths_by_host;
  for (const HostTrace& trace : traces) {
    if (paths_by_host.find(trace.host) == paths_by_host.end()) hosts.push_back(trace.host);
    paths_by_host[trace.host].push_back(trace.path);
  }
  std::vector<HostTotal> totals;
  for (const std::string& host : hosts)
    totals.push_back(TotalOfHost(host, paths_by_host[host], series_spans));
  return totals;
}

}  // namespace memwrap
