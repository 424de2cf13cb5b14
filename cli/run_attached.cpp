#include "run_attached.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <map>
#include <memory>

#include "memwrap/exit_codes.h"
#include "report.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_writer.h"
#include "tracer/collector.h"
#include "memwrap/monotonic_clock.h"
#include "tracer/proc_files.h"
#include "tracer/process_tree.h"
#include "tracer/stack_sampling.h"
#include "tracer/tracer_ticks.h"
#include "tracer/trace_recorder.h"
#include "tracer/host_name.h"

namespace memwrap {
namespace {

ProcessTree* g_tree = nullptr;

void DetachOnSignal(int) {
  if (g_tree != nullptr) g_tree->RequestDetach();
}

}  // namespace

int RunAttached(const AttachedRun& run) {
  std::string comm = ReadProcFile(run.pid, "comm");
  while (!comm.empty() && (comm.back() == '\n' || comm.back() == '/')) comm.pop_back();
  if (comm.empty()) {
    fprintf(stderr, "memwrap: -p %d: no such process\n", run.pid);
    return kExitUsage;
  }
  std::string command = ReadProcFile(run.pid, "cmdline");
  for (char& c : command) c = c == '\0' ? ' ' : c;
  while (!command.empty() && command.back() == ' ') command.pop_back();
  const std::string output =
      run.output.empty() ? comm + "." + std::to_string(run.pid) + ".mwt" : run.output;
  try {
    Collector collector;
    std::unique_ptr<TraceWriter> writer;
    try {
      writer = std::make_unique<TraceWriter>(
          output, run.force ? TraceWriter::Existing::kReplace : TraceWriter::Existing::kRefuse);
      std::map<std::string, std::string> session{
          {"command", command.empty() ? comm : command},
          {"host", HostName()},
          {"pid", std::to_string(run.pid)},
          {"attached", "1"},
          {"memwrap_version", MEMWRAP_VERSION},
          {"sample_interval_ns", std::to_string(run.interval_ns)},
          {"syscalls", run.syscalls.empty() ? "default" : run.syscalls},
          {"heap_not_recorded", "memwrap attached to a running process (the shim can only be "
                                "preloaded into a program memwrap starts)"}};
      if (run.stack_sample_rate != 0) {
        session["stack_sample_rate_hz"] = std::to_string(run.stack_sample_rate);
      }
      writer->WriteSessionInfo(session);
    } catch (const TraceError& error) {
      fprintf(stderr, "memwrap: %s\n", error.what());
      return kExitCannotWrite;
    }
    collector.Start(writer.get(), 0);
    const CollectorStopper stop_collector_before_its_sink(&collector);
    TraceRecorder recorder(&collector, /*no_shim=*/true, run.interval_ns);
    if (run.quiet) recorder.QuietNotices();
    ProcessTreeOptions options;
    options.selection = run.selection;
    // A filter cannot be added to a running process: every call stops, memwrap selects.
    options.stops = run.selection.empty() ? SyscallStops::kNone : SyscallStops::kAll;
    options.wait_spin_ns = run.wait_poll_ns;
    ProcessTree tree(&recorder, options);
    std::unique_ptr<StackSampling> sampling;
    if (run.stack_sample_rate != 0) {
      sampling = std::make_unique<StackSampling>(&tree, &recorder, run.stack_sample_rate,
                                                 run.stack_depth);
      recorder.OnImage([&sampling](pid_t pid, bool) { sampling->NewImage(pid); });
    }
    if (std::string error = tree.Attach(run.pid); !error.empty()) {
      fprintf(stderr, "memwrap: cannot attach to %d: %s\n", run.pid, error.c_str());
      collector.RequestStop();
      collector.Finish();
      writer->Discard();
      writer.reset();
      return kExitUsage;
    }
    recorder.AnnounceAttached(run.pid);
    g_tree = &tree;
    struct sigaction action {};
    action.sa_handler = DetachOnSignal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaction(sig, &action, nullptr);
    const uint64_t deadline = run.duration_ns != 0 ? MonotonicNs() + run.duration_ns : 0;
    // The timer also notices the end of --duration, a quarter of it late at most.
    TracerTicks ticks(&recorder, sampling.get(), run.interval_ns != 0 ? run.interval_ns : 100'000'000,
                      run.duration_ns != 0 ? run.duration_ns / 4 + 1 : 0);
    tree.SetTimer(ticks.period_ns(), [&](uint64_t now) {
      ticks.Tick(now);
      if (deadline != 0 && now >= deadline) tree.RequestDetach();
    });
    tree.Run();
    g_tree = nullptr;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) signal(sig, SIG_DFL);
    recorder.FlushAll();
    collector.Finish();
    writer.reset();
    if (std::string error = collector.write_error(); !error.empty()) {
      fprintf(stderr, "memwrap: %s; the trace holds what was written before\n", error.c_str());
    }
    if (!run.quiet) {
      try {
        Report report = BuildReport(output, ReportOptions{.top = run.top,
                                                          .process = 0,
                                                          .suppressions = "",
                                                          .scope = ReportScope::kRunSummary});
        fputs(FormatRunSummary(report, run.top).c_str(), stderr);
      } catch (const std::exception& error) {
        fprintf(stderr, "memwrap: cannot summarise %s: %s\n", output.c_str(), error.what());
      }
    }
    return kExitOk;
  } catch (const std::exception& error) {
    fprintf(stderr, "memwrap: %s\n", error.what());
    return kExitUsage;
  }
}

}  // namespace memwrap
