#include "replay/mapping_replay.h"

#include <sys/mman.h>
#include <sys/syscall.h>

namespace memwrap {
namespace {

// The record of a mapping seen only as a call (a SYSCALL record, or an mremap of a range never
// seen mapped): what the call tells, the rest 0.
MmapRecord MadeUpOrigin(uint64_t ts_ns, uint32_t prot, uint32_t flags, uint32_t tid,
                        StackId stack) {
  MmapRecord origin{};
  origin.h = {sizeof(origin), uint16_t(RecordType::kMmap), 0};
  origin.ts_ns = ts_ns;
  origin.prot = prot;
  origin.flags = flags;
  origin.tid = tid;
  origin.stack = stack;
  return origin;
}

// What a range mremap moved keeps: the record of its first piece, as of the move. A range never
// seen mapped (old_length 0 duplicates a shared mapping) gets a shared anonymous one.
MmapRecord MovedOrigin(const MappedRanges::Ranges& removed, uint64_t ts_ns, uint32_t tid,
                       StackId stack) {
  MmapRecord origin = removed.empty() ? MadeUpOrigin(ts_ns, PROT_READ | PROT_WRITE,
                                                     MAP_SHARED | MAP_ANONYMOUS, tid, stack)
                                      : removed.begin()->second.value;
  origin.ts_ns = ts_ns;
  return origin;
}

}  // namespace

MappedRanges::Ranges MappingReplay::Remove(ImageMappings& image, uint64_t start, uint64_t end) {
  const uint64_t before = image.ranges.bytes();
  MappedRanges::Ranges removed = image.ranges.Remove(start, end);
  image.mapped_bytes -= before - image.ranges.bytes();
  mapped_bytes_ -= before - image.ranges.bytes();
  return removed;
}

void MappingReplay::Insert(ImageMappings& image, uint64_t start, uint64_t end,
                           const MmapRecord& origin) {
  const uint64_t before = image.ranges.bytes();
  image.ranges.Insert(start, end, origin);  // MAP_FIXED over an existing mapping replaces it
  image.mapped_bytes = image.mapped_bytes - before + image.ranges.bytes();
  mapped_bytes_ = mapped_bytes_ - before + image.ranges.bytes();
}

// The program's own share of the break is the sum of what its own brk/sbrk calls moved it by:
// glibc's malloc moves the break too (internally, unseen), and that is heap, not a mapping.
void MappingReplay::SetBreak(ImageMappings& image, uint64_t old_break, uint64_t new_break) {
  const uint64_t bytes = GrowBreak(image.break_bytes, old_break, new_break);
  image.mapped_bytes = image.mapped_bytes - image.break_bytes + bytes;
  mapped_bytes_ = mapped_bytes_ - image.break_bytes + bytes;
  image.break_bytes = bytes;
}

bool MappingReplay::ApplySyscall(ImageMappings& image, const SyscallRecord& call) {
  // Failed calls return -errno (-4095..-1); unfinished ones (the process died in them) are
  // not known to have done anything.
  if ((call.h.flags & kSyscallUnfinished) != 0 || uint64_t(call.result) >= uint64_t(-4095)) {
    return false;
  }
  const uint64_t result = uint64_t(call.result);
  switch (call.number) {
    case SYS_mmap: {  // (addr, length, prot, flags, fd, offset) -> the mapping's address
      ++image.counters.mmaps;
      image.counters.bytes_mapped += PageUp(call.args[1]);
      MmapRecord origin = MadeUpOrigin(call.ts_ns + call.duration_ns, uint32_t(call.args[2]),
                                       uint32_t(call.args[3]), call.tid, kNoStack);
      origin.addr = result;
      origin.length = call.args[1];
      Insert(image, result, result + PageUp(call.args[1]), origin);
      return true;
    }
    case SYS_munmap:  // (addr, length)
      ++image.counters.munmaps;
      Remove(image, call.args[0], call.args[0] + PageUp(call.args[1]));
      return true;
    case SYS_mremap: {  // (old_addr, old_length, new_length, flags, new_addr) -> new address
      const uint64_t old_length = PageUp(call.args[1]), new_length = PageUp(call.args[2]);
      MappedRanges::Ranges removed;
      // old_length 0 duplicates a shared mapping and MREMAP_DONTUNMAP keeps the old range.
      if (old_length != 0 && !(call.args[3] & MREMAP_DONTUNMAP)) {
        removed = Remove(image, call.args[0], call.args[0] + old_length);
      }
      ++image.counters.mremaps;
      if (new_length > old_length) image.counters.bytes_mapped += new_length - old_length;
      Insert(image, result, result + new_length,
             MovedOrigin(removed, call.ts_ns + call.duration_ns, call.tid, kNoStack));
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
      Insert(image, mmap->addr, mmap->addr + PageUp(mmap->length), *mmap);
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
      MappedRanges::Ranges removed;
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
      MappedRanges::Ranges removed;
      auto parked = image.remapping.find(end->tid);
      if (parked != image.remapping.end() && parked->second.first == end->old_addr) {
        removed = std::move(parked->second.second);
        image.remapping.erase(parked);
      } else if (end->new_addr != 0 && end->old_length != 0 && !(end->flags & MREMAP_DONTUNMAP)) {
        // BEGIN was not recorded (tracing started in between): the old range still goes.
        removed = Remove(image, end->old_addr, end->old_addr + PageUp(end->old_length));
      }
      if (end->new_addr == 0) {
        for (const auto& [start, range] : removed) Insert(image, start, range.end, range.value);
      } else {
        ++image.counters.mremaps;
        // A range memwrap never saw mapped (made before tracing started, or by glibc itself)
        // is not the program's mapping to count, moved or not.
        if (removed.empty() && end->old_length != 0) break;
        const uint64_t new_length = PageUp(end->new_length);
        const uint64_t old_length = PageUp(end->old_length);
        if (new_length > old_length) image.counters.bytes_mapped += new_length - old_length;
        Insert(image, end->new_addr, end->new_addr + new_length,
               MovedOrigin(removed, end->ts_ns, end->tid, end->stack));
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

std::vector<MmapRecord> MappingReplay::MappedPieces(ImageId image_id) const {
  std::vector<MmapRecord> pieces;
  auto image = images_.find(image_id);
  if (image == images_.end()) return pieces;
  MappedRanges::Ranges all = image->second.ranges.ranges();
  for (const auto& [tid, parked] : image->second.remapping) {
    all.insert(parked.second.begin(), parked.second.end());
  }
  for (const auto& [start, piece] : all) {
    MmapRecord mmap = piece.value;
    mmap.addr = start;
    mmap.length = piece.end - start;
    pieces.push_back(mmap);
  }
  return pieces;
}

}  // namespace memwrap
