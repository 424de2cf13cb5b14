// `memwrap [run] [options] [--] PROGRAM [ARGS...]`: record PROGRAM's heap into a trace, print a
// summary at exit, and end the way PROGRAM ended.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <boost/program_options.hpp>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/did_you_mean.h"
#include "cli/library_call_setup.h"
#include "cli/plugin_options.h"
#include "cli/recording_session.h"
#include "cli/run_attached.h"
#include "cli/run_launched.h"
#include "cli/watch_recording.h"
#include "memwrap/exit_codes.h"
#include "tracer/broken_pipe.h"
#include "tracer/flight/expression_judge.h"
#include "tracer/launcher.h"
#include "tracer/preload_locator.h"
#include "tracer/syscalls/syscall_selection.h"
#include "tracer/wait_spin.h"
#include "units/unit_parsing.h"

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
         "Exit codes of memwrap itself: 2 bad usage, output not writable or a --plugin that\n"
         "cannot be loaded (nothing was run), 126 PROGRAM cannot be executed, 127 PROGRAM not\n"
         "found.\n"
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

const char kWatchUsage[] =
    "usage: memwrap watch [--filter EXPR] [--format text|jsonl] [options] [--] PROGRAM [ARGS...]\n"
    "       memwrap watch -p PID [--filter EXPR] [--format text|jsonl] [-o PATH]\n"
    "\n"
    "Runs PROGRAM like `memwrap run` and prints its heap events as they happen (within a few\n"
    "milliseconds), one line each, symbolized: allocations, frees, reallocations, mappings and\n"
    "marks, those EXPR selects (a filter expression, docs/filters.md: e.g. 'size > 1MiB and\n"
    "function ~ \"*parse*\"'). Writes no trace. Lines go to standard error, or -o PATH (- for\n"
    "standard output). Exits like PROGRAM.\n"
    "\n"
    "Options";

// `memwrap run`, fltrec and watch as given on the command line; `run` holds what is checked.
struct RunCommandLine {
  LaunchedRun run;
  std::string interval;
  std::string wait_poll;
  uint32_t stack_sample_rate = 0;
  bool pstack = false;
  pid_t attach = 0;
  std::string duration;
  bool ltrace_given = false;
};

