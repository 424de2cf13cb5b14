#include "tracer/trace_recorder.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "memwrap/monotonic_clock.h"
#include "procfs/proc_files.h"
#include "tracer/collector/memwrap_resident.h"
#include "tracer/collector/proc_memory.h"
#include "tracer/preload_obstacle.h"
#include "tracer/syscalls/syscall_table.h"

namespace memwrap {
namespace {

constexpr size_t kBatchBytes = 256 << 10;
constexpr uint64_t kBatchAgeNs = 200'000'000;
// A sample after a memory call is skipped if the process was sampled less than this before: a
// /proc read costs ~20 us, more than the call, and in a tight loop of memory calls samples
// this close would show the same memory give or take one millisecond of calls (the exact peak
// comes from VmHWM at exit anyway).
constexpr uint64_t kMinSampleSpacingNs = 1'000'000;

std::string Executable(pid_t pid) {
  char path[64], target[PATH_MAX];
  snprintf(path, sizeof(path), "/proc/%d/exe", pid);
  ssize_t n = readlink(path, target, sizeof(target) - 1);
  if (n <= 0) return "";
  return std::string(target, size_t(n));
}

}  // namespace

TraceRecorder::TraceRecorder(Collector* collector, ShimPresence shim, uint64_t sample_interval_ns)
    : collector_(collector),
      no_shim_(shim == ShimPresence::kNone),
      sample_interval_ns_(sample_interval_ns) {}

void TraceRecorder::Append(pid_t pid, const void* record, size_t size, uint64_t now_ns) {
  Batch& batch = batches_[pid];
  if (batch.bytes.empty()) batch.first_ns = now_ns;
  const auto* p = static_cast<const uint8_t*>(record);
  batch.bytes.insert(batch.bytes.end(), p, p + size);
  if (batch.bytes.size() >= kBatchBytes) Flush(pid);
}

void TraceRecorder::Flush(pid_t pid) {
  auto it = batches_.find(pid);
  if (it == batches_.end()) return;
  if (!it->second.bytes.empty()) {
    collector_->AddRecord(uint32_t(pid),
                          std::vector<uint8_t>(it->second.bytes.begin(), it->second.bytes.end()));
  }
  batches_.erase(it);
}

void TraceRecorder::FlushAll() {
  while (!batches_.empty()) Flush(batches_.begin()->first);
}

void TraceRecorder::Tick(uint64_t now_ns) {
  if (sample_interval_ns_ != 0) {
    for (pid_t pid : without_shim_) SampleMemory(pid, now_ns);
  }
  // A process with the shim gets its batch handed over at every tick: the collector merges it
  // by time into the heap records it has not written yet, and those go out in chunks of 1 MiB,
  // often many times in 200 ms. The others' batches are chunks of their own.
  std::vector<pid_t> old;
  for (const auto& [pid, batch] : batches_) {
    if (now_ns - batch.first_ns >= kBatchAgeNs || without_shim_.count(pid) == 0) {
      old.push_back(pid);
    }
  }
  for (pid_t pid : old) Flush(pid);
}

void TraceRecorder::SampleMemory(pid_t pid, uint64_t now_ns, bool with_pss) {
  MemorySampleRecord sample{};
  sample.h = {sizeof(sample), uint16_t(RecordType::kMemorySample), 0};
  sample.ts_ns = now_ns;
  const bool read = with_pss ? ReadTimerSample(pid, &sample, &BudgetOf(pid), sample_interval_ns_)
                             : ReadProcessMemory(pid, &sample, /*with_pss=*/false);
  if (read) Append(pid, &sample, sizeof(sample), now_ns);
  last_sample_ns_[pid] = now_ns;
}

void TraceRecorder::OnSyscall(const SyscallEvent& event_in) {
  // The trace holds x86_64 numbers: a 32-bit call goes in under its x86_64 namesake's number,
  // or not at all when it has none (its arguments are 32-bit values either way).
  SyscallEvent event = event_in;
  if (event.i386) {
    const int number = SyscallNumber(Syscall(event.number, SyscallArch::kI386).name);
    if (number < 0) return;
    event.number = uint32_t(number);
  }
  SyscallRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kSyscall),
              uint16_t(event.finished ? 0 : kSyscallUnfinished)};
  record.ts_ns = event.entry_ns;
  record.duration_ns = event.finished ? event.exit_ns - event.entry_ns : 0;
  record.tid = uint32_t(event.tid);
  record.number = event.number;
  record.result = event.finished ? event.result : 0;
  for (int i = 0; i < 6; ++i) record.args[i] = event.args[i];
  const uint64_t now = event.finished ? event.exit_ns : event.entry_ns;
  Append(event.pid, &record, sizeof(record), now);
  // Right after a call that changed the address space: what it did to the RSS, read once the
  // thread runs again (AfterResume) so that the /proc reading does not stop it, and without
  // PSS (smaps_rollup walks every mapping: several times the cost of the status file); the
  // timer's samples keep measuring PSS.
  if (sample_interval_ns_ != 0 && event.finished && without_shim_.count(event.pid) != 0 &&
      (Syscall(event.number).classes & TM) != 0 &&
      event.exit_ns - last_sample_ns_[event.pid] >= kMinSampleSpacingNs) {
    sample_after_resume_ = event.pid;
  }
}

