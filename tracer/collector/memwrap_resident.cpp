#include "tracer/collector/memwrap_resident.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>

#include "memwrap/own_memory.h"
#include "procfs/proc_text.h"
#include "tracefile/unique_fd.h"

namespace memwrap {
namespace {

constexpr uint64_t kPage = 4096;

// PAGEMAP_SCAN, as linux/fs.h declares it since Linux 6.7 (spelled out here: the headers memwrap
// is built against may be older than the kernel it runs on).
constexpr uint64_t kPageIsFile = 1 << 2;
constexpr uint64_t kPageIsPresent = 1 << 3;
constexpr uint64_t kPageIsZeroPfn = 1 << 5;
struct PageRegion {
  uint64_t start, end, categories;
};
struct PageScan {
  uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
  uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
static_assert(sizeof(PageScan) == 96);
constexpr unsigned long kPagemapScan = _IOWR('f', 16, PageScan);

// Pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst).
constexpr uint64_t kEntryPresent = 1ull << 63;
constexpr uint64_t kEntryFileOrShared = 1ull << 61;

// Once a kernel has said it has no PAGEMAP_SCAN, ask no more.
std::atomic<bool> g_scan_missing{false};

struct PageCount {
  uint64_t file = 0, other = 0;  // resident bytes of file pages, of the others (all of them
                                 // when file pages were not told apart)
};

// Resident pages of [begin, end) in the process whose pagemap is `fd`: runs of present pages
// that are not the zero page, told file from anonymous only with `split_file` (that makes the
// kernel look up each page: 20 times the cost on an 8 MiB ring, 160-500 us against 11-15 us
// here while the program ran). False when the kernel has no PAGEMAP_SCAN.
bool ScanResident(int fd, uint64_t begin, uint64_t end, bool split_file, PageCount* count) {
  PageRegion regions[256];
  while (begin < end) {
    PageScan scan{};
    scan.size = sizeof(scan);
    scan.start = begin;
    scan.end = end;
    scan.vec = reinterpret_cast<uintptr_t>(regions);
    scan.vec_len = sizeof(regions) / sizeof(regions[0]);
    scan.category_mask = kPageIsPresent | kPageIsZeroPfn;
    scan.category_inverted = kPageIsZeroPfn;
    scan.return_mask = kPageIsPresent | (split_file ? kPageIsFile : 0);
    long found = ioctl(fd, kPagemapScan, &scan);
    // ENOTTY: no such ioctl; EINVAL: a category it does not know. Anything else (the process
    // is gone) leaves the pages counted so far.
    if (found < 0) return errno != EINVAL && errno != ENOTTY;
    for (long i = 0; i < found; ++i) {
      uint64_t bytes = regions[i].end - regions[i].start;
      ((regions[i].categories & kPageIsFile) ? count->file : count->other) += bytes;
    }
    if (scan.walk_end <= begin) break;
    begin = scan.walk_end;
  }
  return true;
}

// The same with one 8-byte entry per page read (kernels before 6.7). A page only read, mapped
// to the kernel's zero page, looks present here.
void ReadResident(int fd, uint64_t begin, uint64_t end, PageCount* count) {
  uint64_t entries[512];
  for (uint64_t page = begin / kPage; page < end / kPage;) {
    const uint64_t want = std::min<uint64_t>(end / kPage - page, 512);
    ssize_t got = pread(fd, entries, want * 8, off_t(page * 8));
    if (got <= 0) return;
    for (ssize_t i = 0; i < got / 8; ++i) {
      if (entries[i] & kEntryPresent) {
        ((entries[i] & kEntryFileOrShared) ? count->file : count->other) += kPage;
      }
    }
    page += uint64_t(got) / 8;
  }
}

PageCount Resident(int fd, uint64_t begin, uint64_t end, bool split_file = false) {
  PageCount count;
  if (!g_scan_missing.load(std::memory_order_relaxed)) {
    if (ScanResident(fd, begin, end, split_file, &count)) return count;
    g_scan_missing.store(true, std::memory_order_relaxed);
    count = {};
  }
  ReadResident(fd, begin, end, &count);
  return count;
}

bool StartsWith(const char* text, const char* prefix) {
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

}  // namespace

bool ReadMemwrapResident(pid_t pid, MemwrapResident* out) {
  *out = {};
  const std::string dir = "/proc/" + std::to_string(pid) + "/";
  std::string maps;
  if (!ReadProcFile(dir + "maps", &maps)) return false;
  UniqueFd pagemap(open((dir + "pagemap").c_str(), O_RDONLY | O_CLOEXEC));
  if (!pagemap.valid()) return false;
  const std::string memfd = std::string("/memfd:") + kOwnMemfdPrefix;
  const std::string marker = std::string("/memfd:") + kOwnRegionMarker + " ";
  const std::string library = std::string("/") + kOwnLibraryPrefix;
  for (std::string_view view : Lines(maps)) {
    const std::string line(view);
    // "begin-end perms offset dev inode   path"
    uint64_t begin = 0, end = 0, offset = 0;
    int path_at = 0;
    if (sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64 " %*s %*u %n", &begin, &end,
               &offset, &path_at) != 3 ||
        path_at == 0 || end <= begin) {
      continue;
    }
    const char* path = line.c_str() + path_at;
    if (StartsWith(path, marker.c_str())) {
      // The marker itself is never touched; the region after it is the shim's.
      if (offset % kPage == 0 && offset <= kMaxOwnRegionBytes) {
        PageCount region = Resident(pagemap.get(), end, end + offset);
        out->anon += region.file + region.other;
      }
    } else if (StartsWith(path, memfd.c_str())) {
      PageCount ring = Resident(pagemap.get(), begin, end);
      out->shmem += ring.file + ring.other;
    } else if (const char* name = strrchr(path, '/');
               name != nullptr && StartsWith(name, library.c_str())) {
      // The loader's writes (relocations) made private copies of some of its pages: anonymous.
      PageCount image = Resident(pagemap.get(), begin, end, /*split_file=*/true);
      out->file += image.file;
      out->anon += image.other;
    }
  }
  return true;
}

MemwrapResident CarriedShare(const MemwrapResident& last, uint64_t shmem_at_read,
                             uint64_t shmem_now) {
  MemwrapResident share = last;
  if (shmem_now > shmem_at_read) share.shmem += shmem_now - shmem_at_read;
  return share;
}

void LeaveOutMemwrap(const MemwrapResident& memwrap, MemorySampleRecord* sample) {
  auto less = [](uint64_t* value, uint64_t share) { *value = *value > share ? *value - share : 0; };
  less(&sample->rss, memwrap.total());
  less(&sample->rss_anon, memwrap.anon);
  less(&sample->rss_file, memwrap.file);
  less(&sample->rss_shmem, memwrap.shmem);
  less(&sample->hwm, memwrap.total());
  if ((sample->h.flags & kMemorySampleWithoutPss) == 0) {
    less(&sample->pss, memwrap.anon + memwrap.file + memwrap.shmem / 2);
  }
  sample->memwrap_rss = memwrap.total();
}

}  // namespace memwrap
