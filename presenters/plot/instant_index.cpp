#include "presenters/plot/instant_index.h"

#include <algorithm>
#include <functional>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analyzer/trace_stream.h"
#include "presenters/export/heap_profile.h"
#include "presenters/plot/base64.h"
#include "replay/heap_replay.h"
#include "replay/image_tracker.h"
#include "tracefile/varint.h"

namespace memwrap {
namespace {

// What one site added to and removed from the live heap during one bucket.
struct Entry {
  uint64_t key = 0;  // the bucket's start, ns since the trace's creation
  uint32_t site = 0;
  uint64_t allocated_bytes = 0, allocated_blocks = 0;
  uint64_t freed_bytes = 0, freed_blocks = 0;

  void Add(const Entry& other) {
    allocated_bytes += other.allocated_bytes;
    allocated_blocks += other.allocated_blocks;
    freed_bytes += other.freed_bytes;
    freed_blocks += other.freed_blocks;
  }
};

// Re-keys entries (in bucket order) with `key_of` and merges those of one site that now share
// a bucket. Bucket order is kept because key_of never decreases.
template <class KeyOf>
std::vector<Entry> Merge(const std::vector<Entry>& entries, KeyOf key_of) {
  std::vector<Entry> merged;
  std::unordered_map<uint32_t, size_t> in_bucket;  // site -> its entry in the latest bucket
  for (const Entry& entry : entries) {
    Entry moved = entry;
    moved.key = key_of(entry.key);
    if (merged.empty() || merged.back().key != moved.key) in_bucket.clear();
    auto [slot, added] = in_bucket.try_emplace(moved.site, merged.size());
    if (added)
      merged.push_back(moved);
    else
      merged[slot->second].Add(moved);
  }
  return merged;
}

// Follows the replay's blocks into the current bucket's entries, by call site.
class BucketRecorder : public HeapObserver {
 public:
  // `call_site_of`: the call site's number of one of the replay's (image, stack) sites, asked
  // once per stack (symbolization is the costly part).
  BucketRecorder(uint64_t origin_ns, size_t max_entries,
                 std::function<uint32_t(uint32_t)> call_site_of)
      : origin_ns_(origin_ns),
        max_entries_(std::max<size_t>(max_entries, 16)),
        call_site_of_(std::move(call_site_of)) {}

  // The time of the record about to be replayed (never earlier than the one before).
  void SetTime(uint64_t ts_ns) {
    if (ts_ns > now_ns_) now_ns_ = ts_ns;
  }

  void Changed(ImageId /*image*/, const LiveBlock& block, int sign) override {
    const uint64_t since = now_ns_ > origin_ns_ ? now_ns_ - origin_ns_ : 0;
    const uint64_t key = since / quantum_ns_ * quantum_ns_;
    if (key != bucket_key_ || entries_.empty()) {
      bucket_key_ = key;
      ++bucket_serial_;
    }
    if (block.site >= call_sites_.size()) call_sites_.resize(block.site + 1024, kUnknown);
    uint32_t& site = call_sites_[block.site];
    if (site == kUnknown) site = call_site_of_(block.site);
    if (site >= slots_.size()) slots_.resize(site + 1024);
    Slot& slot = slots_[site];
    if (slot.serial != bucket_serial_) {
      slot = {bucket_serial_, entries_.size()};
      entries_.push_back(Entry{key, site});
    }
    Entry& entry = entries_[slot.index];
    if (sign > 0) {
      entry.allocated_bytes += block.size;
      ++entry.allocated_blocks;
    } else {
      entry.freed_bytes += block.size;
      ++entry.freed_blocks;
    }
    ++changes_;
    if (entries_.size() > max_entries_) Coarsen();
  }

  uint64_t quantum_ns() const { return quantum_ns_; }
  uint64_t changes() const { return changes_; }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  struct Slot {
    uint64_t serial = 0;  // the bucket whose entry `index` is
    size_t index = 0;
  };

  // Tenfold wider buckets until the entries fit in three quarters of the budget (so that the
  // next coarsening is far off).
  void Coarsen() {
    while (entries_.size() > max_entries_ / 4 * 3 && quantum_ns_ < 1'000'000'000'000'000ull) {
      quantum_ns_ *= 10;
      const uint64_t quantum = quantum_ns_;
      entries_ = Merge(entries_, [quantum](uint64_t key) { return key / quantum * quantum; });
    }
    // The latest bucket's entries, found again at their new places.
    bucket_key_ = entries_.back().key;
    ++bucket_serial_;
    for (size_t i = entries_.size(); i-- > 0 && entries_[i].key == bucket_key_;) {
      slots_[entries_[i].site] = {bucket_serial_, i};
    }
  }

