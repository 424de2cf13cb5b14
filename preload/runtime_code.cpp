#include "preload/runtime_code.h"

#include <elf.h>
#include <link.h>
#include <string.h>

#include <atomic>

#include "memwrap/runtime_modules.h"

namespace memwrap::shim {
namespace {

struct CodeRange {
  uint64_t begin, end;
};

// More runtime segments than this (a program with many allocators preloaded) leave the rest
// counted under the runtime's own return addresses, as before this lookup existed.
constexpr int kMaxRanges = 32;

CodeRange g_ranges[kMaxRanges];
std::atomic<int> g_range_count{0};
// The ranges' hull: program code (a PIE at 0x55..., or a fixed address low in memory) lies
// outside it, so most lookups end at one comparison.
std::atomic<uint64_t> g_lowest{0}, g_highest{0};
// Bumped by ForgetRuntimeCode; the ranges are current when g_read_generation equals it.
std::atomic<uint32_t> g_generation{1};
std::atomic<uint32_t> g_read_generation{0};
std::atomic_flag g_reading = ATOMIC_FLAG_INIT;

struct Collected {
  CodeRange ranges[kMaxRanges];
  int count = 0;
};

const char* FileName(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

int CollectOne(dl_phdr_info* info, size_t, void* data) {
  auto* collected = static_cast<Collected*>(data);
  if (info->dlpi_name == nullptr || !IsRuntimeModuleName(FileName(info->dlpi_name))) return 0;
  for (int i = 0; i < info->dlpi_phnum && collected->count < kMaxRanges; ++i) {
    const ElfW(Phdr)& phdr = info->dlpi_phdr[i];
    if (phdr.p_type != PT_LOAD || (phdr.p_flags & PF_X) == 0) continue;
    const uint64_t begin = info->dlpi_addr + phdr.p_vaddr;
    collected->ranges[collected->count++] = {begin, begin + phdr.p_memsz};
  }
  return 0;
}

// One thread reads the ranges; another that finds them stale meanwhile uses them as they are
// (a call misplaced by a library loaded this very moment is still counted, under its
// runtime address).
__attribute__((noinline)) void ReadRanges(uint32_t wanted) {
  if (g_reading.test_and_set(std::memory_order_acquire)) return;
  Collected collected;
  dl_iterate_phdr(CollectOne, &collected);
  g_range_count.store(0, std::memory_order_release);
  uint64_t lowest = UINT64_MAX, highest = 0;
  for (int i = 0; i < collected.count; ++i) {
    g_ranges[i] = collected.ranges[i];
    if (collected.ranges[i].begin < lowest) lowest = collected.ranges[i].begin;
    if (collected.ranges[i].end > highest) highest = collected.ranges[i].end;
  }
  g_lowest.store(lowest, std::memory_order_relaxed);
  g_highest.store(highest, std::memory_order_relaxed);
  g_range_count.store(collected.count, std::memory_order_release);
  g_read_generation.store(wanted, std::memory_order_release);
  g_reading.clear(std::memory_order_release);
}

inline void ReadRangesIfStale() {
  const uint32_t wanted = g_generation.load(std::memory_order_acquire);
  if (g_read_generation.load(std::memory_order_acquire) != wanted) ReadRanges(wanted);
}

}  // namespace

bool IsRuntimeCode(uint64_t address) {
  ReadRangesIfStale();
  if (address < g_lowest.load(std::memory_order_relaxed) ||
      address >= g_highest.load(std::memory_order_relaxed)) {
    return false;
  }
  const int count = g_range_count.load(std::memory_order_acquire);
  for (int i = 0; i < count; ++i) {
    if (address >= g_ranges[i].begin && address < g_ranges[i].end) return true;
  }
  return false;
}

void ForgetRuntimeCode() {
  g_generation.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace memwrap::shim