// A process with the shim: its batch goes to the collector now, before the thread's exit can
// close the shim's socket, so that the collector merges it into the process's last records
// rather than writing it after them.
//
// Its main thread's exit is also where memwrap's share of its memory is read, to be left out of
// the VmHWM read at the same stop (docs/tracer.md, "How the program's own RSS is obtained"): once
// per process, however many threads it had.
void TraceRecorder::OnThreadExiting(pid_t pid, pid_t tid) {
  if (without_shim_.count(pid) != 0) return;
  Flush(pid);
  if (tid == pid && !no_shim_) {
    MemwrapResident memwrap;
    if (ReadMemwrapResident(pid, &memwrap)) memwrap_at_exit_[pid] = memwrap.total();
  }
}

void TraceRecorder::AfterResume() {
  if (sample_after_resume_ == 0) return;
  const pid_t pid = sample_after_resume_;
  sample_after_resume_ = 0;
  SampleMemory(pid, MonotonicNs(), /*with_pss=*/false);
}

void TraceRecorder::WriteProcessStart(pid_t pid, uint64_t now_ns) {
  std::string exe = Executable(pid);
  std::string cmdline = ReadProcFile(pid, "cmdline");
  if (!cmdline.empty() && cmdline.back() != '\0') cmdline.push_back('\0');
  ProcessStartRecord start{};
  start.ts_ns = now_ns;
  start.pid = uint32_t(pid);
  auto parent = parents_.find(pid);
  start.ppid = parent != parents_.end() ? uint32_t(parent->second) : 0;
  std::string strings = exe + '\0' + cmdline;
  // Long command lines are cut so that the record fits (kMaxRecordSize).
  const size_t room = kMaxRecordSize - kRecordAlign - sizeof(start);
  if (strings.size() > room) {
    strings.resize(room);
    strings.back() = '\0';
  }
  start.exe_size = uint32_t(exe.size() + 1);
  start.cmdline_size = uint32_t(strings.size() - start.exe_size);
  const size_t used = sizeof(start) + strings.size();
  start.h = {AlignRecordSize(used), uint16_t(RecordType::kProcessStart), kProcessStartWithoutShim};
  std::vector<uint8_t> bytes(start.h.size, 0);
  memcpy(bytes.data(), &start, sizeof(start));
  memcpy(bytes.data() + sizeof(start), strings.data(), strings.size());
  Append(pid, bytes.data(), bytes.size(), now_ns);
}

void TraceRecorder::OnProcessStart(pid_t pid, pid_t ppid) {
  parents_[pid] = ppid;
  // A forked child runs its parent's image: without the shim if the parent was. (The first
  // process is announced at its exec: before it, it is memwrap's own code.)
  const bool parent_without_shim = without_shim_.count(ppid) != 0;
  if (no_shim_ || parent_without_shim) without_shim_.insert(pid);
  if (parent_without_shim) WriteProcessStart(pid, MonotonicNs());
}

void TraceRecorder::AnnounceAttached(pid_t pid) {
  without_shim_.insert(pid);
  WriteProcessStart(pid, MonotonicNs());
}

void TraceRecorder::OnExec(pid_t pid) {
  bool has_shim = false;
  if (!no_shim_) {
    const std::string exe = Executable(pid);
    has_shim = exe.empty() || PreloadObstacle(exe).empty();
  }
  if (has_shim) {
    without_shim_.erase(pid);
  } else {
    without_shim_.insert(pid);
    WriteProcessStart(pid, MonotonicNs());
  }
  if (on_image_) on_image_(pid, has_shim);
}

void TraceRecorder::OnProcessExit(pid_t pid, int wait_status, const struct rusage& usage,
                                  uint64_t hwm_kib) {
  Flush(pid);
  const bool was_without_shim = without_shim_.erase(pid) != 0;
  parents_.erase(pid);
  last_sample_ns_.erase(pid);
  pss_budgets_.erase(pid);
  // VmHWM read at PTRACE_EVENT_EXIT is this image's exact peak; wait4's ru_maxrss also counts
  // the images before an exec (for the first process: memwrap's own pre-exec copy).
  uint32_t max_rss_kib = hwm_kib != 0 ? uint32_t(hwm_kib) : uint32_t(usage.ru_maxrss);
  // memwrap's share: none in a process without the shim; unknown when the exit was not seen
  // in time to measure it (VmHWM unread: SIGKILL), and then left in.
  std::optional<uint32_t> memwrap_rss_kib;
  if (auto it = memwrap_at_exit_.find(pid); it != memwrap_at_exit_.end()) {
    if (hwm_kib != 0) {
      memwrap_rss_kib = uint32_t(std::min<uint64_t>(it->second / 1024, max_rss_kib));
      max_rss_kib -= *memwrap_rss_kib;
    }
    memwrap_at_exit_.erase(it);
  } else if (hwm_kib != 0 && (no_shim_ || was_without_shim)) {
    memwrap_rss_kib = 0;
  }
  if (WIFEXITED(wait_status)) {
    collector_->RecordExit(uint32_t(pid), ExitKind::kExited, WEXITSTATUS(wait_status),
                           MonotonicNs(), max_rss_kib, memwrap_rss_kib);
  } else if (WIFSIGNALED(wait_status)) {
    collector_->RecordExit(uint32_t(pid), ExitKind::kSignaled, WTERMSIG(wait_status), MonotonicNs(),
                           max_rss_kib, memwrap_rss_kib);
  }
}

}  // namespace memwrap
