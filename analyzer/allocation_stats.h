// Whole-run statistics beside the peak: what each call stack allocated in all (calls and
// bytes), which allocations were temporary, what was still live when each process image ended
// (leaks), and per-thread totals. Filled in the same streaming pass that finds the peak.
//
// Definitions (docs/report-json.md):
//  * temporary allocation: freed by the thread that made it, with no other allocation by that
//    thread in between (heaptrack's definition, applied per thread, since threads interleave);
//  * leak: a block still live when its process image ended (exit, exec, death) or, for an
//    image that had not ended, when the trace ends.
#pragma once

#include <stdint.h>

#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analyzer/trace_catalog.h"
#include "replay/heap_replay.h"
#include "replay/huge_page_allocator.h"
#include "replay/site_table.h"

namespace memwrap {

struct StackTotals {
  uint64_t allocations = 0;
  uint64_t bytes_allocated = 0;
  uint64_t temporary = 0;
  // Sampled-only traces: the sampled allocations weighed by 1/P (sampled_weight.h).
  double estimated_allocations = 0;
  double estimated_bytes = 0;
  double bytes_variance = 0;
};

struct ThreadTotals {
  uint64_t allocations = 0;
  uint64_t frees = 0;  // free() calls (a realloc's release of its old block is not one)
  uint64_t bytes_allocated = 0;
};

class AllocationStats {
 public:
  // Sampled-only traces (format 1.4 on, --stacks=sampled): each allocation is a sample, weighed
  // in StackTotals' estimates and in the leaks by 1/P of this sampler's mean.
  void WeighSamples(uint64_t sample_bytes) { sample_bytes_ = sample_bytes; }
  bool weighed() const { return sample_bytes_ != 0; }
  // Every record of the stream, in order, before HeapReplay applies it.
  void Observe(ImageId image, uint32_t pid, const RecordView& record);
  // `heap` is the image's heap as it ended (before its blocks are dropped).
  void ImageEnded(ImageId image, const ImageHeap& heap);

  const std::map<std::pair<ImageId, StackId>, StackTotals>& by_stack() const;
  const std::map<std::pair<ImageId, StackId>, StackUsage>& leaked() const { return leaked_; }
  const std::map<std::pair<uint32_t, uint32_t>, ThreadTotals>& by_thread() const {
    return by_thread_;
  }
  uint64_t leaked_bytes() const { return leaked_bytes_; }
  uint64_t leaked_blocks() const { return leaked_blocks_; }
  uint64_t temporary_allocations() const { return temporary_; }
  // The numbering of call sites, for a HeapReplay to share (heap_replay.h).
  SiteTable* sites() { return &sites_; }

 private:
  struct LastAllocation {
    bool valid = false;  // false once freed (a temporary) or never set
    uint64_t addr = 0;
    SiteTable::Site site = 0;
  };
  LastAllocation& LastOf(ImageId image, uint32_t tid);
  void Allocated(ImageId image, uint32_t pid, uint32_t tid, uint64_t addr, uint64_t size,
                 StackId stack);

  ThreadTotals& Thread(uint32_t pid, uint32_t tid);

  // By site while replaying (every allocation updates it); ordered by (image, stack) when
  // asked for.
  SiteTable sites_;
  std::vector<StackTotals, HugePageAllocator<StackTotals>> by_site_;  // megabytes: huge pages
  mutable std::map<std::pair<ImageId, StackId>, StackTotals> by_stack_sorted_;
  std::map<std::pair<ImageId, StackId>, StackUsage> leaked_;
  std::map<std::pair<uint32_t, uint32_t>, ThreadTotals> by_thread_;  // (pid, tid)
  std::pair<uint32_t, uint32_t> last_thread_key_{0, 0};          // the thread of the previous event
  ThreadTotals* last_thread_ = nullptr;                          // (map nodes do not move)
  std::unordered_map<uint64_t, LastAllocation> last_by_thread_;  // (image << 32 | tid)
  uint64_t last_key_ = 0;                 // the thread of the previous event, and its entry
  LastAllocation* last_entry_ = nullptr;  // (nodes do not move; reset when entries go)
  uint64_t sample_bytes_ = 0;
  uint64_t leaked_bytes_ = 0;
  uint64_t leaked_blocks_ = 0;
  uint64_t temporary_ = 0;
};

}  // namespace memwrap
