// Replays heap records into the set of live blocks, per process image, and keeps the running
// totals. Definitions (docs/report-json.md):
//  * allocation: a malloc/calloc/realloc call that returned a block;
//  * free: a block leaving the live set through free() or realloc();
//  * live heap: the sum of the requested sizes of live blocks (not the allocator's overhead).
// Records the shim could not observe are visible as anomalies, never silently absorbed:
// a free() of an address that is not live (allocated before tracing started, or while the
// hook was busy) counts as an untracked free and changes nothing.
#pragma once

#include <stdint.h>

#include <unordered_map>

#include "memwrap/records.h"
#include "replay/image_id.h"
#include "replay/live_block_map.h"
#include "replay/site_table.h"
#include "tracefile/record_cursor.h"

namespace memwrap {

// Bytes and blocks of one call stack (live at some instant, leaked...).
struct StackUsage {
  uint64_t bytes = 0;  // estimated when stacks were sampled (see peak_analysis.h)
  uint64_t blocks = 0;
  // Sampled-only traces (sampled_weight.h): the estimated variance of `bytes`; 0 when exact.
  double bytes_variance = 0;
};

struct HeapCounters {
  uint64_t allocations = 0;
  uint64_t frees = 0;
  uint64_t bytes_allocated = 0;
  uint64_t untracked_frees = 0;       // free of an address that was not live
  uint64_t replaced_live_blocks = 0;  // allocation at an address still live (a missed free)

  HeapCounters& operator+=(const HeapCounters& other) {
    allocations += other.allocations;
    frees += other.frees;
    bytes_allocated += other.bytes_allocated;
    untracked_frees += other.untracked_frees;
    replaced_live_blocks += other.replaced_live_blocks;
    return *this;
  }
};

struct ImageHeap {
  ImageId id = 0;
  LiveBlockMap live;
  uint64_t live_bytes = 0;
  uint64_t peak_bytes = 0;
  uint64_t peak_ts_ns = 0;
  HeapCounters counters;
  // realloc blocks between REALLOC_BEGIN and REALLOC_END, per thread. A thread's entry stays
  // once made (`parked` says whether it holds a block): a node allocated and freed per realloc
  // showed in profiles.
  struct Parked {
    bool parked = false;
    uint64_t old_addr = 0;
    LiveBlock block;
  };
  std::unordered_map<uint32_t, Parked> reallocating;
};

// Told of every block entering (+1) or leaving (-1) a live set, as it happens.
class HeapObserver {
 public:
  virtual ~HeapObserver() = default;
  virtual void Changed(ImageId image, const LiveBlock& block, int sign) = 0;
};

class HeapReplay {
 public:
  // `sites`, when given, numbers the call sites instead of a table of the replay's own: the
  // caller's statistics intern the same (image, stack) pairs in the same order, and one table
  // saves a lookup per allocation.
  explicit HeapReplay(SiteTable* sites = nullptr)
      : sites_(sites != nullptr ? sites : &own_sites_) {}
  HeapReplay(const HeapReplay&) = delete;
  HeapReplay& operator=(const HeapReplay&) = delete;

  void SetObserver(HeapObserver* observer) { observer_ = observer; }
  // Applies one record of `image` (ImageId from the catalog; 0 = unknown image, ignored).
  // Returns true when the record changed the live heap.
  bool Apply(ImageId image, const RecordView& record);
  // The image's heap is gone (it exited, exec'd or died): its blocks leave the live total.
  void EndImage(ImageId image);
  // A record that Apply will see soon (TraceStream's `ahead`): prefetches the live-block slot
  // it will touch, in the heap of the image of the latest record (nearly always its image).
  void Prefetch(const RecordView& record) const;

  uint64_t live_bytes() const { return live_bytes_; }
  // The image's own heap peak so far (0 for an image not seen yet, or image 0).
  uint64_t PeakOf(ImageId image) { return image == 0 ? 0 : HeapOf(image).peak_bytes; }
  // Whether the latest Apply raised its image's own heap peak (cheaper than PeakOf before and
  // after: the replay asks for every record).
  bool image_peak_rose() const { return image_peak_rose_; }
  const std::unordered_map<ImageId, ImageHeap>& images() const { return images_; }
  // The call sites of the blocks seen so far (LiveBlock::site indexes it).
  const SiteTable& sites() const { return *sites_; }
  HeapCounters Totals() const;

 private:
  void Insert(ImageHeap& heap, uint64_t addr, LiveBlock block);
  bool Remove(ImageHeap& heap, uint64_t addr, LiveBlock* removed);
  void NotePeak(ImageHeap& heap, uint64_t ts_ns);

  ImageHeap& HeapOf(ImageId image);
  void Notify(const ImageHeap& heap, const LiveBlock& block, int sign);

  HeapObserver* observer_ = nullptr;

  std::unordered_map<ImageId, ImageHeap> images_;
  SiteTable own_sites_;
  SiteTable* sites_;
  uint64_t live_bytes_ = 0;
  bool image_peak_rose_ = false;
  // The image of the previous record: consecutive records are nearly always of one image.
  ImageId cached_image_ = 0;
  ImageHeap* cached_heap_ = nullptr;
};

}  // namespace memwrap
