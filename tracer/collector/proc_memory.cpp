#include "tracer/collector/proc_memory.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "memwrap/monotonic_clock.h"
#include "procfs/proc_files.h"

namespace memwrap {
namespace {

// The value of a "Key:   123 kB" line, in bytes; false if the key is absent.
bool KibField(const char* text, const char* key, uint64_t* bytes) {
  const char* value = ProcField(text, key);
  if (value == nullptr) return false;
  *bytes = strtoull(value, nullptr, 10) * 1024;
  return true;
}

}  // namespace

bool ReadProcessMemory(pid_t pid, MemorySampleRecord* sample, bool with_pss) {
  char text[4096];
  size_t length = 0;
  if (!ReadProcSnapshot(ProcPath(pid, "status"), text, sizeof(text), &length)) return false;
  // A zombie (exited, not yet reaped) has no VmRSS line: nothing to sample.
  if (!KibField(text, "VmRSS", &sample->rss)) return false;
  KibField(text, "RssAnon", &sample->rss_anon);
  KibField(text, "RssFile", &sample->rss_file);
  KibField(text, "RssShmem", &sample->rss_shmem);
  KibField(text, "VmSwap", &sample->swap);
  KibField(text, "VmHWM", &sample->hwm);
  sample->pss = 0;
  if (!with_pss) {
    sample->h.flags |= kMemorySampleWithoutPss;
    return true;
  }
  if (ReadProcSnapshot(ProcPath(pid, "smaps_rollup"), text, sizeof(text), &length)) {
    KibField(text, "Pss", &sample->pss);
  }
  return true;
}

namespace {

// The read's cost is this thread's CPU time: the walk's own, not the time it waited for a CPU on
// a busy machine (which would make every read look expensive).
template <class Read>
uint64_t CpuTimeOf(Read read) {
  const uint64_t before = ClockNs(CLOCK_THREAD_CPUTIME_ID);
  read();
  return ClockNs(CLOCK_THREAD_CPUTIME_ID) - before;
}

void LeaveOutMemwrapShare(pid_t pid, uint64_t began, MemorySampleRecord* sample,
                          MemwrapShare* memwrap, uint64_t interval_ns) {
  if (memwrap->budget.Due(began)) {
    const uint64_t cost = CpuTimeOf([&] { ReadMemwrapResident(pid, &memwrap->last); });
    memwrap->budget.Spent(began, cost, interval_ns);
    memwrap->shmem_at_read = sample->rss_shmem;
    LeaveOutMemwrap(memwrap->last, sample);
    return;
  }
  sample->h.flags |= kMemorySampleMemwrapCarried;
  LeaveOutMemwrap(CarriedShare(memwrap->last, memwrap->shmem_at_read, sample->rss_shmem), sample);
}

}  // namespace

bool ReadTimerSample(pid_t pid, MemorySampleRecord* sample, PssBudget* budget, uint64_t interval_ns,
                     MemwrapShare* memwrap) {
  const uint64_t began = ClockNs(CLOCK_MONOTONIC);
  const bool with_pss = budget->Due(began);
  bool read = false;
  const uint64_t cost = CpuTimeOf([&] { read = ReadProcessMemory(pid, sample, with_pss); });
  if (!read) return false;
  if (memwrap != nullptr) LeaveOutMemwrapShare(pid, began, sample, memwrap, interval_ns);
  if (with_pss && budget->Spent(began, cost, interval_ns)) {
    fprintf(stderr,
            "memwrap: reading the PSS of process %d took %.1f ms (/proc/PID/smaps_rollup walks "
            "its page tables under its memory lock, longer as it grows): its PSS is read at "
            "most every %.0f ms now (%llu%% of the time), its RSS still every %.0f ms\n",
            pid, double(cost) / 1e6, double(PssBudget::SpacingFor(cost)) / 1e6,
            static_cast<unsigned long long>(kPssBudgetPercent), double(interval_ns) / 1e6);
  }
  return true;
}

}  // namespace memwrap