void DescribeRunOptions(RunCommandLine* line, po::options_description* options) {
  LaunchedRun& run = line->run;
  if (run.mode == RunMode::kWatch) {
    options->add_options()("help,h", "show this help and exit")(
        "filter", po::value<std::string>(&run.watch.filter)->value_name("EXPR"),
        "print only the events EXPR selects (docs/filters.md; default: every event)")(
        "format", po::value<std::string>(&run.watch.format)->value_name("F")->default_value("text"),
        "text (TIME PID/TID KIND SIZE ADDRESS FUNCTION (FILE:LINE)) or jsonl (one JSON object "
        "per event: time_ns, pid, tid, kind, size, address, function, file, line, module, "
        "mark)")("output,o", po::value<std::string>(&run.output)->value_name("PATH"),
                 "write the lines to PATH (- for standard output; default: standard error); an "
                 "existing file is refused unless --force")("force,f", po::bool_switch(&run.force),
                                                            "replace the -o file if it exists")(
        "pid,p", po::value<pid_t>(&line->attach)->value_name("PID"),
        "instead of starting a program, print the events of the recording of PID (a program "
        "started by `memwrap run --allow-watch`) until it ends; Ctrl-C stops watching, not "
        "the recording");
    AddPluginOptions(&run.plugins, options);
    run.recording.AddTo(options);
    return;
  }
  options->add_options()("help,h", "show this help and exit")(
      "output,o", po::value<std::string>(&run.output)->value_name("PATH"),
      "write the trace to PATH (default: PROGRAM.PID.mwt in the current directory, PID being "
      "the program's process id); created mode 0600; an existing file is refused unless "
      "--force, a symlink always. Placeholders: %h host, %r MPI/Slurm/PBS rank, %p pid, %% "
      "a percent sign. Under mpiexec, srun or PBS (a rank in OMPI_COMM_WORLD_RANK, PMIX_RANK, "
      "PMI_RANK, SLURM_PROCID or PBS_TASKNUM) a PATH without placeholders gets .HOST.RANK "
      "before .mwt (run.mwt -> run.HOST.RANK.mwt), and the default is PROGRAM.HOST.RANK.mwt")(
      "top", po::value<size_t>(&run.top)->value_name("N")->default_value(5),
      "call sites listed in the exit summary")(
      "quiet,q", po::bool_switch(&run.quiet),
      "print no summary at exit and no notices that are not errors (the trace is still written)")(
      "interval",
      po::value<std::string>(&line->interval)->value_name("DURATION")->default_value("10ms"),
      "sample each traced process's RSS, PSS, anonymous/file/shmem resident memory and swap "
      "from /proc at this period, on a drift-free timer (e.g. 10ms, 1s; 0: never)")(
      "syscalls", po::value<std::string>(&run.syscalls)->value_name("none|memory|all|NAME,..."),
      "system calls to record (ptrace, filtered by seccomp-bpf so that the others cost "
      "nothing): none; memory = mmap, munmap, mremap, brk, madvise, mprotect, execve, "
      "clone/fork/vfork, exit; all; or a list of names. Default: memory for the programs the "
      "heap recorder cannot enter (static or setuid), none for the others (their mappings "
      "come from the heap recorder, and a traced call costs two ptrace stops)")(
      "pid,p", po::value<pid_t>(&line->attach)->value_name("PID"),
      "instead of starting a program, attach to the running process PID and its threads "
      "(ptrace): its RSS over time, its memory system calls, the processes it starts and how "
      "they end; no heap (the heap recorder can only enter a program memwrap starts). "
      "Ctrl-C or --duration detaches: the process keeps running")(
      "duration", po::value<std::string>(&line->duration)->value_name("DURATION"),
      "with --pid: detach after DURATION (e.g. 30s)")(
      "stdout", po::bool_switch(&run.tap_stdout),
      "pass the program's standard output on, unchanged, through a small relay process, and "
      "stamp each line into the trace with its time (memwrap timeline shows them; the program "
      "then writes to a pipe, so its stdio may buffer more than on a terminal). The relay "
      "outlives memwrap: if memwrap is killed the program's output still flows; if memwrap's "
      "standard output is closed (| head), the program meets the broken pipe it would have met "
      "without memwrap, and memwrap still writes the whole trace")(
      "force,f", po::bool_switch(&run.force),
      "replace the trace file if it exists (by default an "
      "existing file is an error, before the program starts)")(
      "ltrace", po::value<std::string>(&run.ltrace)->value_name("FILTER"),
      "also record the library calls that FILTER selects (ltrace's -e expression: "
      "readdir*+opendir, malloc@MAIN, -@libc.so*) into the trace, on the same timeline "
      "(see ltracedrv --help)");
  options->add_options()(
      "stack-sample-rate", po::value<uint32_t>(&line->stack_sample_rate)->value_name("HZ"),
      "sample the native stack of every thread of every traced process HZ times a second "
      "(ptrace + libdwfl, jittered; the rate is halved, with a notice, when unwinding would "
      "stop the program more than 5% of the time); the report's stack_samples says where "
      "the threads were")("pstack", po::bool_switch(&line->pstack),
                          "the same as --stack-sample-rate 100")(
      "wait-poll",
      po::value<std::string>(&line->wait_poll)->value_name("DURATION")->default_value("50us"),
      "while ptrace stops come quickly, poll for the next one this long before sleeping "
      "(waking a tracer whose CPU went idle costs more than a stop; the poll spends CPU time "
      "of an otherwise idle core; never on one CPU); 0: always sleep. At most 10ms");
  if (run.mode == RunMode::kRecord) {
    options->add_options()(
        "keep-stacks-if", po::value<std::string>(&run.keep_stacks_if)->value_name("EXPR"),
        "keep in the trace only the allocations EXPR selects (a filter expression, "
        "docs/filters.md: e.g. 'size >= 1MiB' or 'function ~ \"*parse*\"'), with their stacks, "
        "and the frees and reallocations of those blocks; every event is still counted, so "
        "the allocation and free counts, bytes and the heap peak stay exact (a smaller trace "
        "with exact figures; call sites then cover the kept allocations only)")(
        "allow-watch", po::bool_switch(&run.allow_watch),
        "let `memwrap watch -p PID` (PID: the program's) print this recording's heap events "
        "live, from another terminal (your user or root only; a watcher that falls behind is "
        "told what it missed and never slows the program)");
  }
  AddPluginOptions(&run.plugins, options);
  run.recording.AddTo(options);
  if (run.mode == RunMode::kFlightRecorder) run.flight.AddTo(options);
}

// --keep-stacks-if: "" or why EXPR cannot be used.
std::string CheckKeepStacksIf(const LaunchedRun& run) {
  if (run.keep_stacks_if.empty()) return "";
  if (run.recording.settings.stacks == StackMode::kSampled) {
    return "--keep-stacks-if cannot be used with --stacks=sampled (the sampler already chooses "
           "the allocations it keeps)";
  }
  try {
    ExpressionJudge check(run.keep_stacks_if, 0);
  } catch (const FilterSyntaxError& error) {
    return "--keep-stacks-if: " + std::string(error.what());
  } catch (const std::invalid_argument& error) {
    return "--keep-stacks-if: " + std::string(error.what());
  }
  return "";
}

