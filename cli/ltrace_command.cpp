// `ltracedrv [options] [--] PROGRAM [ARGS...]` (also `memwrap ltrace`): library calls of a
// program, shown like ltrace, recorded through the dynamic linker's audit interface
// (libmemwrap_audit.so; docs/ltrace.md). Exits the way PROGRAM did.
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <map>
#include <mutex>

#include "command_line.h"
#include "commands.h"
#include "memwrap/exit_codes.h"
#include "call_printer.h"
#include "library_call_setup.h"
#include "ltrace_attach.h"
#include "tracee_text.h"
#include "library_calls.h"
#include "memwrap/handshake.h"
#include "fileio/output_file.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_writer.h"
#include "tracer/broken_pipe.h"
#include "tracer/collector.h"
#include "tracer/exit_status.h"
#include "tracer/launcher.h"
#include "tracer/preload_obstacle.h"
#include "tracer/process_tree.h"
#include "tracer/syscalls/syscall_selection.h"
#include "tracer/syscalls/syscall_table.h"
#include "tracer/signal_relay.h"

namespace memwrap {
namespace po = boost::program_options;
namespace {

const char kLtraceUsage[] =
    "usage: ltracedrv [options] [--] PROGRAM [ARGS...]\n"
    "       memwrap ltrace [options] [--] PROGRAM [ARGS...]\n"
    "\n"
    "Runs PROGRAM and shows the library functions it calls, like ltrace: one line per call\n"
    "(CALLER->function(arguments) = result) on standard error, or a per-function summary.\n"
    "Calls are recorded by the dynamic linker's audit interface, so programs linked with\n"
    "-z now and libraries loaded with dlopen are traced. Arguments and results are decoded\n"
    "with the prototypes of ltrace 0.7.3's ltrace.conf (others: four guessed arguments, as\n"
    "ltrace). Exits with PROGRAM's exit status, or dies of the signal that killed it.\n"
    "\n"
    "Exit codes of ltracedrv itself: 2 bad usage, a filter it cannot read as ltrace does\n"
    "(one line names the position), -p (refused), or output not writable (nothing was run);\n"
    "126 PROGRAM cannot be executed, 127 PROGRAM not found.\n"
    "\n"
    "Options";

uint64_t ClockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

// ltrace spells -t, -tt and -ttt as repeated letters; program_options counts no switches.
std::vector<std::string> ExpandTimestampFlags(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  bool in_program = false;
  for (const std::string& arg : args) {
    if (!in_program && (arg == "-t" || arg == "-tt" || arg == "-ttt")) {
      out.push_back("--timestamps=" + std::to_string(arg.size() - 1));
      continue;
    }
    if (arg == "--") in_program = true;
    out.push_back(arg);
  }
  return out;
}

// -S: each system call as ltrace -S shows it, SYS_name(arguments) = result, decoded with
// ltrace's SYS_ prototypes (ltrace.conf) when it has one.
class SystemCallLines : public TraceObserver {
 public:
  SystemCallLines(CallPrinter* printer, bool follow, pid_t root, unsigned string_size)
      : printer_(printer), follow_(follow), root_(root), string_size_(string_size) {}

  void OnSyscall(const SyscallEvent& event) override {
    if (!follow_ && event.pid != root_) return;
    const std::string name = "SYS_" + Syscall(event.number).name;
    LibraryCall call;
    call.pid = uint32_t(event.pid);
    call.tid = uint32_t(event.tid);
    call.function = name;
    call.prototype = FindLibraryPrototype(name.c_str());
    call.ts_ns = event.entry_ns;
    call.duration_ns = event.exit_ns > event.entry_ns ? event.exit_ns - event.entry_ns : 0;
    call.returned = event.finished;
    call.result = uint64_t(event.result);
    memcpy(call.args, event.args, sizeof(call.args));
    if (call.prototype != nullptr && event.finished) {
      for (int i = 0; i < 7; ++i) {
        const LtraceArg* arg = i < 6 ? (i < call.prototype->arg_count ? &call.prototype->args[i]
                                                                       : nullptr)
                                     : &call.prototype->result;
        const uint64_t value = i < 6 ? call.args[i] : call.result;
        if (arg == nullptr || value == 0) continue;
        uint64_t bound = UINT64_MAX;
        if (arg->kind == ArgKind::kStringRet) {
          bound = int64_t(call.result) > 0 ? call.result : 0;
        } else if ((arg->kind == ArgKind::kStringN || arg->kind == ArgKind::kArrayN) &&
                   arg->aux >= 1 && arg->aux <= 6) {
          bound = call.args[arg->aux - 1];
        } else if (arg->kind != ArgKind::kString) {
          continue;
        }
        if (ReadTraceeText(event.tid, value, bound, string_size_ + 1, &call.texts[i])) {
          call.text_args = uint16_t(call.text_args | (1u << i));
        }
      }
    }
    printer_->SystemCall(call);
  }