  static constexpr uint32_t kUnknown = UINT32_MAX;

  const uint64_t origin_ns_;
  const size_t max_entries_;
  std::function<uint32_t(uint32_t)> call_site_of_;
  std::vector<uint32_t> call_sites_;  // by replay site: its call site, or kUnknown
  uint64_t quantum_ns_ = 1;
  uint64_t now_ns_ = 0;
  uint64_t bucket_key_ = 0;
  uint64_t bucket_serial_ = 0;
  uint64_t changes_ = 0;
  std::vector<Entry> entries_;
  std::vector<Slot> slots_;  // by call site
};

}  // namespace

nlohmann::json BuildInstantIndex(HeapProfile& profile, const InstantIndexOptions& options) {
  HeapReplay replay;
  // The replay's (image, stack) pairs become call sites as the report names them.
  nlohmann::json sites = nlohmann::json::array();
  std::map<std::tuple<std::string, std::string, uint32_t, std::string>, uint32_t> site_numbers;
  auto call_site_of = [&](uint32_t replay_site) {
    const StackId stack = replay.sites().stack_of(replay_site);
    SourceFrame location;
    if (stack == kNoStack)
      location.function = "(no stack recorded)";
    else
      location = profile.resolver().SiteOf(replay.sites().image_of(replay_site), stack);
    const std::string name = FrameName(location);
    auto [found, added] = site_numbers.try_emplace(
        {name, location.file, location.line, location.module}, uint32_t(sites.size()));
    if (added) {
      sites.push_back({{"function", name},
                       {"file", location.file},
                       {"line", location.line},
                       {"module", location.module}});
    }
    return found->second;
  };
  BucketRecorder recorder(profile.origin_ns(), options.max_entries, call_site_of);
  replay.SetObserver(&recorder);
  ImageTracker tracker;
  profile.stream().ForEach(
      [&](uint32_t pid, const RecordView& record) {
        if (uint64_t ts; RecordTimestamp(record, &ts)) recorder.SetTime(ts);
        ImageId ended;
        const ImageId image = tracker.Track(pid, record, &ended);
        if (ended != 0) replay.EndImage(ended);
        if (image != 0) replay.Apply(image, record);
        return true;
      },
      [&](uint32_t /*pid*/, const RecordView& ahead) { replay.Prefetch(ahead); });
  const std::vector<Entry>& entries = recorder.entries();

  // Unsigned LEB128 varints, buckets in time order: [bucket start minus the previous one's, in
  // quanta; entries in it; then per entry: site, allocated bytes, allocated blocks, freed bytes,
  // freed blocks], in base64. As JSON numbers the same integers took about twice the bytes in
  // the page and, while written, a hundred bytes of memory each.
  const uint64_t quantum = recorder.quantum_ns();
  std::string varints;
  varints.reserve(entries.size() * 8);
  auto put = [&varints](uint64_t value) {
    uint8_t bytes[kMaxVarintBytes];
    varints.append(reinterpret_cast<const char*>(bytes), PutVarint(value, bytes) - bytes);
  };
  uint64_t previous = 0;
  for (size_t i = 0; i < entries.size();) {
    size_t end = i;
    while (end < entries.size() && entries[end].key == entries[i].key) ++end;
    put((entries[i].key - previous) / quantum);
    put(end - i);
    previous = entries[i].key;
    for (; i < end; ++i) {
      const Entry& e = entries[i];
      for (uint64_t value : {uint64_t(e.site), e.allocated_bytes, e.allocated_blocks, e.freed_bytes,
                             e.freed_blocks}) {
        put(value);
      }
    }
  }
  nlohmann::json index = {{"quantum_ns", quantum},     {"changes", recorder.changes()},
                          {"entries", entries.size()}, {"sites_estimated", profile.estimated()},
                          {"sites", std::move(sites)}, {"encoding", "varint-base64"}};
  index["buckets"] = Base64(varints);
  return index;
}

}  // namespace memwrap
