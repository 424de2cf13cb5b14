// memwrap's share of a process (tracer/collector/memwrap_resident.h), read from this test's own
// /proc/self/maps and pagemap, against pages the test touched itself: the shim's marked
// regions (preload/shim_memory.h, compiled in), a memwrap-named memfd, and memory of others.
#include "tracer/collector/memwrap_resident.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "memwrap/own_memory.h"
#include "preload/shim_memory.h"

namespace memwrap {
namespace {

constexpr uint64_t kPage = 4096;

MemwrapResident ReadOwn() {
  MemwrapResident resident;
  EXPECT_TRUE(ReadMemwrapResident(getpid(), &resident));
  return resident;
}

std::string OwnMaps() {
  std::ifstream maps("/proc/self/maps");
  std::stringstream text;
  text << maps.rdbuf();
  return text.str();
}

char* SharedMemfd(const char* name, size_t pages) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(ftruncate(fd, off_t(pages * kPage)), 0);
  void* p = mmap(nullptr, pages * kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  EXPECT_NE(p, MAP_FAILED);
  return static_cast<char*>(p);
}

// PAGEMAP_SCAN, which tells the zero page apart, came with Linux 6.7.
bool KernelHasPagemapScan() {
  utsname name{};
  int major = 0, minor = 0;
  return uname(&name) == 0 && sscanf(name.release, "%d.%d", &major, &minor) == 2 &&
         (major > 6 || (major == 6 && minor >= 7));
}

TEST(MemwrapResident, CountsTheShimsRegionsAndMemwrapsMemfdsPageByPageAndNothingElse) {
  ASSERT_EQ(ReadOwn().total(), 0u) << "this test has no memwrap memory of its own yet";

  const size_t region_bytes = 64 * kPage + 100;  // rounded up to 65 pages
  auto* region = static_cast<volatile char*>(shim::MapShimMemory(region_bytes));
  ASSERT_NE(region, nullptr);
  for (int i = 0; i < 10; ++i) region[i * 6 * kPage + 17] = 1;  // 10 pages, one of them the last
  region[64 * kPage + 99] = 1;                                  // the last page
  char* ring = SharedMemfd("memwrap-test-ring", 32);
  for (int i = 0; i < 5; ++i) ring[i * kPage] = 1;
  char* others = SharedMemfd("not-memwraps", 8);
  for (int i = 0; i < 3; ++i) others[i * kPage] = 1;
  auto* anonymous = static_cast<char*>(
      mmap(nullptr, 8 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(anonymous, MAP_FAILED);
  for (int i = 0; i < 7; ++i) anonymous[i * kPage] = 1;

  const MemwrapResident resident = ReadOwn();
  EXPECT_EQ(resident.anon, 11 * kPage);
  EXPECT_EQ(resident.shmem, 5 * kPage);
  EXPECT_EQ(resident.file, 0u);
  EXPECT_EQ(resident.total(), 16 * kPage);
  EXPECT_NE(OwnMaps().find(std::string("/memfd:") + kOwnRegionMarker), std::string::npos);

  // Unmapped, the region takes its marker along: nothing of it is left to count.
  shim::UnmapShimMemory(const_cast<char*>(region), region_bytes);
  EXPECT_EQ(ReadOwn().anon, 0u);
  EXPECT_EQ(OwnMaps().find(std::string("/memfd:") + kOwnRegionMarker), std::string::npos);
  munmap(ring, 32 * kPage);
  munmap(others, 8 * kPage);
  munmap(anonymous, 8 * kPage);
  EXPECT_EQ(ReadOwn().total(), 0u);
}

// RssAnon of this process, in bytes.
uint64_t RssAnon() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::stoull(line.substr(8)) * 1024;
  }
  return 0;
}

TEST(MemwrapResident, PagesTheShimOnlyReadCountAsTheKernelsRssCountsThem) {
  // Most kernels map a page that is read before it is ever written to their shared zero page,
  // which RSS does not count; some allocate it (the one memwrap is developed on does). Which
  // one this is, an ordinary mapping tells.
  constexpr int kRead = 256;
  auto* probe = static_cast<volatile char*>(
      mmap(nullptr, kRead * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(probe, MAP_FAILED);
  const uint64_t before = RssAnon();
  char sum = 0;
  for (int i = 0; i < kRead; ++i) sum = char(sum + probe[i * kPage]);
  const bool reads_allocate = RssAnon() - before >= kRead / 2 * kPage;
  munmap(const_cast<char*>(probe), kRead * kPage);
  if (!reads_allocate && !KernelHasPagemapScan()) {
    GTEST_SKIP() << "before Linux 6.7 pagemap cannot tell the zero page apart";
  }

  auto* region = static_cast<volatile char*>(shim::MapShimMemory(16 * kPage));
  ASSERT_NE(region, nullptr);
  for (int i = 0; i < 8; ++i) sum = char(sum + region[i * kPage]);
  region[9 * kPage] = 1;
  region[12 * kPage] = sum;
  EXPECT_EQ(ReadOwn().anon, (reads_allocate ? 10 : 2) * kPage);
  shim::UnmapShimMemory(const_cast<char*>(region), 16 * kPage);
}

TEST(MemwrapResident, ACarriedShareTakesTheGrowthOfSharedMemorySinceForMemwrapsRings) {
  MemwrapResident last;
  last.shmem = 12 * kPage;  // the ring, partly filled, when it was read
  last.anon = 30 * kPage;
  last.file = 5 * kPage;
  // The ring filled by 100 pages since: RssShmem went from 12 to 112 pages.
  MemwrapResident grown = CarriedShare(last, 12 * kPage, 112 * kPage);
  EXPECT_EQ(grown.shmem, 112 * kPage);
  EXPECT_EQ(grown.anon, 30 * kPage);
  EXPECT_EQ(grown.file, 5 * kPage);
  // Shared memory that shrank (the program unmapped some of its own) takes nothing off the ring.
  EXPECT_EQ(CarriedShare(last, 40 * kPage, 20 * kPage).shmem, 12 * kPage);
}

TEST(MemwrapResident, EachPartIsLeftOutOfTheCounterItBelongsTo) {
  MemorySampleRecord sample{};
  sample.rss = 100 * kPage;
  sample.rss_anon = 60 * kPage;
  sample.rss_file = 30 * kPage;
  sample.rss_shmem = 10 * kPage;
  sample.hwm = 120 * kPage;
  sample.pss = 90 * kPage;
  sample.swap = 5 * kPage;
  MemwrapResident memwrap;
  memwrap.shmem = 8 * kPage;
  memwrap.anon = 4 * kPage;
  memwrap.file = 2 * kPage;
  LeaveOutMemwrap(memwrap, &sample);
  EXPECT_EQ(sample.rss, 86 * kPage);
  EXPECT_EQ(sample.rss_anon, 56 * kPage);
  EXPECT_EQ(sample.rss_file, 28 * kPage);
  EXPECT_EQ(sample.rss_shmem, 2 * kPage);
  EXPECT_EQ(sample.hwm, 106 * kPage);
  EXPECT_EQ(sample.pss, (90 - 4 - 2 - 4) * kPage);  // the ring's pages half: the collector's too
  EXPECT_EQ(sample.swap, 5 * kPage);
  EXPECT_EQ(sample.memwrap_rss, 14 * kPage);

  // A share larger than a counter (read at another moment) takes it to 0, not below; a sample
  // without PSS keeps its 0.
  MemorySampleRecord small{};
  small.h.flags = kMemorySampleWithoutPss;
  small.rss = 10 * kPage;
  small.rss_shmem = 1 * kPage;
  LeaveOutMemwrap(memwrap, &small);
  EXPECT_EQ(small.rss, 0u);
  EXPECT_EQ(small.rss_shmem, 0u);
  EXPECT_EQ(small.pss, 0u);
}

}  // namespace
}  // namespace memwrap