 private:
  CallPrinter* printer_;
  bool follow_;
  pid_t root_;
  unsigned string_size_;
};

// ltrace's last line: how the program ended.
void PrintEnding(FILE* out, int status) {
  if (WIFEXITED(status)) {
    fprintf(out, "+++ exited (status %d) +++\n", WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    const char* abbreviation = sigabbrev_np(WTERMSIG(status));  // "SEGV", as ltrace says
    if (abbreviation != nullptr) {
      fprintf(out, "+++ killed by SIG%s +++\n", abbreviation);
    } else {
      fprintf(out, "+++ killed by signal %d +++\n", WTERMSIG(status));
    }
  }
}

}  // namespace

int LtraceCommand(const std::vector<std::string>& raw_args, const char* name) {
  IgnoreSigpipe();  // a closed output must not end the tracer (tracer/broken_pipe.h)
  po::options_description options(kLtraceUsage);
  std::vector<std::string> caller_filters, callee_filters, libraries;
  std::string output, trace;
  int timestamps = 0, pid = 0;
  unsigned string_size = 32, indent = 0, align = kDefaultAlign;
  bool durations = false, summary = false, follow = false, json = false, caller_address = false;
  bool demangle = false, relative = false, no_default = false, system_calls = false;
  bool force = false, no_signals = false;
  options.add_options()
      ("help,h", "show this help and exit")
      (",e", po::value<std::vector<std::string>>(&caller_filters)->value_name("FILTER"),
       "calls to trace, in ltrace's filter language: rules [+-]symbol[@library] chained, "
       "globs or /regex/ (malloc+free, *-strlen, @MAIN, @libc.so*, /^str/); the library is "
       "the CALLING object; repeatable (any matches); default: @MAIN, the calls the program "
       "itself makes")
      (",x", po::value<std::vector<std::string>>(&callee_filters)->value_name("FILTER"),
       "calls INTO the functions FILTER selects (symbol@library: the DEFINING library), from "
       "any object; repeatable")
      ("library,l", po::value<std::vector<std::string>>(&libraries)->value_name("LIBRARY"),
       "calls into functions defined by LIBRARY (a library pattern: libz.so*, /regex/); "
       "repeatable; no default @MAIN then")
      (",L", po::bool_switch(&no_default), "without -e, do not trace @MAIN by default")
      ("output,o", po::value<std::string>(&output)->value_name("FILE"),
       "write the calls (or the summary) to FILE instead of standard error")
      (",s", po::value<unsigned>(&string_size)->value_name("N"),
       "show at most N bytes of each string (default 32; at most 1024)")
      ("align,a", po::value<unsigned>(&align)->value_name("COLUMN"),
       "align the results at COLUMN (default 50, as ltrace writes to a file or pipe)")
      ("indent,n", po::value<unsigned>(&indent)->value_name("N"),
       "indent each call by N spaces per level of nesting (calls made while a traced call "
       "runs: callbacks, or a library's calls with -e '*' or -l)")
      (",T", po::bool_switch(&durations), "show the time spent in each call")
      (",r", po::bool_switch(&relative),
       "show the time since the previous line before each line (seconds.microseconds)")
      ("timestamps", po::value<int>(&timestamps)->value_name("1|2|3"),
       "-t: time of day of each call; -tt: with microseconds; -ttt: seconds since the epoch")
      (",c", po::bool_switch(&summary),
       "count calls and time per function, and print a summary at the end instead of the calls")
      (",f", po::bool_switch(&follow),
       "follow forks: show the calls of child processes too, each line led by [pid N]")
      (",i", po::bool_switch(&caller_address), "show the caller's address (return address)")
      ("demangle,C", po::bool_switch(&demangle), "demangle C++ function names")
      (",S", po::bool_switch(&system_calls),
       "show system calls too, as SYS_name(arguments) = result (traced with ptrace)")
      ("no-signals,b", po::bool_switch(&no_signals), "accepted for ltrace's sake: signals are "
       "not shown anyway")
      (",p", po::value<int>(&pid)->value_name("PID"),
       "attach to the running process PID (and all its threads) instead of running a program: "
       "the calls its main program makes through its PLT, seen with breakpoints as ltrace "
       "does (only -e filters; not -x, -l, -S, --trace); Ctrl-C detaches and leaves it "
       "running as before")
      ("json", po::bool_switch(&json),
       "one JSON object per call (pid, tid, function, library, ts_ns, dur_ns, depth, caller, "
       "args, result); with -c, one per function")
      ("trace", po::value<std::string>(&trace)->value_name("PATH"),
       "also write the calls into a memwrap trace at PATH (memwrap timeline shows them)")
      ("force", po::bool_switch(&force), "with --trace: replace PATH if it exists");

  SplitCommandLine split = SplitAtProgram(ExpandTimestampFlags(raw_args), options);
  po::variables_map vm;
  if (int status = ParseOptions(split.options, options, name, &vm); status >= 0) return status;
  (void)no_signals;
  const bool attach = vm.count("-p") != 0;
  if (attach) {
    const char* refused = pid <= 0                                     ? "a process id is > 0"
                          : !split.program.empty()                     ? "give a PID or a PROGRAM, not both"
                          : !callee_filters.empty() || !libraries.empty()
                              ? "-x and -l need the audit library, which a running process has not "
                                "loaded: with -p, only -e (calls the program makes through its PLT)"
                          : system_calls   ? "-S is not available with -p (stracedrv -p shows the "
                                             "system calls)"
                          : !trace.empty() ? "--trace is not available with -p"
                                           : nullptr;
    if (refused != nullptr) {
      fprintf(stderr, "%s: -p %d: %s\n", name, pid, refused);
      return kExitUsage;
    }
  }
  if (timestamps < 0 || timestamps > 3) {
    fprintf(stderr, "%s: --timestamps must be 1, 2 or 3 (-t, -tt, -ttt)\n", name);
    return kExitUsage;
  }
  if (string_size > kMaxArgText) {
    fprintf(stderr, "%s: -s %u: at most %u\n", name, string_size, kMaxArgText);
    return kExitUsage;
  }
  if (align > 1000 || indent > 100) {
    fprintf(stderr, "%s: -a is at most 1000 and -n at most 100\n", name);
    return kExitUsage;
  }
  // ltrace's default without -e (and without -l or -L): @MAIN, with the caller's name left out
  // of each line.
  std::vector<FilterExpression> expressions;
  for (const std::string& expression : caller_filters) {
    expressions.push_back({ChainKind::kCaller, expression, "-e"});
  }
  for (const std::string& expression : callee_filters) {
    expressions.push_back({ChainKind::kCallee, expression, "-x"});
  }
  for (const std::string& library : libraries) {
    if (library.empty() || library.find_first_of("@+-,!") != std::string::npos) {
      fprintf(stderr, "%s: -l '%s': a library pattern (libz.so*, /regex/), without @ + - , !\n",
              name, library.c_str());
      return kExitUsage;
    }
    expressions.push_back({ChainKind::kCallee, "@" + library, "-l"});
  }
  const bool default_filter = caller_filters.empty() && libraries.empty() && !no_default;
  if (default_filter) expressions.push_back({ChainKind::kCaller, "@MAIN", "-e"});
  if (expressions.empty()) {
    fprintf(stderr, "%s: -L without -e, -x or -l traces nothing: give one of them\n", name);
    return kExitUsage;
  }
  std::string filter;
  if (std::string error = BuildLibraryCallFilter(expressions, &filter); !error.empty()) {
    fprintf(stderr, "%s: %s\n", name, error.c_str());
    return kExitUsage;
  }
  std::string patterns;  // as given, for the trace's session info
  for (const FilterExpression& item : expressions) {
    patterns += (patterns.empty() ? "" : " ") + item.option + " " + item.expression;
  }
  if (split.program.empty() && !attach) {
    fprintf(stderr, "%s: no program to run (usage: %s [options] PROGRAM ...)\n", name, name);
    return kExitUsage;
  }
  ProgramPath program;
  if (!attach) program = ResolveProgram(split.program.front());
  if (program.error != 0) {
    fprintf(stderr, "%s: %s: %s\n", name, split.program.front().c_str(),
            program.error == ENOENT ? "command not found" : strerror(program.error));
    return program.error == ENOENT ? kExitNotFound : kExitCannotExecute;
  }
  const std::string audit = attach ? "" : LocateAuditLibrary(name);
  if (audit.empty() && !attach) return kExitUsage;

  FILE* out = stderr;
  // -o: replaced whole when the tracing ends (fileio/output_file.h). Declared before the
  // stream, so that the stream is flushed and closed before the file is put in place.
  OutputFile output_file;
  std::unique_ptr<FILE, int (*)(FILE*)> out_file(nullptr, fclose);
  if (!output.empty()) {
    std::string error = output_file.Open(output, ExistingFile::kReplace, 0666);
    if (error.empty()) {
      out_file.reset(fdopen(fcntl(output_file.fd(), F_DUPFD_CLOEXEC, 0), "w"));
      if (out_file == nullptr) error = strerror(errno);
    }
    if (!error.empty()) {
      output_file.Discard();
      fprintf(stderr, "%s: cannot write %s: %s\n", name, output.c_str(), error.c_str());
      return kExitCannotWrite;
    }
    out = out_file.get();
  }

  CallFormat format;
  format.timestamps = timestamps;
  format.durations = durations;
  format.pids = follow;
  format.caller_address = caller_address;
  format.demangle = demangle;
  format.relative = relative;
  format.hide_caller = default_filter;
  format.string_size = string_size;
  format.indent = indent;
  format.align = align;
  format.realtime_offset_ns = int64_t(ClockNs(CLOCK_REALTIME)) - int64_t(ClockNs(CLOCK_MONOTONIC));
  // Whole batches of lines per write (the printer flushes after each batch it is handed).
  static char stderr_buffer[1 << 16];
  if (out == stderr) setvbuf(stderr, stderr_buffer, _IOFBF, sizeof(stderr_buffer));
  if (attach) {
    CallPrinter printer(out, format, json, summary, follow, uint32_t(pid));
    int status = -1;
    std::string error;
    try {
      error = TraceAttached({pid_t(pid), expressions, string_size}, &printer, &status);
    } catch (const std::exception& failure) {
      error = failure.what();
    }
    printer.Finish();
    if (!error.empty()) {
      out_file.reset();
      output_file.Discard();
      fprintf(stderr, "%s: -p %d: %s\n", name, pid, error.c_str());
      return kExitUsage;
    }
    if (!json && !summary && status != -1) PrintEnding(out, status);
    fflush(out);
    out_file.reset();
    if (std::string commit = output_file.Commit(); !commit.empty()) {
      fprintf(stderr, "%s: cannot write %s: %s; the output is in '%s'\n", name, output.c_str(),
              commit.c_str(), output_file.written_path().c_str());
    }
    return kExitOk;  // the process ended, or runs on, detached
  }

  try {
    Collector collector;
    collector.LibraryCallsStandAlone();
    std::vector<std::string> env = CurrentEnvironment();
    const std::string obstacle = PreloadObstacle(program.path);
    if (!obstacle.empty()) {
      fprintf(stderr, "%s: %s: library calls cannot be traced: %s\n", name,
              split.program.front().c_str(), obstacle.c_str());
    } else {
      WarnIfCallsHidden(name);
      AddLibraryCallTracing(&env, audit, filter);
      env.push_back(std::string(kEnvLtraceStrings) + "=" + std::to_string(string_size));
      env.push_back(std::string(kEnvSocket) + "=" + collector.socket_name());
    }
    Launcher launcher(program.path, split.program, env);

    std::unique_ptr<TraceWriter> writer;
    if (!trace.empty()) {
      try {
        writer = std::make_unique<TraceWriter>(
            trace, force ? TraceWriter::Existing::kReplace : TraceWriter::Existing::kRefuse);
        std::string joined;
        for (const auto& arg : split.program) joined += (joined.empty() ? "" : " ") + arg;
        writer->WriteSessionInfo({{"command", joined},
                                  {"program", program.path},
                                  {"pid", std::to_string(launcher.pid())},
                                  {"ltrace", patterns},
                                  {"heap_not_recorded", "ltracedrv records library calls only"},
                                  {"memwrap_version", MEMWRAP_VERSION}});
      } catch (const TraceError& error) {
        launcher.Abandon();
        fprintf(stderr, "%s: %s\n", name, error.what());
        return kExitCannotWrite;
      }
    }

    CallPrinter printer(out, format, json, summary, follow, uint32_t(launcher.pid()));
    collector.ObserveLibraryCalls([&printer](uint32_t process, const uint8_t* bytes, size_t size) {
      printer.Records(process, bytes, size);
    });

    RelaySignalsTo(launcher.pid());
    collector.Start(writer.get(), 0);
    // -S: the program runs under ptrace (tracer/process_tree.h), which shows its system calls.
    std::unique_ptr<SystemCallLines> syscall_lines;
    std::unique_ptr<ProcessTree> tree;
    int exec_error = 0;
    int status = 0;
    struct rusage usage {};
    if (system_calls) {
      syscall_lines = std::make_unique<SystemCallLines>(&printer, follow, launcher.pid(),
                                                        format.string_size);
      ProcessTreeOptions tree_options;
      tree_options.selection = SyscallSelection::All();
      tree_options.stops = SyscallStops::kAll;
      tree_options.follow = true;  // children's library calls are traced anyway; -f shows them
      tree = std::make_unique<ProcessTree>(syscall_lines.get(), tree_options);
      if (std::string error = tree->SeizeChild(launcher.pid()); !error.empty()) {
        fprintf(stderr, "%s: -S: cannot trace the program's system calls: %s\n", name,
                error.c_str());
        launcher.Abandon();
        collector.RequestStop();
        collector.Finish();
        if (writer != nullptr) writer->Discard();
        return kExitUsage;
      }
      launcher.Go();
      status = tree->Run();
      exec_error = launcher.ExecError();
    } else {
      exec_error = launcher.Release();
    }
    if (int error = exec_error; error != 0) {
      collector.RequestStop();
      collector.Finish();
      if (writer != nullptr) writer->Discard();
      writer.reset();
      out_file.reset();
      output_file.Discard();
      fprintf(stderr, "%s: %s: %s\n", name, split.program.front().c_str(), strerror(error));
      return error == ENOENT ? kExitNotFound : kExitCannotExecute;
    }
    if (!system_calls) status = launcher.Wait(&usage);
    StopRelayingSignals();
    if (WIFEXITED(status)) {
      collector.RecordExit(uint32_t(launcher.pid()), ExitKind::kExited, WEXITSTATUS(status),
                           ClockNs(CLOCK_MONOTONIC), uint32_t(usage.ru_maxrss), std::nullopt);
    } else if (WIFSIGNALED(status)) {
      collector.RecordExit(uint32_t(launcher.pid()), ExitKind::kSignaled, WTERMSIG(status),
                           ClockNs(CLOCK_MONOTONIC), uint32_t(usage.ru_maxrss), std::nullopt);
    }
    collector.Finish();
    writer.reset();
    printer.Finish();
    if (std::string error = collector.write_error(); !error.empty()) {
      fprintf(stderr, "%s: %s; the trace holds what was written before\n", name, error.c_str());
    }
    if (out_file != nullptr && (ferror(out_file.get()) || fflush(out_file.get()) != 0)) {
      fprintf(stderr, "%s: error writing %s\n", name, output.c_str());
    }
    // ltrace ends its list of calls with this line; so do we (not in JSON or a summary).
    if (!json && !summary) PrintEnding(out, status);
    fflush(out);
    out_file.reset();
    if (std::string error = output_file.Commit(); !error.empty()) {
      fprintf(stderr, "%s: cannot write %s: %s; the output is in '%s'\n", name, output.c_str(),
              error.c_str(), output_file.written_path().c_str());
    }
    ExitLikeProgram(status);
  } catch (const std::exception& error) {
    fprintf(stderr, "%s: %s\n", name, error.what());
    return kExitUsage;
  }
}

}  // namespace memwrap
