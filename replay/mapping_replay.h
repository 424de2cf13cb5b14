// Replays the program's own mappings (mmap, munmap, mremap, brk/sbrk) into the set of mapped
// ranges per process image, and keeps the mapped total. Ranges are whole pages (4 KiB), as
// the kernel maps them; an unmap of part of a mapping splits it; a MAP_FIXED mapping replaces
// whatever it lands on. These are the program's own mappings: glibc's mmaps behind large
// mallocs are heap, and library loads are module events, neither is counted here.
//
// A process image without the shim (static or setuid, or traced by stracedrv) has no MMAP/BRK
// records; its mappings come from the tracer's SYSCALL records of mmap, munmap, mremap and brk
// instead. The kernel sees no difference between glibc's mappings and the program's, so there
// they include the heap (malloc's break and its mmaps) and the loader's library mappings: every
// mapping the image made by a system call. The PROCESS_START flag kProcessStartWithoutShim says
// which images these are; the SYSCALL records of images with the shim are never counted (the
// shim's records already are).
#pragma once

#include <stdint.h>

#include <map>
#include <unordered_map>
#include <vector>

#include "memwrap/records.h"
#include "replay/image_id.h"
#include "replay/range_map.h"
#include "tracefile/record_cursor.h"

namespace memwrap {

struct MappingCounters {
  uint64_t mmaps = 0;         // successful mmap/mmap64 calls
  uint64_t munmaps = 0;       // munmap calls (valid arguments)
  uint64_t mremaps = 0;       // successful mremap calls
  uint64_t brks = 0;          // successful brk/sbrk calls (sbrk(0) is not recorded)
  uint64_t bytes_mapped = 0;  // sum of page-rounded lengths of mmap calls and mremap growth

  MappingCounters& operator+=(const MappingCounters& other) {
    mmaps += other.mmaps;
    munmaps += other.munmaps;
    mremaps += other.mremaps;
    brks += other.brks;
    bytes_mapped += other.bytes_mapped;
    return *this;
  }
};

// Each piece with the MMAP record that made it (its stack, prot, flags, tid; addr and length
// are the whole mapping's). A mapping seen only as a SYSCALL record, or moved by mremap from a
// range never seen mapped, has one made up from the call.
using MappedRanges = RangeMap<MmapRecord>;

struct ImageMappings {
  MappedRanges ranges;
  uint64_t mapped_bytes = 0;  // ranges + break growth
  uint64_t break_bytes = 0;   // net growth by the program's own brk/sbrk calls
  uint64_t peak_bytes = 0;
  MappingCounters counters;
  // mremap ranges between BEGIN and END, per thread: (old start, removed ranges)
  std::unordered_map<uint32_t, std::pair<uint64_t, MappedRanges::Ranges>> remapping;
  // Images without the shim: their mappings come from SYSCALL records, and the break they last
  // saw brk return (0: none yet; the first brk, usually brk(0), sets where the break starts).
  bool from_syscalls = false;
  uint64_t last_break = 0;
};

class MappingReplay {
 public:
  // Applies one record of `image`; true when the mapped total changed.
  bool Apply(ImageId image, const RecordView& record);
  void EndImage(ImageId image);

  uint64_t mapped_bytes() const { return mapped_bytes_; }
  const std::unordered_map<ImageId, ImageMappings>& images() const { return images_; }
  MappingCounters Totals() const;
  // The image's mapped pieces in address order, each as the MMAP record that made it cut to the
  // piece (addr, length): what a reader replaying them gets the same ranges from. Pieces an
  // mremap took away at its BEGIN whose END has not come are where they were until it does.
  std::vector<MmapRecord> MappedPieces(ImageId image) const;

 private:
  // Removes [start, end) from the image's ranges; returns what was removed.
  MappedRanges::Ranges Remove(ImageMappings& image, uint64_t start, uint64_t end);
  void Insert(ImageMappings& image, uint64_t start, uint64_t end, const MmapRecord& origin);
  void SetBreak(ImageMappings& image, uint64_t old_break, uint64_t new_break);
  // A finished mmap/munmap/mremap/brk of an image without the shim; false for any other call.
  bool ApplySyscall(ImageMappings& image, const SyscallRecord& call);

  std::unordered_map<ImageId, ImageMappings> images_;
  uint64_t mapped_bytes_ = 0;
};

}  // namespace memwrap
