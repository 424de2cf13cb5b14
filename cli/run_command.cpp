// `memwrap [run] [options] [--] PROGRAM [ARGS...]`: record PROGRAM's heap into a trace, print a
// summary at exit, and end the way PROGRAM ended.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <map>

#include "command_line.h"
#include "commands.h"
#include "did_you_mean.h"
#include "memwrap/exit_codes.h"
#include "memwrap/handshake.h"
#include "memwrap/ring.h"
#include "flight_options.h"
#include "library_call_setup.h"
#include "record_options.h"
#include "run_attached.h"
#include "byte_format.h"
#include "report.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_writer.h"
#include "tracer/broken_pipe.h"
#include "tracer/collector.h"
#include "tracer/exit_status.h"
#include "tracer/job_rank.h"
#include "tracer/launcher.h"
#include "tracer/preload_locator.h"
#include "tracer/preload_obstacle.h"
#include "tracer/process_tree.h"
#include "tracer/signal_relay.h"
#include "tracer/stdout_relay.h"
#include "tracer/stdout_tap.h"
#include "tracer/syscalls/seccomp_filter.h"
#include "tracer/syscalls/syscall_selection.h"
#include "tracer/stack_sampling.h"
#include "tracer/tracer_ticks.h"
#include "tracer/trace_recorder.h"
#include "tracer/host_name.h"

