// One recording, start to end, done the same way by every command that records: memwrap run
// (and fltrec), memwrap run -p, stracedrv, ltracedrv and ltracedrv -p (which writes no trace,
// so makes no collector); memwrap check records through memwrap run. It follows strace's main
// loop:
//   init       Launch() the program (it waits) or AttachTo() a process; OpenTrace(); the
//              collector; Follow() and Trace() the process tree with the command's observer;
//   next event Run(): the tree waits for each ptrace stop ...
//   dispatch   ... and hands it to the observer; meanwhile signals are relayed to a launched
//              program (signal_relay.h) or make an attached tree detach (detach_on_signal.h);
//   terminate  FinishTrace(), then the command ends the way the program ended (exit_status.h).
// A command states only what differs: its options, its observer, what it prints.
#pragma once

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tracefile/trace_writer.h"
#include "tracer/collector/collector.h"
#include "tracer/launcher.h"
#include "tracer/process_tree.h"
#include "tracer/trace_recorder.h"

namespace memwrap {

// The trace's session info: how and what was recorded (key -> value).
using SessionInfo = std::map<std::string, std::string>;

// How a traced program ended: its wait status, or the errno of its failed exec.
struct ProgramEnd {
  int status = 0;          // wait status; -1 when not observed (attached, or detached first)
  int exec_error = 0;      // 0: exec'd (or attached)
  struct rusage usage {};  // without ptrace only (RunUntraced)
};

// PROGRAM [ARGS...] as one line (the session info's "command").
std::string JoinCommand(const std::vector<std::string>& argv);

// PROGRAM could not be resolved (ResolveProgram's errno): says so, like a shell ("command not
// found", then `hint`), and returns the shell's exit code, 127 or 126.
int ProgramNotRunnable(const std::string& name, const std::string& program, int error,
                       const std::string& hint = "");

class RecordingSession {
 public:
  // `name` leads every message ("memwrap", "stracedrv", "memwrap ltrace").
  explicit RecordingSession(std::string name);
  ~RecordingSession();
  RecordingSession(const RecordingSession&) = delete;
  RecordingSession& operator=(const RecordingSession&) = delete;

  // --- init
  // Forks the program, which waits to exec until Run() or RunUntraced() (launcher.h).
  void Launch(const std::string& path, const std::vector<std::string>& argv,
              const std::vector<std::string>& env, int stdout_fd = -1,
              const sock_fprog* seccomp = nullptr);
  // A running process, attached to by Trace().
  void AttachTo(pid_t pid) { pid_ = pid; }
  pid_t pid() const { return pid_; }
  bool launched() const { return launcher_ != nullptr; }
  // Kills a launched program that was never let go (an error before it ran).
  void Abandon();

  // The machine's name, read once (session info, the %h of -o).
  const std::string& host();

  // Creates the trace file (replacing one only with kReplace) and writes `info`. False after
  // saying why, with a launched program abandoned: the command then exits kExitCannotWrite.
  bool OpenTrace(const std::string& path, TraceWriter::Existing existing, const SessionInfo& info);
  // The same check, leaving no file (fltrec: a dump creates it when a trigger fires).
  bool CheckTraceWritable(const std::string& path, TraceWriter::Existing existing);
  // Deletes the trace file OpenTrace created (an error came before the collector started).
  void DropTraceFile();
  // Starts draining the shims' rings into the trace file (none: records are only observed),
  // or into `sink`, which the session then keeps until the collector has finished.
  void StartCollector(uint64_t sample_interval_ns);
  void StartCollector(std::unique_ptr<RecordSink> sink, uint64_t sample_interval_ns);
  // Made on first use (a tracing that writes no trace needs none); throws std::runtime_error
  // when its socket cannot be created.
  Collector& collector();

  // The observer that turns the tree's events into trace records (SYSCALL, PROCESS_START and
  // memory samples of processes without the shim, PROCESS_EXIT). Once per session.
  TraceRecorder& MakeRecorder(ShimPresence shim, uint64_t sample_interval_ns);
  TraceRecorder& recorder() { return *recorder_; }

  // The tree that will follow the program, telling `observer` of every event (made after the
  // fork: it blocks its wake-up signal in this thread, which the program must not inherit).
  ProcessTree& Follow(TraceObserver* observer, ProcessTreeOptions options);
  ProcessTree& tree() { return *tree_; }
  // Seizes the launched program, or attaches to the process. "" or the reason it failed.
  std::string Trace();

  // Signals from now on (Run and RunUntraced take them otherwise): relayed to a launched
  // program (signal_relay.h), or making an attached tree detach (detach_on_signal.h).
  void TakeSignals();

  // --- next event, dispatch
  // Lets the program run (an attached process runs on) and follows the tree until no tracee is
  // left, `duration_ns` (0: no limit) is over, or a stop signal makes an attached tree detach.
  // `tick` is called every `tick_period_ns` (0: no timer, and no `duration_ns` either). The
  // recorder's last batches go to the collector.
  ProgramEnd Run(uint64_t tick_period_ns, std::function<void(uint64_t now_ns)> tick,
                 uint64_t duration_ns = 0);
  // Without ptrace: lets the program exec and waits for it (no wait when exec failed).
  ProgramEnd RunUntraced();

  // --- terminate
  // Ends the collector and closes the trace; says so if a write failed (the trace then holds
  // what was written before).
  void FinishTrace();
  // The two halves, for a command that prints between them (what the collector's observer saw
  // is complete once the collector has ended).
  void EndTrace();
  void SayIfWriteFailed() const;
  // After an error: stops the collector without waiting and deletes the trace file.
  void DiscardTrace();
  // A launched program's exec failed: says why; returns the shell's exit code (127, 126).
  int ExecFailed(const std::string& program, int exec_error) const;

 private:
  void ReleaseSignals();

  std::string name_;
  std::string host_;
  bool host_read_ = false;
  pid_t pid_ = 0;
  std::unique_ptr<Launcher> launcher_;
  // The collector writes into these until it has finished: declared before it, they are
  // destroyed after it (~Collector stops its thread).
  std::unique_ptr<TraceWriter> writer_;
  std::unique_ptr<RecordSink> sink_;
  std::unique_ptr<Collector> collector_;
  bool collector_started_ = false;
  std::unique_ptr<TraceRecorder> recorder_;
  std::unique_ptr<ProcessTree> tree_;
  bool signals_taken_ = false;
};

}  // namespace memwrap
