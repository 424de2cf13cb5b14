#include "mapping_replay.h"

#include <sys/mman.h>
#include <sys/syscall.h>

namespace memwrap {

std::map<uint64_t, MappedRange> MappingReplay::Remove(ImageMappings& image, uint64_t start,
                                                      uint64_t end) {
  std::map<uint64_t, MappedRange> removed;
  if (start >= end) return removed;
  auto it = image.ranges.upper_bound(start);
  if (it != image.ranges.begin()) --it;
  while (it != image.ranges.end() && it->first < end) {
    const uint64_t range_start = it->first;
    const MappedRange range = it->second;
    if (range.end <= start) {
      ++it;
      continue;
    }
    const uint64_t cut_start = range_start > start ? range_start : start;
    const uint64_t cut_end = range.end < end ? range.end : end;
    removed[cut_start] = {cut_end, range.stack};
    image.mapped_bytes -= cut_end - cut_start;
    mapped_bytes_ -= cut_end - cut_start;
    it = image.ranges.erase(it);
    // What lies outside the cut stays mapped: a partial munmap splits the range.
    if (range_start < cut_start) image.ranges[range_start] = {cut_start, range.stack};
    if (cut_end < range.end) it = image.ranges.emplace(cut_end, MappedRange{range.end, range.stack}).first;
  }
  return removed;
}

void MappingReplay::Insert(ImageMappings& image, uint64_t start, uint64_t end, StackId stack) {
  if (start >= end) return;
  Remove(image, start, end);  // MAP_FIXED over an existing mapping replaces it
  image.ranges[start] = {end, stack};
  image.mapped_bytes += end - start;
  mapped_bytes_ += end - start;
}

// The program's own share of the break is the sum of what its own brk/sbrk calls moved it by:
// glibc's malloc moves the break too (internally, unseen), and that is heap, not a mapping.
void MappingReplay::SetBreak(ImageMappings& image, uint64_t old_break, uint64_t new_break) {
  int64_t delta = int64_t(new_break - old_break);
  // break_bytes is at most INT64_MAX (it comes from `bytes`), but a hostile trace can move the
  // break up by ~2^63 twice: the sum would overflow (undefined behaviour). Saturate instead.
  int64_t bytes;
  if (__builtin_add_overflow(int64_t(image.break_bytes), delta, &bytes)) bytes = INT64_MAX;
  if (bytes < 0) bytes = 0;
  image.mapped_bytes = image.mapped_bytes - image.break_bytes + uint64_t(bytes);
  mapped_bytes_ = mapped_bytes_ - image.break_bytes + uint64_t(bytes);
  image.break_bytes = uint64_t(bytes);
}

bool MappingReplay::ApplySyscall(ImageMappings& image, const SyscallRecord& call) {
  // Failed calls return -errno (-4095..-1); unfinished ones (the process died in them) are
  // not known to have done anything.
  if ((call.h.flags & kSyscallUnfinished) != 0 || uint64_t(call.result) >= uint64_t(-4095)) {
    return false;
  }
  const uint64_t result = uint64_t(call.result);
  switch (call.number) {
    case SYS_mmap:  // (addr, length, prot, flags, fd, offset) -> the mapping's address
      ++image.counters.mmaps;
      image.counters.bytes_mapped += PageUp(call.args[1]);
      Insert(image, result, result + PageUp(call.args[1]), kNoStack);
      return true;
    case SYS_munmap:  // (addr, length)
      ++image.counters.munmaps;
      Remove(image, call.args[0], call.args[0] + PageUp(call.args[1]));
      return true;
    case SYS_mremap: {  // (old_addr, old_length, new_length, flags, new_addr) -> new address
      const uint64_t old_length = PageUp(call.args[1]), new_length = PageUp(call.args[2]);
      std::map<uint64_t, MappedRange> removed;
      // old_length 0 duplicates a shared mapping and MREMAP_DONTUNMAP keeps the old range.
      if (old_length != 0 && !(call.args[3] & MREMAP_DONTUNMAP)) {
        removed = Remove(image, call.args[0], call.args[0] + old_length);
      }
      ++image.counters.mremaps;
      if (new_length > old_length) image.counters.bytes_mapped += new_length - old_length;
      Insert(image, result, result + new_length, kNoStack);
      return true;
    }
    case SYS_brk:  // (new break, or 0 to ask) -> the break after the call (unchanged on failure)
      if (image.last_break == 0) {
        image.last_break = result;  // where the break starts: nothing mapped by it yet
        return false;
      }
      if (result == image.last_break) return false;
      ++image.counters.brks;
      SetBreak(image, image.last_break, result);
      image.last_break = result;
      return true;
    default:
      return false;
  }
}

bool MappingReplay::Apply(ImageId image_id, const RecordView& record) {
  if (image_id == 0) return false;
  switch (record.type) {
    case RecordType::kProcessStart:
      if (record.As<ProcessStartRecord>() != nullptr &&
          (record.flags & kProcessStartWithoutShim) != 0) {
        images_[image_id].from_syscalls = true;
      }
      return false;
    case RecordType::kSyscall: {
      const auto* call = record.As<SyscallRecord>();
      if (call == nullptr) return false;
      auto it = images_.find(image_id);
      if (it == images_.end() || !it->second.from_syscalls) return false;
      if (!ApplySyscall(it->second, *call)) return false;
      break;
    }
    case RecordType::kMmap: {
      const auto* mmap = record.As<MmapRecord>();
      if (mmap == nullptr) return false;
      ImageMappings& image = images_[image_id];
      ++image.counters.mmaps;
      image.counters.bytes_mapped += PageUp(mmap->length);
      Insert(image, mmap->addr, mmap->addr + PageUp(mmap->length), mmap->stack);
      break;
    }
    case RecordType::kMunmap: {
      const auto* munmap = record.As<MunmapRecord>();
      if (munmap == nullptr) return false;
      ImageMappings& image = images_[image_id];
      ++image.counters.munmaps;
      Remove(image, munmap->addr, munmap->addr + PageUp(munmap->length));
      break;
    }
    case RecordType::kMremapBegin: {
      const auto* begin = record.As<MremapBeginRecord>();
      if (begin == nullptr) return false;
      ImageMappings& image = images_[image_id];
      // old_length 0 duplicates a shared mapping and MREMAP_DONTUNMAP keeps the old range:
      // in both, nothing leaves.
      std::map<uint64_t, MappedRange> removed;
      if (begin->old_length != 0 && !(begin->flags & MREMAP_DONTUNMAP)) {
        removed = Remove(image, begin->old_addr, begin->old_addr + PageUp(begin->old_length));
      }
      image.remapping[begin->tid] = {begin->old_addr, std::move(removed)};
      break;
    }
    case RecordType::kMremapEnd: {
      const auto* end = record.As<MremapEndRecord>();
      if (end == nullptr) return false;
      ImageMappings& image = images_[image_id];
      std::map<uint64_t, MappedRange> removed;
      auto parked = image.remapping.find(end->tid);
      if (parked != image.remapping.end() && parked->second.first == end->old_addr) {
        removed = std::move(parked->second.second);
        image.remapping.erase(parked);
      } else if (end->new_addr != 0 && end->old_length != 0 &&
                 !(end->flags & MREMAP_DONTUNMAP)) {
        // BEGIN was not recorded (tracing started in between): the old range still goes.
        removed = Remove(image, end->old_addr, end->old_addr + PageUp(end->old_length));
      }
      if (end->new_addr == 0) {
        for (const auto& [start, range] : removed) Insert(image, start, range.end, range.stack);
      } else {
        ++image.counters.mremaps;
        // A range memwrap never saw mapped (made before tracing started, or by glibc itself)
        // is not the program's mapping to count, moved or not.
        if (removed.empty() && end->old_length != 0) break;
        const uint64_t new_length = PageUp(end->new_length);
        const uint64_t old_length = PageUp(end->old_length);
        if (new_length > old_length) image.counters.bytes_mapped += new_length - old_length;
        StackId stack = removed.empty() ? end->stack : removed.begin()->second.stack;
        Insert(image, end->new_addr, end->new_addr + new_length, stack);
      }
      break;
    }
    case RecordType::kBrk: {
      const auto* brk = record.As<BrkRecord>();
      if (brk == nullptr) return false;
      ImageMappings& image = images_[image_id];
      ++image.counters.brks;
      SetBreak(image, brk->old_break, brk->new_break);
      break;
    }
    default:
      return false;
  }
  ImageMappings& image = images_[image_id];
  if (image.mapped_bytes > image.peak_bytes) image.peak_bytes = image.mapped_bytes;
  return true;
}

void MappingReplay::EndImage(ImageId image_id) {
  auto it = images_.find(image_id);
  if (it == images_.end()) return;
  mapped_bytes_ -= it->second.mapped_bytes;
  it->second.mapped_bytes = 0;
  it->second.break_bytes = 0;
  it->second.ranges.clear();
}

MappingCounters MappingReplay::Totals() const {
  MappingCounters totals;
  for (const auto& [id, image] : images_) {
    totals += image.counters;
  }
  return totals;
}

}  // namespace memwrap
