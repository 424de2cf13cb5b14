#include "cli/run_attached.h"

#include <stdio.h>

#include <memory>

#include "analyzer/report.h"
#include "cli/recording_session.h"
#include "memwrap/exit_codes.h"
#include "memwrap/session_info_keys.h"
#include "procfs/proc_files.h"
#include "tracer/stack_sampling.h"
#include "tracer/tracer_ticks.h"

namespace memwrap {
namespace {

// What -p says of a process it found: its name (comm) and command line.
struct RunningProcess {
  std::string comm;     // "" : no such process
  std::string command;  // its arguments, space-separated; "" if unreadable
};

RunningProcess Describe(pid_t pid) {
  RunningProcess process;
  process.comm = ReadProcFile(pid, "comm");
  std::string& comm = process.comm;
  while (!comm.empty() && (comm.back() == '\n' || comm.back() == '/')) comm.pop_back();
  process.command = ReadProcFile(pid, "cmdline");
  std::string& command = process.command;
  for (char& c : command) c = c == '\0' ? ' ' : c;
  while (!command.empty() && command.back() == ' ') command.pop_back();
  return process;
}

SessionInfo AttachedSessionInfo(const AttachedRun& run, const RunningProcess& process,
                                const std::string& host) {
  SessionInfo info{
      {session_key::kCommand, process.command.empty() ? process.comm : process.command},
      {session_key::kHost, host},
      {session_key::kPid, std::to_string(run.pid)},
      {session_key::kAttached, "1"},
      {session_key::kMemwrapVersion, MEMWRAP_VERSION},
      {session_key::kSampleIntervalNs, std::to_string(run.interval_ns)},
      {session_key::kSyscalls, run.syscalls.empty() ? "default" : run.syscalls},
      {session_key::kHeapNotRecorded,
       "memwrap attached to a running process (the shim can only be "
       "preloaded into a program memwrap starts)"}};
  if (run.stack_sample_rate != 0) {
    info[session_key::kStackSampleRateHz] = std::to_string(run.stack_sample_rate);
  }
  return info;
}

void PrintSummary(const AttachedRun& run, const std::string& output) {
  try {
    Report report = BuildReport(
        output,
        ReportOptions{
            .top = run.top, .process = 0, .suppressions = "", .scope = ReportScope::kRunSummary});
    fputs(FormatRunSummary(report, run.top).c_str(), stderr);
  } catch (const std::exception& error) {
    fprintf(stderr, "memwrap: cannot summarise %s: %s\n", output.c_str(), error.what());
  }
}

int Record(const AttachedRun& run, const RunningProcess& process, const std::string& output) {
  RecordingSession session("memwrap");
  session.AttachTo(run.pid);
  const auto existing =
      run.force ? TraceWriter::Existing::kReplace : TraceWriter::Existing::kRefuse;
  if (!session.OpenTrace(output, existing, AttachedSessionInfo(run, process, session.host()))) {
    return kExitCannotWrite;
  }
  session.StartCollector(0);
  TraceRecorder& recorder = session.MakeRecorder(ShimPresence::kNone, run.interval_ns);
  if (run.quiet) recorder.QuietNotices();
  ProcessTreeOptions options;
  options.selection = run.selection;
  // A filter cannot be added to a running process: every call stops, memwrap selects.
  options.stops = run.selection.empty() ? SyscallStops::kNone : SyscallStops::kAll;
  options.wait_spin_ns = run.wait_poll_ns;
  ProcessTree& tree = session.Follow(&recorder, options);
  std::unique_ptr<StackSampling> sampling;
  if (run.stack_sample_rate != 0) {
    sampling =
        std::make_unique<StackSampling>(&tree, &recorder, run.stack_sample_rate, run.stack_depth);
    recorder.OnImage([&sampling](pid_t pid, bool) { sampling->NewImage(pid); });
  }
  if (std::string error = session.Trace(); !error.empty()) {
    fprintf(stderr, "memwrap: cannot attach to %d: %s\n", run.pid, error.c_str());
    session.DiscardTrace();
    return kExitUsage;
  }
  recorder.AnnounceAttached(run.pid);
  // The timer also notices the end of --duration, a quarter of it late at most.
  TracerTicks ticks(&recorder, sampling.get(), run.interval_ns != 0 ? run.interval_ns : 100'000'000,
                    run.duration_ns != 0 ? run.duration_ns / 4 + 1 : 0);
  session.Run(
      ticks.period_ns(), [&ticks](uint64_t now) { ticks.Tick(now); }, run.duration_ns);
  session.FinishTrace();
  if (!run.quiet) PrintSummary(run, output);
  return kExitOk;
}

}  // namespace

int RunAttached(const AttachedRun& run) {
  const RunningProcess process = Describe(run.pid);
  if (process.comm.empty()) {
    fprintf(stderr, "memwrap: -p %d: no such process\n", run.pid);
    return kExitUsage;
  }
  const std::string output =
      run.output.empty() ? process.comm + "." + std::to_string(run.pid) + ".mwt" : run.output;
  try {
    return Record(run, process, output);
  } catch (const std::exception& error) {
    fprintf(stderr, "memwrap: %s\n", error.what());
    return kExitUsage;
  }
}

}  // namespace memwrap
