// Turns what the ptrace loop observes into trace records (through the Collector): a SYSCALL
// record per reported call, PROCESS_EXIT for every process (exact VmHWM), and -- for processes
// the shim does not record (static binaries, setuid programs, stracedrv) -- PROCESS_START from
// /proc and MEMORY_SAMPLE records, on the loop's timer and right after each memory syscall
// (unless the process was sampled less than 1 ms before).
//
// Records of one process are batched and handed to the collector in time order.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <set>

#include "tracefile/byte_buffer.h"
#include "tracer/collector/collector.h"
#include "tracer/collector/pss_budget.h"
#include "tracer/process_tree.h"

namespace memwrap {

// Which processes of a recording carry the shim (the heap recorder): the recorder writes
// PROCESS_START and memory samples itself for those that do not.
enum class ShimPresence {
  kPerImage,  // memwrap run: each exec'd image is judged by tracer/preload_obstacle.h
  kNone,      // no process has it (attached with -p, stracedrv)
};

class TraceRecorder : public TraceObserver {
 public:
  // `sample_interval_ns` (0: none): the period of the MEMORY_SAMPLE records taken of the
  // processes without the shim (the collector samples the others), their PSS under a budget
  // (pss_budget.h).
  TraceRecorder(Collector* collector, ShimPresence shim, uint64_t sample_interval_ns);

  // Called at each exec with whether the new image has the shim (so the caller can change
  // how the process stops).
  void OnImage(std::function<void(pid_t pid, bool has_shim)> callback) {
    on_image_ = std::move(callback);
  }

  void OnSyscall(const SyscallEvent& event) override;
  void AfterResume() override;
  void OnThreadExiting(pid_t pid, pid_t tid) override;
  void OnProcessStart(pid_t pid, pid_t ppid) override;
  void OnExec(pid_t pid) override;
  void OnProcessExit(pid_t pid, int wait_status, const struct rusage& usage,
                     uint64_t hwm_kib) override;

  // A process memwrap attached to (-p): it has no shim; its PROCESS_START is written now.
  void AnnounceAttached(pid_t pid);

  // A record from another observer of the tree (stack samples), in `pid`'s batch: it reaches the
  // trace after the PROCESS_START this recorder wrote for a process without the shim.
  void AddRecord(pid_t pid, const void* record, size_t size, uint64_t now_ns) {
    Append(pid, record, size, now_ns);
  }
  // True for a process whose image the shim did not enter (static, setuid, attached).
  bool WithoutShim(pid_t pid) const { return without_shim_.count(pid) != 0; }

  // No notices on standard error for what is not an error (`memwrap -q`).
  void QuietNotices() { quiet_notices_ = true; }

  // Periodic: samples processes without the shim, hands old batches to the collector.
  void Tick(uint64_t now_ns);
  void FlushAll();

 private:
  struct Batch {
    ByteBuffer bytes;
    uint64_t first_ns = 0;
  };
  void Append(pid_t pid, const void* record, size_t size, uint64_t now_ns);
  void Flush(pid_t pid);
  void SampleMemory(pid_t pid, uint64_t now_ns, bool with_pss = true);
  PssBudget& BudgetOf(pid_t pid) {
    return pss_budgets_.try_emplace(pid, /*announce=*/!quiet_notices_).first->second;
  }
  void WriteProcessStart(pid_t pid, uint64_t now_ns);

  Collector* collector_;
  bool no_shim_;                 // ShimPresence::kNone
  uint64_t sample_interval_ns_;  // 0: no memory samples
  std::function<void(pid_t, bool)> on_image_;
  std::map<pid_t, Batch> batches_;
  std::map<pid_t, pid_t> parents_;
  std::set<pid_t> without_shim_;
  std::map<pid_t, uint64_t> last_sample_ns_;
  bool quiet_notices_ = false;
  std::map<pid_t, PssBudget> pss_budgets_;     // how often the timer's samples may read PSS
  std::map<pid_t, uint64_t> memwrap_at_exit_;  // memwrap's share, read at the main thread's exit
  pid_t sample_after_resume_ = 0;  // a memory sample due once the stopped thread runs again
};

}  // namespace memwrap
