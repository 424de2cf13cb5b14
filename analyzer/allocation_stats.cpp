#include "analyzer/allocation_stats.h"

#include <algorithm>
#include <cmath>

#include "analyzer/sampled_weight.h"

namespace memwrap {

void AllocationStats::Allocated(ImageId image, uint32_t pid, uint32_t tid, uint64_t addr,
                                uint64_t size, StackId stack) {
  const SiteTable::Site site = sites_.Intern(image, stack);
  if (site >= by_site_.size()) by_site_.resize(std::max<size_t>(site + 1, 2 * by_site_.size()));
  StackTotals& totals = by_site_[site];
  ++totals.allocations;
  totals.bytes_allocated += size;
  if (sample_bytes_ != 0) {
    const SampleWeight weight(size, sample_bytes_);
    totals.estimated_allocations += weight.blocks;
    totals.estimated_bytes += weight.bytes;
    totals.bytes_variance += weight.bytes_variance;
  }
  ThreadTotals& thread = Thread(pid, tid);
  ++thread.allocations;
  thread.bytes_allocated += size;
  LastOf(image, tid) = {true, addr, site};
}

AllocationStats::LastAllocation& AllocationStats::LastOf(ImageId image, uint32_t tid) {
  const uint64_t key = uint64_t(image) << 32 | tid;
  if (last_entry_ == nullptr || key != last_key_) {
    last_key_ = key;
    last_entry_ = &last_by_thread_[key];
  }
  return *last_entry_;
}

ThreadTotals& AllocationStats::Thread(uint32_t pid, uint32_t tid) {
  if (last_thread_ == nullptr || last_thread_key_ != std::make_pair(pid, tid)) {
    last_thread_key_ = {pid, tid};
    last_thread_ = &by_thread_[last_thread_key_];
  }
  return *last_thread_;
}

const std::map<std::pair<ImageId, StackId>, StackTotals>& AllocationStats::by_stack() const {
  by_stack_sorted_.clear();
  for (size_t site = 0; site < sites_.size(); ++site) {
    by_stack_sorted_[{sites_.image_of(site), sites_.stack_of(site)}] = by_site_[site];
  }
  return by_stack_sorted_;
}

void AllocationStats::Observe(ImageId image, uint32_t pid, const RecordView& record) {
  if (image == 0) return;
  switch (record.type) {
    case RecordType::kAlloc:
      if (const auto* alloc = record.As<AllocRecord>()) {
        Allocated(image, pid, alloc->tid, alloc->addr, alloc->size, alloc->stack);
      }
      return;
    case RecordType::kReallocEnd:
      if (const auto* end = record.As<ReallocEndRecord>(); end != nullptr && end->new_addr != 0) {
        Allocated(image, pid, end->tid, end->new_addr, end->size, end->stack);
      }
      return;
    case RecordType::kFree:
      if (const auto* free = record.As<FreeRecord>()) {
        ++Thread(pid, free->tid).frees;
        LastAllocation& last = LastOf(image, free->tid);
        if (last.valid && last.addr == free->addr) {
          ++temporary_;
          ++by_site_[last.site].temporary;
          last.valid = false;
        }
      }
      return;
    default:
      return;
  }
}

void AllocationStats::ImageEnded(ImageId image, const ImageHeap& heap) {
  for (const auto& [addr, block] : heap.live) {
    StackUsage& usage = leaked_[{image, block.stack}];
    if (sample_bytes_ != 0) {
      // A sampled block still live stands for 1/P blocks like it.
      const SampleWeight weight(block.size, sample_bytes_);
      const auto bytes = uint64_t(std::llround(weight.bytes));
      const auto blocks = uint64_t(std::llround(weight.blocks));
      usage.bytes += bytes;
      usage.blocks += blocks;
      usage.bytes_variance += weight.bytes_variance;
      leaked_bytes_ += bytes;
      leaked_blocks_ += blocks;
      continue;
    }
    usage.bytes += block.size;
    ++usage.blocks;
    leaked_bytes_ += block.size;
    ++leaked_blocks_;
  }
  last_entry_ = nullptr;
  for (auto it = last_by_thread_.begin(); it != last_by_thread_.end();) {
    it = (it->first >> 32) == image ? last_by_thread_.erase(it) : std::next(it);
  }
}

}  // namespace memwrap