// Reads and checks the options; -1, or memwrap's exit status (2: bad usage).
int ParseRunCommandLine(const std::vector<std::string>& args, RunCommandLine* line,
                        std::vector<std::string>* program) {
  LaunchedRun& run = line->run;
  const bool flight = run.mode == RunMode::kFlightRecorder;
  po::options_description options(flight                        ? std::string(kFltrecUsage)
                                  : run.mode == RunMode::kWatch ? std::string(kWatchUsage)
                                                                : RunUsage());
  DescribeRunOptions(line, &options);
  SplitCommandLine split = SplitAtProgram(args, options);
  po::variables_map vm;
  if (int status = ParseOptions(split.options, options, "memwrap", &vm); status >= 0) {
    return status;
  }
  *program = split.program;
  line->ltrace_given = vm.count("ltrace") != 0;
  if (std::string error = flight ? run.flight.Validate() : ""; !error.empty()) {
    fprintf(stderr, "memwrap: %s\n", error.c_str());
    return kExitUsage;
  }
  if (run.mode == RunMode::kWatch) {
    if (std::string error = run.watch.Validate(); !error.empty()) {
      fprintf(stderr, "memwrap watch: %s\n", error.c_str());
      return kExitUsage;
    }
    run.interval_ns = 0;  // no trace: no memory samples to take
    line->interval = "0";
    line->wait_poll = "50us";
  }
  if (line->stack_sample_rate > 10000) {
    fprintf(stderr, "memwrap: --stack-sample-rate %u: at most 10000 Hz\n", line->stack_sample_rate);
    return kExitUsage;
  }
  if (std::string error = run.recording.Validate(); !error.empty()) {
    fprintf(stderr, "memwrap: %s\n", error.c_str());
    return kExitUsage;
  }
  if (std::string error = ValidatePluginOptions(&run.plugins); !error.empty()) {
    fprintf(stderr, "memwrap: %s\n", error.c_str());
    return kExitUsage;
  }
  if (std::string error = CheckKeepStacksIf(run); !error.empty()) {
    fprintf(stderr, "memwrap: %s\n", error.c_str());
    return kExitUsage;
  }
  if (!ParseDuration(line->interval, &run.interval_ns) ||
      (run.interval_ns != 0 && run.interval_ns < 1000000)) {
    fprintf(stderr,
            "memwrap: --interval %s: must be a duration of at least 1ms (e.g. 10ms), "
            "or 0\n",
            line->interval.c_str());
    return kExitUsage;
  }
  if (!ParseDuration(line->wait_poll, &run.wait_poll_ns) || run.wait_poll_ns > kMaxWaitSpinNs) {
    fprintf(stderr,
            "memwrap: --wait-poll %s: must be a duration of at most 10ms (e.g. 50us), "
            "or 0\n",
            line->wait_poll.c_str());
    return kExitUsage;
  }
  run.selection = SyscallSelection::Memory();
  if (!run.syscalls.empty()) {
    if (std::string error = SyscallSelection::ParseRunSpec(run.syscalls, &run.selection);
        !error.empty()) {
      fprintf(stderr, "memwrap: --syscalls %s: %s\n", run.syscalls.c_str(), error.c_str());
      return kExitUsage;
    }
  }
  run.stack_sample_rate = line->stack_sample_rate != 0 ? line->stack_sample_rate
                          : line->pstack               ? 100u
                                                       : 0u;
  return -1;
}

