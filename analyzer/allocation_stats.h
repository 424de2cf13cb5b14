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

#include "heap_replay.h"
#include "trace_catalog.h"

namespace memwrap {

struct StackTotals {
  uint64_t allocations = 0;
  uint64_t bytes_allocated = 0;
  uint64_t temporary = 0;
};

struct ThreadTotals {
  uint64_t allocations = 0;
  uint64_t frees = 0;  // free() calls (a realloc's release of its old block is not one)
  uint64_t bytes_allocated = 0;
};

class AllocationStats {
 public:
  // Every record of the stream, in order, before HeapReplay applies it.
  void Observe(ImageId image, uint32_t pid, const RecordView& record);
  // `heap` is the image's heap as it ended (before its blocks are dropped).
  void ImageEnded(ImageId image, const ImageHeap& heap);

  const std::map<std::pair<ImageId, StackId>, StackTotals>& by_stack() const {
    by_stack_sorted_ = {by_stack_.begin(), by_stack_.end()};
    return by_stack_sorted_;
  }
  const std::map<std::pair<ImageId, StackId>, StackUsage>& leaked() const { return leaked_; }
  const std::map<std::pair<uint32_t, uint32_t>, ThreadTotals>& by_thread() const {
    return by_thread_;
  }
  uint64_t leaked_bytes() const { return leaked_bytes_; }
  uint64_t leaked_blocks() const { return leaked_blocks_; }
  uint64_t temporary_allocations() const { return temporary_; }

 private:
  struct LastAllocation {
    uint64_t addr = 0;
    StackId stack = kNoStack;
  };
  void Allocated(ImageId image, uint32_t pid, uint32_t tid, uint64_t addr, uint64_t size,
                 StackId stack);

  // Hashed while replaying (every allocation updates it); ordered when asked for.
  struct KeyHash {
    size_t operator()(const std::pair<ImageId, StackId>& key) const {
      return std::hash<uint64_t>()(uint64_t(key.first) << 32 | key.second);
    }
  };
  std::unordered_map<std::pair<ImageId, StackId>, StackTotals, KeyHash> by_stack_;
  mutable std::map<std::pair<ImageId, StackId>, StackTotals> by_stack_sorted_;
  std::map<std::pair<ImageId, StackId>, StackUsage> leaked_;
  std::map<std::pair<uint32_t, uint32_t>, ThreadTotals> by_thread_;  // (pid, tid)
  std::unordered_map<uint64_t, LastAllocation> last_by_thread_;     // (image << 32 | tid)
  uint64_t leaked_bytes_ = 0;
  uint64_t leaked_blocks_ = 0;
  uint64_t temporary_ = 0;
};

}  // namespace memwrap