namespace memwrap {
namespace po = boost::program_options;
namespace {

// `memwrap --help`: the commands (the same list as `memwrap` alone prints), then run's options.
std::string RunUsage() {
  return CommandList() +
         "\n"
         "Runs PROGRAM with memwrap's heap recorder preloaded, follows the programs it executes,\n"
         "writes everything to one trace file and prints, at exit, the exact heap peak, when it\n"
         "happened and the call sites live at that instant. memwrap exits with PROGRAM's exit\n"
         "status, or dies of the signal that killed it.\n"
         "\n"
         "Exit codes of memwrap itself: 2 bad usage or output not writable (nothing was run),\n"
         "126 PROGRAM cannot be executed, 127 PROGRAM not found.\n"
         "\n"
         "Options";
}

const char kFltrecUsage[] =
    "usage: fltrec [options] [--] PROGRAM [ARGS...]\n"
    "       memwrap fltrec [options] [--] PROGRAM [ARGS...]\n"
    "\n"
    "Flight recorder: records PROGRAM like `memwrap run`, but keeps only the latest window of\n"
    "records in memory (--keep) and writes a trace only when a trigger fires (--trigger): the\n"
    "window before it, then --after more. A dump names its trigger and counts the records\n"
    "overwritten before its window; heap blocks still live from before the window are kept,\n"
    "so its heap is exact and it symbolizes on its own. Several dumps: -o f.mwt gives f.1.mwt,\n"
    "f.2.mwt, ...; one dump is f.mwt; no trigger, no file. Exits like PROGRAM.\n"
    "\n"
    "Options";

// The signal: triggers of the flight recorder; memwrap keeps these for itself.
void CountSignal(int signo) { FlightRecorder::NotifySignal(signo); }

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

std::string JoinCommand(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
  return text;
}

}  // namespace

// `memwrap run`, or with `flight` the flight recorder (`fltrec`).
int RunProgram(const std::vector<std::string>& args, bool flight) {
  IgnoreSigpipe();  // a closed standard output or error must not end memwrap (broken_pipe.h)
  po::options_description options(flight ? std::string(kFltrecUsage) : RunUsage());
  std::string output;
  size_t top = 5;
  bool quiet = false;
  bool force = false;
  bool tap_stdout = false;
  std::string interval;
  std::string ltrace;
  uint32_t stack_sample_rate = 0;
  bool pstack = false;
  std::string syscalls;
  pid_t attach = 0;
  std::string duration;
  std::string wait_poll;
  options.add_options()
      ("help,h", "show this help and exit")
      ("output,o", po::value<std::string>(&output)->value_name("PATH"),
       "write the trace to PATH (default: PROGRAM.PID.mwt in the current directory, PID being "
       "the program's process id); created mode 0600; an existing file is refused unless "
       "--force, a symlink always. Placeholders: %h host, %r MPI/Slurm/PBS rank, %p pid, %% "
       "a percent sign. Under mpiexec, srun or PBS (a rank in OMPI_COMM_WORLD_RANK, PMIX_RANK, "
       "PMI_RANK, SLURM_PROCID or PBS_TASKNUM) a PATH without placeholders gets .HOST.RANK "
       "before .mwt (run.mwt -> run.HOST.RANK.mwt), and the default is PROGRAM.HOST.RANK.mwt")
      ("top", po::value<size_t>(&top)->value_name("N")->default_value(5),
       "call sites listed in the exit summary")
      ("quiet,q", po::bool_switch(&quiet), "print no summary at exit and no notices that are not errors (the trace is still written)")
      ("interval", po::value<std::string>(&interval)->value_name("DURATION")->default_value("10ms"),
       "sample each traced process's RSS, PSS, anonymous/file/shmem resident memory and swap "
       "from /proc at this period, on a drift-free timer (e.g. 10ms, 1s; 0: never)")
      ("syscalls", po::value<std::string>(&syscalls)->value_name("none|memory|all|NAME,..."),
       "system calls to record (ptrace, filtered by seccomp-bpf so that the others cost "
       "nothing): none; memory = mmap, munmap, mremap, brk, madvise, mprotect, execve, "
       "clone/fork/vfork, exit; all; or a list of names. Default: memory for the programs the "
       "heap recorder cannot enter (static or setuid), none for the others (their mappings "
       "come from the heap recorder, and a traced call costs two ptrace stops)")
      ("pid,p", po::value<pid_t>(&attach)->value_name("PID"),
       "instead of starting a program, attach to the running process PID and its threads "
       "(ptrace): its RSS over time, its memory system calls, the processes it starts and how "
       "they end; no heap (the heap recorder can only enter a program memwrap starts). "
       "Ctrl-C or --duration detaches: the process keeps running")
      ("duration", po::value<std::string>(&duration)->value_name("DURATION"),
       "with --pid: detach after DURATION (e.g. 30s)")
      ("stdout", po::bool_switch(&tap_stdout),
       "pass the program's standard output on, unchanged, through a small relay process, and "
       "stamp each line into the trace with its time (memwrap timeline shows them; the program "
       "then writes to a pipe, so its stdio may buffer more than on a terminal). The relay "
       "outlives memwrap: if memwrap is killed the program's output still flows; if memwrap's "
       "standard output is closed (| head), the program meets the broken pipe it would have met "
       "without memwrap, and memwrap still writes the whole trace")
      ("force,f", po::bool_switch(&force), "replace the trace file if it exists (by default an "
       "existing file is an error, before the program starts)")
      ("ltrace", po::value<std::string>(&ltrace)->value_name("FILTER"),
       "also record the library calls that FILTER selects (ltrace's -e expression: "
       "readdir*+opendir, malloc@MAIN, -@libc.so*) into the trace, on the same timeline "
       "(see ltracedrv --help)");
  options.add_options()
      ("stack-sample-rate", po::value<uint32_t>(&stack_sample_rate)->value_name("HZ"),
       "sample the native stack of every thread of every traced process HZ times a second "
       "(ptrace + libdwfl, jittered; the rate is halved, with a notice, when unwinding would "
       "stop the program more than 5% of the time); the report's stack_samples says where "
       "the threads were")
      ("pstack", po::bool_switch(&pstack), "the same as --stack-sample-rate 100")
      ("wait-poll", po::value<std::string>(&wait_poll)->value_name("DURATION")->default_value("50us"),
       "while ptrace stops come quickly, poll for the next one this long before sleeping "
       "(waking a tracer whose CPU went idle costs more than a stop; the poll spends CPU time "
       "of an otherwise idle core; never on one CPU); 0: always sleep. At most 10ms");
  RecordOptions recording;
  recording.AddTo(&options);
  FlightCommandOptions flight_options;
  if (flight) flight_options.AddTo(&options);

  SplitCommandLine split = SplitAtProgram(args, options);
  po::variables_map vm;
  if (int status = ParseOptions(split.options, options, "memwrap", &vm); status >= 0) {
    return status;
  }
  if (std::string error = flight ? flight_options.Validate() : ""; !error.empty()) {
    fprintf(stderr, "memwrap: %s\n", error.c_str());
    return kExitUsage;
  }
  if (stack_sample_rate > 10000) {
    fprintf(stderr, "memwrap: --stack-sample-rate %u: at most 10000 Hz\n", stack_sample_rate);
    return kExitUsage;
  }
  if (std::string error = recording.Validate(); !error.empty()) {
    fprintf(stderr, "memwrap: %s\n", error.c_str());
    return kExitUsage;
  }
  uint64_t interval_ns = 0;
  if (!ParseDuration(interval, &interval_ns) || (interval_ns != 0 && interval_ns < 1000000)) {
    fprintf(stderr, "memwrap: --interval %s: must be a duration of at least 1ms (e.g. 10ms), "
            "or 0\n", interval.c_str());
    return kExitUsage;
  }
  uint64_t wait_poll_ns = 0;
  if (!ParseDuration(wait_poll, &wait_poll_ns) || wait_poll_ns > kMaxWaitSpinNs) {
    fprintf(stderr, "memwrap: --wait-poll %s: must be a duration of at most 10ms (e.g. 50us), "
            "or 0\n", wait_poll.c_str());
    return kExitUsage;
  }
  SyscallSelection selection = SyscallSelection::Memory();
  if (!syscalls.empty()) {
    if (std::string error = SyscallSelection::ParseRunSpec(syscalls, &selection); !error.empty()) {
      fprintf(stderr, "memwrap: --syscalls %s: %s\n", syscalls.c_str(), error.c_str());
      return kExitUsage;
    }
  }
  if (attach != 0 || !duration.empty()) {
    uint64_t duration_ns = 0;
    if (attach <= 0) {
      fprintf(stderr, "memwrap: --duration needs --pid (a program memwrap starts runs to its end)\n");
      return kExitUsage;
    }
    if (!split.program.empty() || tap_stdout) {
      fprintf(stderr, "memwrap: --pid records a running process: give no program and no --stdout\n");
      return kExitUsage;
    }
    if (!duration.empty() && (!ParseDuration(duration, &duration_ns) || duration_ns == 0)) {
      fprintf(stderr, "memwrap: --duration %s: must be a duration such as 30s\n", duration.c_str());
      return kExitUsage;
    }
    // Without the shim, the memory calls are the only record of the mappings.
    return RunAttached({.pid = attach, .output = output, .force = force, .quiet = quiet,
                        .top = top, .interval_ns = interval_ns, .duration_ns = duration_ns,
                        .selection = selection, .syscalls = syscalls,
                        .wait_poll_ns = wait_poll_ns,
                        .stack_sample_rate = stack_sample_rate != 0 ? stack_sample_rate : pstack ? 100u : 0u,
                        .stack_depth = recording.stack_depth});
  }
  if (split.program.empty()) {
    fprintf(stderr, "memwrap: no program to run (usage: memwrap [run] [options] PROGRAM ...)\n");
    return kExitUsage;
  }
  std::string audit, ltrace_filter;
  if (vm.count("ltrace")) {
    if (std::string error = BuildLibraryCallFilter({{ChainKind::kCaller, ltrace, "--ltrace"}},
                                                   &ltrace_filter);
        !error.empty()) {
      fprintf(stderr, "memwrap: %s\n", error.c_str());
      return kExitUsage;
    }
    audit = LocateAuditLibrary("memwrap");
    if (audit.empty()) return kExitUsage;
  }

  // Like a shell: a missing program is 127, one that cannot be executed 126.
  ProgramPath program = ResolveProgram(split.program.front());
  if (program.error != 0) {
    // A name that is neither a program nor a command may be a mistyped command ("reprot").
    const std::string& name = split.program.front();
    const std::string closest = program.error == ENOENT && name.find('/') == std::string::npos
                                    ? ClosestName(name, CommandNames())
                                    : "";
    fprintf(stderr, "memwrap: %s: %s%s\n", name.c_str(),
            program.error == ENOENT ? "command not found" : strerror(program.error),
            closest.empty() ? "" : (" (nor a memwrap command; did you mean 'memwrap " + closest +
                                    "'?)").c_str());
    return program.error == ENOENT ? kExitNotFound : kExitCannotExecute;
  }
  std::string tried;
  std::string preload = FindPreloadLibrary(&tried);
  if (preload.empty()) {
    fprintf(stderr, "memwrap: cannot find libmemwrap_preload.so (looked at %s)\n",
            tried.c_str());
    return kExitUsage;
  }
  if (preload.find_first_of(": ") != std::string::npos) {
    fprintf(stderr,
            "memwrap: the preload library path '%s' contains ':' or ' ', which LD_PRELOAD cannot "
            "carry; install memwrap elsewhere\n",
            preload.c_str());
    return kExitUsage;
  }

  try {
    Collector collector;
    if (quiet) collector.QuietNotices();
    std::vector<std::pair<std::string, std::string>> settings = recording.Environment();
    settings.emplace_back(kEnvSocket, collector.socket_name());
    // The tracer restores memwrap's variables at every exec (below), so the shim may hide them
    // from the program (preload/environment_hiding.h).
    settings.emplace_back(kEnvRestoredAtExec, "1");
    const std::string obstacle = PreloadObstacle(program.path);
    if (!obstacle.empty()) {
      fprintf(stderr, "memwrap: %s: the heap%s will not be recorded: %s\n",
              split.program.front().c_str(), audit.empty() ? "" : " and library calls",
              obstacle.c_str());
    }
    // How syscalls stop the program: asked for explicitly, or by default only where the shim
    // cannot enter (a static exec'd later switches to stops on every call: see OnImage below).
    ProcessTreeOptions tree_options;
    tree_options.selection = selection;
    tree_options.wait_spin_ns = wait_poll_ns;
    const bool default_syscalls = syscalls.empty();
    if (selection.empty() || (default_syscalls && obstacle.empty())) {
      tree_options.stops = SyscallStops::kNone;
    } else if (selection.all()) {
      tree_options.stops = SyscallStops::kAll;
    } else {
      tree_options.stops = SyscallStops::kSeccomp;
    }
    std::vector<sock_filter> filter = BuildSeccompFilter(selection);
    sock_fprog filter_program{uint16_t(filter.size()), filter.data()};
    StdoutRelay relay;
    if (tap_stdout) relay = StartStdoutRelay();
    std::vector<std::string> env =
        obstacle.empty() ? TracedEnvironment(preload, settings) : CurrentEnvironment();
    if (obstacle.empty() && !audit.empty()) {
      WarnIfCallsHidden("memwrap");
      AddLibraryCallTracing(&env, audit, ltrace_filter);
    }
    Launcher launcher(program.path, split.program, env, relay.program_stdout,
                      tree_options.stops == SyscallStops::kSeccomp ? &filter_program : nullptr);
    if (relay.program_stdout >= 0) close(relay.program_stdout);  // the program has its copy
    StdoutTap tap;

    // The program waits in the launcher until its trace file exists: an output that cannot
    // be written is an error before the program starts.
    // Under mpiexec/srun/PBS each rank names its own file (job_rank.h).
    const JobRank rank = DetectJobRank();
    std::string naming_error;
    output = ExpandTracePath(output, Basename(split.program.front()) + (flight ? ".fltrec" : ""),
                             launcher.pid(), HostName(), rank, &naming_error);
    if (output.empty()) {
      launcher.Abandon();
      fprintf(stderr, "memwrap: -o: %s\n", naming_error.c_str());
      return kExitUsage;
    }
    std::unique_ptr<TraceWriter> writer;
    std::unique_ptr<FlightRecorder> flight_recorder;
    try {
      writer = std::make_unique<TraceWriter>(
          output, force ? TraceWriter::Existing::kReplace : TraceWriter::Existing::kRefuse);
      std::map<std::string, std::string> session = {{"command", JoinCommand(split.program)},
                                                    {"program", program.path},
                                                    {"host", HostName()},
                                                    {"pid", std::to_string(launcher.pid())},
                                                    {"memwrap_version", MEMWRAP_VERSION}};
      recording.AddSessionInfo(&session);
      AddJobSessionInfo(rank, &session);
      session["sample_interval_ns"] = std::to_string(interval_ns);
      if (!audit.empty()) session["ltrace"] = ltrace;
      session["syscalls"] = syscalls.empty() ? "default" : syscalls;
      if (stack_sample_rate != 0 || pstack) {
        session["stack_sample_rate_hz"] = std::to_string(stack_sample_rate != 0 ? stack_sample_rate : 100);
      }
      if (!obstacle.empty()) session["heap_not_recorded"] = obstacle;
      if (flight) {
        // The file could be written (checked above, before the program runs); a dump creates
        // it only when a trigger fires.
        writer->Discard();
        writer.reset();
        session["fltrec_keep"] = flight_options.keep;
        flight_options.options.output = output;
        flight_options.options.force = force;
        flight_recorder = std::make_unique<FlightRecorder>(flight_options.options, session);
      } else {
        writer->WriteSessionInfo(session);
        // Said now, as heaptrack does: a long run can be looked at, or stopped, knowing where.
        if (!quiet) fprintf(stderr, "memwrap: recording to %s\n", output.c_str());
      }
    } catch (const TraceError& error) {
      launcher.Abandon();
      fprintf(stderr, "memwrap: %s\n", error.what());
      return kExitCannotWrite;
    }

    // ptrace follows the whole process tree: exits and exact peak RSS of every process, and
    // the syscalls asked for. All ptrace calls come from this thread.
    TraceRecorder recorder(&collector, /*no_shim=*/false, interval_ns);
    if (quiet) recorder.QuietNotices();
    if (obstacle.empty()) {
      // Images exec'd with a cleared environment (env -i) get memwrap's variables back.
      for (const std::string& entry : env) {
        if (entry.rfind("MEMWRAP_", 0) == 0 || entry.rfind("LD_AUDIT=", 0) == 0) {
          tree_options.exec_environment.entries.push_back(entry);
        }
      }
      tree_options.exec_environment.entries.push_back("LD_PRELOAD=" + preload);
    }
    ProcessTree tree(&recorder, tree_options);
    const SyscallStops first_stops = tree_options.stops;
    if (pstack && stack_sample_rate == 0) stack_sample_rate = 100;
    std::unique_ptr<StackSampling> sampling;
    if (stack_sample_rate != 0) {
      sampling = std::make_unique<StackSampling>(&tree, &recorder, stack_sample_rate,
                                                 recording.stack_depth);
    }
    recorder.OnImage([&tree, &sampling, default_syscalls, first_stops](pid_t pid, bool has_shim) {
      if (sampling != nullptr) sampling->NewImage(pid);
      // By default only images without the shim stop at (memory) syscalls. A process that
      // has the seccomp filter (inherited from a static first program) keeps its cheap stops;
      // one without it needs a stop at every call, filtered here.
      if (default_syscalls && first_stops == SyscallStops::kNone) {
        tree.SetStops(pid, has_shim ? SyscallStops::kNone : SyscallStops::kAll);
      }
    });
    const std::string seize_error = tree.SeizeChild(launcher.pid());
    if (!seize_error.empty() && tree_options.stops == SyscallStops::kSeccomp) {
      // The program would get the seccomp filter without a tracer: its filtered calls would
      // fail with ENOSYS. It must not run like that.
      launcher.Abandon();
      if (writer != nullptr) writer->Discard();
      writer.reset();
      fprintf(stderr, "memwrap: cannot trace the program's system calls (%s)\n",
              seize_error.c_str());
      return kExitUsage;
    }
    if (!seize_error.empty()) {
      fprintf(stderr, "memwrap: cannot trace the program (%s); recording without ptrace\n",
              seize_error.c_str());
    }
    // The program decides what a signal does; memwrap stays to write the trace.
    RelaySignalsTo(launcher.pid());
    const CollectorStopper stop_collector_before_its_sink(&collector);
    if (flight_recorder != nullptr) {
      for (const FlightTrigger& trigger : flight_options.options.triggers) {
        if (trigger.kind == FlightTrigger::Kind::kSignal) signal(trigger.signal, CountSignal);
      }
      collector.Start(flight_recorder.get(), interval_ns);
    } else {
      collector.Start(writer.get(), interval_ns);
    }
    if (tap_stdout) {
      const uint32_t pid = uint32_t(launcher.pid());
      tap.Start(relay.copies, [&collector, pid](uint64_t ts, const std::string& line) {
        collector.AddRecord(pid, StdoutLineRecordOf(ts, line));
      });
    }
    int status = 0;
    int exec_error = 0;
    if (seize_error.empty()) {
      TracerTicks ticks(&recorder, sampling.get(), interval_ns != 0 ? interval_ns : 100'000'000);
      tree.SetTimer(ticks.period_ns(), [&ticks](uint64_t now) { ticks.Tick(now); });
      launcher.Go();
      status = tree.Run();
      if (status == -1) {
        // Not observed by the tracer (cannot normally happen): ask the kernel directly, and
        // say so if even that fails, rather than invent a status.
        int direct = 0;
        if (waitpid(launcher.pid(), &direct, __WALL) == launcher.pid()) {
          status = direct;
        } else {
          fprintf(stderr, "memwrap: the program's exit status was not observed\n");
          status = 1 << 8;  // exit code 1
        }
      }
      exec_error = launcher.ExecError();
      recorder.FlushAll();
    } else {
      exec_error = launcher.Release();
      if (exec_error == 0) {
        struct rusage usage {};
        status = launcher.Wait(&usage);
        recorder.OnProcessExit(launcher.pid(), status, usage, 0);
      }
    }
    if (exec_error != 0) {
      StopRelayingSignals();
      collector.RequestStop();
      collector.Finish();
      if (writer != nullptr) writer->Discard();
      writer.reset();
      fprintf(stderr, "memwrap: %s: %s\n", split.program.front().c_str(), strerror(exec_error));
      return exec_error == ENOENT ? kExitNotFound : kExitCannotExecute;
    }
    StopRelayingSignals();
    tap.Stop();
    collector.Finish();
    writer.reset();

    if (std::string error = collector.write_error(); !error.empty()) {
      fprintf(stderr, "memwrap: %s; the trace holds what was written before\n", error.c_str());
    }
    if (flight_recorder != nullptr) {
      flight_recorder->Close(status);
      if (!flight_recorder->error().empty()) {
        fprintf(stderr, "memwrap fltrec: %s; the dump holds what was written before\n",
                flight_recorder->error().c_str());
      }
      if (!quiet && flight_recorder->dumps().empty()) {
        fprintf(stderr, "memwrap fltrec: no trigger fired, no trace written\n");
      }
    } else if (!quiet) {
      try {
        Report report = BuildReport(output, ReportOptions{.top = top,
                                                          .process = 0,
                                                          .suppressions = "",
                                                          .scope = ReportScope::kRunSummary});
        fputs(FormatRunSummary(report, top).c_str(), stderr);
      } catch (const std::exception& error) {
        fprintf(stderr, "memwrap: cannot summarise %s: %s\n", output.c_str(), error.what());
      }
    }
    ExitLikeProgram(status);
  } catch (const std::exception& error) {
    fprintf(stderr, "memwrap: %s\n", error.what());
    return kExitUsage;
  }
}

int RunCommand(const std::vector<std::string>& args) { return RunProgram(args, false); }
int FltrecCommand(const std::vector<std::string>& args) { return RunProgram(args, true); }

}  // namespace memwrap