// `memwrap run -p PID`: checked here, recorded by run_attached.cpp.
int RunAttachedFrom(const RunCommandLine& line, const std::vector<std::string>& program) {
  const LaunchedRun& run = line.run;
  uint64_t duration_ns = 0;
  if (line.attach <= 0) {
    fprintf(stderr, "memwrap: --duration needs --pid (a program memwrap starts runs to its end)\n");
    return kExitUsage;
  }
  if (!run.keep_stacks_if.empty()) {
    fprintf(stderr,
            "memwrap: --keep-stacks-if needs a program memwrap starts (--pid records no "
            "heap)\n");
    return kExitUsage;
  }
  if (!program.empty() || run.tap_stdout) {
    fprintf(stderr, "memwrap: --pid records a running process: give no program and no --stdout\n");
    return kExitUsage;
  }
  if (!run.plugins.plugins.empty()) {
    fprintf(stderr,
            "memwrap: --plugin needs the heap events of a program memwrap starts, not "
            "--pid\n");
    return kExitUsage;
  }
  if (!line.duration.empty() && (!ParseDuration(line.duration, &duration_ns) || duration_ns == 0)) {
    fprintf(stderr, "memwrap: --duration %s: must be a duration such as 30s\n",
            line.duration.c_str());
    return kExitUsage;
  }
  // Without the shim, the memory calls are the only record of the mappings.
  return RunAttached({.pid = line.attach,
                      .output = run.output,
                      .force = run.force,
                      .quiet = run.quiet,
                      .top = run.top,
                      .interval_ns = run.interval_ns,
                      .duration_ns = duration_ns,
                      .selection = run.selection,
                      .syscalls = run.syscalls,
                      .wait_poll_ns = run.wait_poll_ns,
                      .stack_sample_rate = run.stack_sample_rate,
                      .stack_depth = run.recording.stack_depth});
}

// Finds what a launched run needs before anything starts: the audit library (--ltrace), the
// program (like a shell: a missing program is 127, one that cannot be executed 126) and the
// preload library. -1, or memwrap's exit status.
int LocateLaunchFiles(const RunCommandLine& line, LaunchedRun* run) {
  if (line.ltrace_given) {
    if (std::string error = BuildLibraryCallFilter({{ChainKind::kCaller, run->ltrace, "--ltrace"}},
                                                   &run->ltrace_filter);
        !error.empty()) {
      fprintf(stderr, "memwrap: %s\n", error.c_str());
      return kExitUsage;
    }
    run->audit = LocateAuditLibrary("memwrap");
    if (run->audit.empty()) return kExitUsage;
  }
  ProgramPath program = ResolveProgram(run->program.front());
  if (program.error != 0) {
    // A name that is neither a program nor a command may be a mistyped command ("reprot").
    const std::string& name = run->program.front();
    const std::string closest = program.error == ENOENT && name.find('/') == std::string::npos
                                    ? ClosestName(name, CommandNames())
                                    : "";
    return ProgramNotRunnable(
        "memwrap", name, program.error,
        closest.empty() ? "" : " (nor a memwrap command; did you mean 'memwrap " + closest + "'?)");
  }
  run->path = program.path;
  std::string tried;
  run->preload = FindPreloadLibrary(&tried);
  if (run->preload.empty()) {
    fprintf(stderr, "memwrap: cannot find libmemwrap_preload.so (looked at %s)\n", tried.c_str());
    return kExitUsage;
  }
  if (run->preload.find_first_of(": ") != std::string::npos) {
    fprintf(stderr,
            "memwrap: the preload library path '%s' contains ':' or ' ', which LD_PRELOAD cannot "
            "carry; install memwrap elsewhere\n",
            run->preload.c_str());
    return kExitUsage;
  }
  return -1;
}

// `memwrap run`, or the flight recorder (`fltrec`).
int RunProgram(const std::vector<std::string>& args, RunMode mode) {
  IgnoreSigpipe();  // a closed standard output or error must not end memwrap (broken_pipe.h)
  RunCommandLine line;
  line.run.mode = mode;
  std::vector<std::string> program;
  if (int status = ParseRunCommandLine(args, &line, &program); status >= 0) return status;
  if (mode == RunMode::kWatch && line.attach != 0) {
    if (!program.empty()) {
      fprintf(stderr, "memwrap watch: -p watches a recording: give no program\n");
      return kExitUsage;
    }
    if (!line.run.plugins.plugins.empty()) {
      fprintf(stderr,
              "memwrap watch: --plugin needs the heap events of a program memwrap "
              "starts, not -p\n");
      return kExitUsage;
    }
    return WatchRecording(line.run.watch, uint32_t(line.attach), line.run.output, line.run.force);
  }
  if (line.attach != 0 || !line.duration.empty()) return RunAttachedFrom(line, program);
  if (program.empty()) {
    fprintf(stderr, "memwrap: no program to run (usage: memwrap [run] [options] PROGRAM ...)\n");
    return kExitUsage;
  }
  line.run.program = program;
  if (int status = LocateLaunchFiles(line, &line.run); status >= 0) return status;
  return RunLaunched(std::move(line.run));
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  return RunProgram(args, RunMode::kRecord);
}
int FltrecCommand(const std::vector<std::string>& args) {
  return RunProgram(args, RunMode::kFlightRecorder);
}
int WatchCommand(const std::vector<std::string>& args) {
  return RunProgram(args, RunMode::kWatch);
}

}  // namespace memwrap
