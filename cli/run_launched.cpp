#include "cli/run_launched.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

#include "analyzer/report.h"
#include "cli/library_call_setup.h"
#include "cli/recording_session.h"
#include "memwrap/exit_codes.h"
#include "memwrap/handshake.h"
#include "memwrap/monotonic_clock.h"
#include "memwrap/ring.h"
#include "memwrap/session_info_keys.h"
#include "tracefile/trace_error.h"
#include "tracer/collector/kept_allocations.h"
#include "tracer/collector/watch_publisher.h"
#include "tracer/exit_status.h"
#include "tracer/flight/expression_judge.h"
#include "tracer/flight/flight_recorder.h"
#include "tracer/job_rank.h"
#include "tracer/preload_obstacle.h"
#include "tracer/stack_sampling.h"
#include "tracer/stdout_relay.h"
#include "tracer/stdout_tap.h"
#include "tracer/syscalls/seccomp_filter.h"
#include "tracer/tracer_ticks.h"

namespace memwrap {
namespace {

// The signal: triggers of the flight recorder; memwrap keeps these for itself.
void CountSignal(int signo) {
  FlightRecorder::NotifySignal(signo);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::vector<uint8_t> StdoutLineRecordOf(uint64_t ts, const std::string& line) {
  const size_t length = std::min<size_t>(line.size(), kMaxStdoutLine - 1);
  StdoutLineRecord record{};
  record.ts_ns = ts;
  record.text_size = uint32_t(length + 1);
  const uint32_t used = uint32_t(sizeof(record) + record.text_size);
  record.h = {AlignRecordSize(used), uint16_t(RecordType::kStdoutLine), 0};
  std::vector<uint8_t> bytes(record.h.size, 0);
  memcpy(bytes.data(), &record, sizeof(record));
  memcpy(bytes.data() + sizeof(record), line.data(), length);
  return bytes;
}

// How system calls stop the program: asked for explicitly, or by default only where the shim
// cannot enter (a static exec'd later switches to stops on every call: see OnImage below).
ProcessTreeOptions TreeOptionsFor(const LaunchedRun& run, bool shim_enters) {
  ProcessTreeOptions options;
  options.selection = run.selection;
  options.wait_spin_ns = run.wait_poll_ns;
  if (run.selection.empty() || (run.syscalls.empty() && shim_enters)) {
    options.stops = SyscallStops::kNone;
  } else if (run.selection.all()) {
    options.stops = SyscallStops::kAll;
  } else {
    options.stops = SyscallStops::kSeccomp;
  }
  return options;
}

// One `memwrap run` or fltrec, on a RecordingSession: what it adds is the shim's environment,
// the trace's name and session info, the flight recorder, stack samples and the stdout tap.
class LaunchedRecording {
 public:
  explicit LaunchedRecording(LaunchedRun run) : run_(std::move(run)), session_("memwrap") {}

  // Never returns when the program ran.
  int Record() {
    if (int status = StartPlugins(); status >= 0) return status;
    Launch();
    if (int status = OpenTrace(); status >= 0) return status;
    if (int status = Trace(); status >= 0) return status;
    StartCollecting();
    ProgramEnd end = RunProgram();
    if (end.exec_error != 0) {
      session_.DiscardTrace();
      return session_.ExecFailed(run_.program.front(), end.exec_error);
    }
    tap_.Stop();
    session_.FinishTrace();
    if (plugins_ != nullptr) plugins_->Finish();
    PrintEnd(end.status);
    ExitLikeProgram(end.status);
  }

 private:
  // The plugins' hosts, started before the program (nothing of theirs is its to inherit) and
  // loaded before it runs: one that cannot be is an error, and nothing runs. -1, or the exit
  // status.
  int StartPlugins() {
    if (run_.plugins.plugins.empty()) return -1;
    try {
      plugins_ = std::make_unique<PluginSession>(run_.plugins, "/proc/self/exe");
    } catch (const std::runtime_error& error) {
      fprintf(stderr, "memwrap: %s\n", error.what());
      return kExitUsage;
    }
    return -1;
  }

  // The program, forked with the shim's environment; it waits until its trace file exists.
  void Launch() {
    Collector& collector = session_.collector();
    if (run_.quiet) collector.QuietNotices();
    std::vector<std::pair<std::string, std::string>> settings = run_.recording.Environment();
    settings.emplace_back(kEnvSocket, collector.socket_name());
    // The tracer restores memwrap's variables at every exec (Trace below), so the shim may
    // hide them from the program (preload/environment_hiding.h).
    settings.emplace_back(kEnvRestoredAtExec, "1");
    obstacle_ = PreloadObstacle(run_.path);
    if (!obstacle_.empty()) {
      fprintf(stderr, "memwrap: %s: the heap%s will not be recorded: %s\n",
              run_.program.front().c_str(), run_.audit.empty() ? "" : " and library calls",
              obstacle_.c_str());
    }
    tree_options_ = TreeOptionsFor(run_, obstacle_.empty());
    std::vector<sock_filter> filter = BuildSeccompFilter(run_.selection);
    const sock_fprog filter_program{uint16_t(filter.size()), filter.data()};
    if (run_.tap_stdout) relay_ = StartStdoutRelay();
    env_ = obstacle_.empty() ? TracedEnvironment(run_.preload, settings) : CurrentEnvironment();
    if (obstacle_.empty() && !run_.audit.empty()) {
      WarnIfCallsHidden("memwrap");
      AddLibraryCallTracing(&env_, run_.audit, run_.ltrace_filter);
    }
    session_.Launch(run_.path, run_.program, env_, relay_.program_stdout,
                    tree_options_.stops == SyscallStops::kSeccomp ? &filter_program : nullptr);
    if (relay_.program_stdout >= 0) close(relay_.program_stdout);  // the program has its copy
  }

  // An output that cannot be written is an error before the program starts. Under
  // mpiexec/srun/PBS each rank names its own file (job_rank.h). -1, or the exit status.
  int OpenTrace() {
    if (run_.mode == RunMode::kWatch) return OpenWatchOutput();
    const bool flight = run_.mode == RunMode::kFlightRecorder;
    rank_ = DetectJobRank();
    std::string naming_error;
    run_.output =
        ExpandTracePath(run_.output, Basename(run_.program.front()) + (flight ? ".fltrec" : ""),
                        session_.pid(), session_.host(), rank_, &naming_error);
    if (run_.output.empty()) {
      session_.Abandon();
      fprintf(stderr, "memwrap: -o: %s\n", naming_error.c_str());
      return kExitUsage;
    }
    SessionInfo info = Info();
    const auto existing =
        run_.force ? TraceWriter::Existing::kReplace : TraceWriter::Existing::kRefuse;
    if (!flight) {
      if (!session_.OpenTrace(run_.output, existing, info)) return kExitCannotWrite;
      // Said now, as heaptrack does: a long run can be looked at, or stopped, knowing where.
      if (!run_.quiet) fprintf(stderr, "memwrap: recording to %s\n", run_.output.c_str());
      return -1;
    }
    if (!session_.CheckTraceWritable(run_.output, existing)) return kExitCannotWrite;
    info[session_key::kFltrecKeep] = run_.flight.keep;
    run_.flight.options.output = run_.output;
    run_.flight.options.force = run_.force;
    try {
      flight_recorder_ = std::make_unique<FlightRecorder>(run_.flight.options, info);
    } catch (const TraceError& error) {
      session_.Abandon();
      fprintf(stderr, "memwrap: %s\n", error.what());
      return kExitCannotWrite;
    }
    return -1;
  }

  // memwrap watch writes no trace: its lines go to -o PATH ("-": standard output), by default
  // to standard error (as strace's and ltrace's do). -1, or the exit status.
  int OpenWatchOutput() {
    std::string error;
    watch_out_ = memwrap::OpenWatchOutput(run_.output, run_.force, &error);
    if (watch_out_ == nullptr) {
      session_.Abandon();
      fprintf(stderr, "memwrap watch: %s\n", error.c_str());
      return kExitCannotWrite;
    }
    if (watch_out_ != stderr && watch_out_ != stdout) watch_file_.reset(watch_out_);
    watch_ = std::make_unique<WatchPrinter>(run_.watch, watch_out_, MonotonicNs());
    return -1;
  }

  SessionInfo Info() {
    SessionInfo info = {{session_key::kCommand, JoinCommand(run_.program)},
                        {session_key::kProgram, run_.path},
                        {session_key::kHost, session_.host()},
                        {session_key::kPid, std::to_string(session_.pid())},
                        {session_key::kMemwrapVersion, MEMWRAP_VERSION}};
    run_.recording.AddSessionInfo(&info);
    AddJobSessionInfo(rank_, &info);
    info[session_key::kSampleIntervalNs] = std::to_string(run_.interval_ns);
    if (!run_.keep_stacks_if.empty()) info[session_key::kKeepStacksIf] = run_.keep_stacks_if;
    if (plugins_ != nullptr) {
      std::string names;
      for (const std::string& plugin : run_.plugins.plugins) {
        names += (names.empty() ? "" : ", ") + plugin;
      }
      info[session_key::kPlugins] = names;
      // Plugins that drop allocations filter the trace as an expression does (the analyzer
      // then takes the counts from the collector's counters).
      const std::string dropping = plugins_->DroppingNames();
      if (run_.mode == RunMode::kRecord && !dropping.empty()) {
        const std::string& expression = run_.keep_stacks_if;
        info[session_key::kKeepStacksIf] =
            (expression.empty() ? "" : expression + " and ") + "--plugin " + dropping;
      }
    }
    if (!run_.audit.empty()) info[session_key::kLtrace] = run_.ltrace;
    info[session_key::kSyscalls] = run_.syscalls.empty() ? "default" : run_.syscalls;
    if (run_.stack_sample_rate != 0) {
      info[session_key::kStackSampleRateHz] = std::to_string(run_.stack_sample_rate);
    }
    if (!obstacle_.empty()) info[session_key::kHeapNotRecorded] = obstacle_;
    return info;
  }

  // ptrace follows the whole process tree: exits and exact peak RSS of every process, and the
  // syscalls asked for. All ptrace calls come from this thread. -1, or the exit status.
  int Trace() {
    TraceRecorder& recorder = session_.MakeRecorder(ShimPresence::kPerImage, run_.interval_ns);
    if (run_.quiet) recorder.QuietNotices();
    if (obstacle_.empty()) {
      // Images exec'd with a cleared environment (env -i) get memwrap's variables back.
      for (const std::string& entry : env_) {
        if (entry.rfind("MEMWRAP_", 0) == 0 || entry.rfind("LD_AUDIT=", 0) == 0) {
          tree_options_.exec_environment.entries.push_back(entry);
        }
      }
      tree_options_.exec_environment.entries.push_back("LD_PRELOAD=" + run_.preload);
    }
    const SyscallStops first_stops = tree_options_.stops;
    ProcessTree& tree = session_.Follow(&recorder, tree_options_);
    if (run_.stack_sample_rate != 0) {
      sampling_ = std::make_unique<StackSampling>(&tree, &recorder, run_.stack_sample_rate,
                                                  run_.recording.stack_depth);
    }
    const bool default_syscalls = run_.syscalls.empty();
    recorder.OnImage([this, &tree, default_syscalls, first_stops](pid_t pid, bool has_shim) {
      if (sampling_ != nullptr) sampling_->NewImage(pid);
      // By default only images without the shim stop at (memory) syscalls. A process that
      // has the seccomp filter (inherited from a static first program) keeps its cheap stops;
      // one without it needs a stop at every call, filtered here.
      if (default_syscalls && first_stops == SyscallStops::kNone) {
        tree.SetStops(pid, has_shim ? SyscallStops::kNone : SyscallStops::kAll);
      }
    });
    const std::string seize_error = session_.Trace();
    traced_ = seize_error.empty();
    if (!traced_ && first_stops == SyscallStops::kSeccomp) {
      // The program would get the seccomp filter without a tracer: its filtered calls would
      // fail with ENOSYS. It must not run like that.
      session_.Abandon();
      session_.DropTraceFile();
      fprintf(stderr, "memwrap: cannot trace the program's system calls (%s)\n",
              seize_error.c_str());
      return kExitUsage;
    }
    if (!traced_) {
      fprintf(stderr, "memwrap: cannot trace the program (%s); recording without ptrace\n",
              seize_error.c_str());
    }
    return -1;
  }

  void StartCollecting() {
    // The program decides what a signal does; memwrap stays to write the trace. Taken before
    // the flight recorder's signal triggers, which memwrap keeps for itself.
    session_.TakeSignals();
    if (flight_recorder_ != nullptr) {
      for (const FlightTrigger& trigger : run_.flight.options.triggers) {
        if (trigger.kind == FlightTrigger::Kind::kSignal) signal(trigger.signal, CountSignal);
      }
      flight_ = flight_recorder_.get();
    }
    if (flight_recorder_ == nullptr && watch_ == nullptr) {  // memwrap run
      if (run_.allow_watch) OfferToWatchers();
      KeepJudgedAllocations();
    }
    ObserveEvents();
    if (flight_recorder_ != nullptr) {
      session_.StartCollector(std::move(flight_recorder_), run_.interval_ns);
    } else {
      session_.StartCollector(run_.interval_ns);  // memwrap watch: no trace, only watched
    }
    if (run_.tap_stdout) {
      const uint32_t pid = uint32_t(session_.pid());
      Collector* collector = &session_.collector();
      tap_.Start(relay_.copies, [collector, pid](uint64_t ts, const std::string& line) {
        collector->AddRecord(pid, StdoutLineRecordOf(ts, line));
      });
    }
  }

  // memwrap run: the allocations --keep-stacks-if and the plugins accept keep their records
  // and stacks in the trace, and every event is counted (kept_allocations.h).
  void KeepJudgedAllocations() {
    std::vector<AllocationJudge*> judges;
    if (!run_.keep_stacks_if.empty()) {
      judge_ = std::make_unique<ExpressionJudge>(run_.keep_stacks_if, MonotonicNs());
      judges.push_back(judge_.get());
    }
    if (plugins_ != nullptr) {
      for (AllocationJudge* plugin : plugins_->DroppingJudges()) judges.push_back(plugin);
    }
    if (judges.empty()) return;
    kept_ = std::make_unique<KeptAllocations>(std::move(judges));
    session_.collector().KeepAllocations(kept_.get());
  }

  // The events as they are drained: memwrap watch's printer, the watchers of --allow-watch,
  // and the plugins that do not judge the batches already (KeepJudgedAllocations).
  void ObserveEvents() {
    Collector& collector = session_.collector();
    WatchPrinter* printer = watch_.get();
    WatchPublisher* publisher = publisher_.get();
    PluginSession* plugins = plugins_.get();
    const bool judging = kept_ != nullptr;
    if (plugins != nullptr) plugins->Attach(&collector, flight_, run_.quiet);
    if (printer == nullptr && publisher == nullptr && plugins == nullptr) return;
    collector.ObserveHeapRecords(
        [printer, publisher, plugins, judging](uint32_t pid, const uint8_t* records, size_t size) {
          if (printer != nullptr) printer->OnRecords(pid, records, size);
          if (publisher != nullptr) publisher->Publish(pid, records, size);
          if (plugins != nullptr) plugins->OnHeapRecords(pid, records, size, judging);
        });
  }

  ProgramEnd RunProgram() {
    if (!traced_) {
      ProgramEnd end = session_.RunUntraced();
      if (end.exec_error == 0) {
        session_.recorder().OnProcessExit(session_.pid(), end.status, end.usage, 0);
      }
      return end;
    }
    TraceRecorder& recorder = session_.recorder();
    TracerTicks ticks(&recorder, sampling_.get(),
                      run_.interval_ns != 0 ? run_.interval_ns : 100'000'000);
    ProgramEnd end = session_.Run(ticks.period_ns(), [&ticks](uint64_t now) { ticks.Tick(now); });
    if (end.status == -1) {
      // Not observed by the tracer (cannot normally happen): ask the kernel directly, and say
      // so if even that fails, rather than invent a status.
      int direct = 0;
      if (waitpid(session_.pid(), &direct, __WALL) == session_.pid()) {
        end.status = direct;
      } else {
        fprintf(stderr, "memwrap: the program's exit status was not observed\n");
        end.status = 1 << 8;  // exit code 1
      }
    }
    return end;
  }

  // --allow-watch: memwrap watch -p PID gets the heap batches as they are drained. A name that
  // is taken (another recording of a process with this pid, in another namespace) costs the
  // watchers, not the recording.
  void OfferToWatchers() {
    try {
      publisher_ = std::make_unique<WatchPublisher>(uint32_t(session_.pid()), MonotonicNs());
    } catch (const std::runtime_error& error) {
      fprintf(stderr, "memwrap: %s; recording without --allow-watch\n", error.what());
      return;
    }
  }

  // The summary, or what the flight recorder did.
  void PrintEnd(int status) {
    if (watch_ != nullptr) {
      if (watch_file_ != nullptr && fflush(watch_file_.get()) != 0) {
        fprintf(stderr, "memwrap watch: cannot write '%s': %s\n", run_.output.c_str(),
                strerror(errno));
      }
      return;
    }
    if (flight_ != nullptr) {
      flight_->Close(status);
      if (!flight_->error().empty()) {
        fprintf(stderr, "memwrap fltrec: %s; the dump holds what was written before\n",
                flight_->error().c_str());
      }
      if (!run_.quiet && flight_->dumps().empty()) {
        fprintf(stderr, "memwrap fltrec: no trigger fired, no trace written\n");
      }
      return;
    }
    if (run_.quiet) return;
    try {
      Report report = BuildReport(run_.output, ReportOptions{.top = run_.top,
                                                             .process = 0,
                                                             .suppressions = "",
                                                             .scope = ReportScope::kRunSummary});
      fputs(FormatRunSummary(report, run_.top).c_str(), stderr);
    } catch (const std::exception& error) {
      fprintf(stderr, "memwrap: cannot summarise %s: %s\n", run_.output.c_str(), error.what());
    }
  }

  LaunchedRun run_;
  // memwrap watch: declared before the session, so they outlive its collector, whose thread
  // prints through them.
  struct CloseFile {
    void operator()(FILE* file) const { fclose(file); }
  };
  std::unique_ptr<FILE, CloseFile> watch_file_;  // -o PATH
  FILE* watch_out_ = nullptr;
  std::unique_ptr<WatchPrinter> watch_;
  std::unique_ptr<PluginSession> plugins_;  // --plugin (the collector's thread feeds them)
  // --keep-stacks-if: likewise used by the collector's thread.
  std::unique_ptr<ExpressionJudge> judge_;
  std::unique_ptr<KeptAllocations> kept_;
  std::unique_ptr<WatchPublisher> publisher_;  // --allow-watch
  RecordingSession session_;
  std::string obstacle_;  // why the shim cannot enter the program, "" if it can
  std::vector<std::string> env_;
  ProcessTreeOptions tree_options_;
  StdoutRelay relay_;
  JobRank rank_;
  std::unique_ptr<FlightRecorder> flight_recorder_;  // until the session's collector takes it
  FlightRecorder* flight_ = nullptr;                 // then, kept by the session
  bool traced_ = false;                              // the program was seized (ptrace)
  // Declared after the session: both stop before its tree, recorder and collector go.
  std::unique_ptr<StackSampling> sampling_;
  StdoutTap tap_;
};

}  // namespace

int RunLaunched(LaunchedRun run) {
  try {
    LaunchedRecording recording(std::move(run));
    return recording.Record();
  } catch (const std::exception& error) {
    fprintf(stderr, "memwrap: %s\n", error.what());
    return kExitUsage;
  }
}

}  // namespace memwrap
