// `ltracedrv [options] [--] PROGRAM [ARGS...]` (also `memwrap ltrace`): library calls of a
// program, shown like ltrace, recorded through the dynamic linker's audit interface
// (libmemwrap_audit.so; docs/ltrace.md). Exits the way PROGRAM did.
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "analyzer/library_calls.h"
#include "cli/call_printer.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/library_call_setup.h"
#include "cli/ltrace_attach.h"
#include "cli/recording_session.h"
#include "cli/tracee_text.h"
#include "fileio/output_file.h"
#include "memwrap/exit_codes.h"
#include "memwrap/handshake.h"
#include "memwrap/monotonic_clock.h"
#include "memwrap/session_info_keys.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_writer.h"
#include "tracer/broken_pipe.h"
#include "tracer/collector/collector.h"
#include "tracer/exit_status.h"
#include "tracer/launcher.h"
#include "tracer/preload_obstacle.h"
#include "tracer/process_tree.h"
#include "tracer/syscalls/syscall_selection.h"
#include "tracer/syscalls/syscall_table.h"

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
        const LtraceArg* arg =
            i < 6 ? (i < call.prototype->arg_count ? &call.prototype->args[i] : nullptr)
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

// ltracedrv's command line, as given, and the filter it makes.
struct LtraceCommandLine {
  std::vector<std::string> caller_filters, callee_filters, libraries;
  std::string output, trace;
  int timestamps = 0, pid = 0;
  unsigned string_size = 32, indent = 0, align = kDefaultAlign;
  bool durations = false, summary = false, follow = false, json = false, caller_address = false;
  bool demangle = false, relative = false, no_default = false, system_calls = false;
  bool force = false;
  bool no_signals = false;  // -b: accepted, nothing to do (signals are not shown)
  std::vector<std::string> program;
  bool attach = false;  // -p
  // BuildFilters' result
  std::vector<FilterExpression> expressions;
  bool default_filter = false;  // @MAIN, as ltrace without -e
  std::string filter;           // for the audit library
  std::string patterns;         // as given, for the trace's session info
};

// Reads and checks the options; -1, or the exit status (2: bad usage).
int ParseLtraceCommandLine(const std::vector<std::string>& raw_args, const char* name,
                           LtraceCommandLine* line) {
  po::options_description options(kLtraceUsage);
  options.add_options()("help,h", "show this help and exit")(
      ",e", po::value<std::vector<std::string>>(&line->caller_filters)->value_name("FILTER"),
      "calls to trace, in ltrace's filter language: rules [+-]symbol[@library] chained, "
      "globs or /regex/ (malloc+free, *-strlen, @MAIN, @libc.so*, /^str/); the library is "
      "the CALLING object; repeatable (any matches); default: @MAIN, the calls the program "
      "itself makes")(
      ",x", po::value<std::vector<std::string>>(&line->callee_filters)->value_name("FILTER"),
      "calls INTO the functions FILTER selects (symbol@library: the DEFINING library), from "
      "any object; repeatable")(
      "library,l", po::value<std::vector<std::string>>(&line->libraries)->value_name("LIBRARY"),
      "calls into functions defined by LIBRARY (a library pattern: libz.so*, /regex/); "
      "repeatable; no default @MAIN then")(",L", po::bool_switch(&line->no_default),
                                           "without -e, do not trace @MAIN by default")(
      "output,o", po::value<std::string>(&line->output)->value_name("FILE"),
      "write the calls (or the summary) to FILE instead of standard error")(
      ",s", po::value<unsigned>(&line->string_size)->value_name("N"),
      "show at most N bytes of each string (default 32; at most 1024)")(
      "align,a", po::value<unsigned>(&line->align)->value_name("COLUMN"),
      "align the results at COLUMN (default 50, as ltrace writes to a file or pipe)")(
      "indent,n", po::value<unsigned>(&line->indent)->value_name("N"),
      "indent each call by N spaces per level of nesting (calls made while a traced call "
      "runs: callbacks, or a library's calls with -e '*' or -l)")(
      ",T", po::bool_switch(&line->durations), "show the time spent in each call")(
      ",r", po::bool_switch(&line->relative),
      "show the time since the previous line before each line (seconds.microseconds)")(
      "timestamps", po::value<int>(&line->timestamps)->value_name("1|2|3"),
      "-t: time of day of each call; -tt: with microseconds; -ttt: seconds since the epoch")(
      ",c", po::bool_switch(&line->summary),
      "count calls and time per function, and print a summary at the end instead of the calls")(
      ",f", po::bool_switch(&line->follow),
      "follow forks: show the calls of child processes too, each line led by [pid N]")(
      ",i", po::bool_switch(&line->caller_address), "show the caller's address (return address)")(
      "demangle,C", po::bool_switch(&line->demangle), "demangle C++ function names")(
      ",S", po::bool_switch(&line->system_calls),
      "show system calls too, as SYS_name(arguments) = result (traced with ptrace)")(
      "no-signals,b", po::bool_switch(&line->no_signals),
      "accepted for ltrace's sake: signals are "
      "not shown anyway")(
      ",p", po::value<int>(&line->pid)->value_name("PID"),
      "attach to the running process PID (and all its threads) instead of running a program: "
      "the calls its main program makes through its PLT, seen with breakpoints as ltrace "
      "does (only -e filters; not -x, -l, -S, --trace); Ctrl-C detaches and leaves it "
      "running as before")(
      "json", po::bool_switch(&line->json),
      "one JSON object per call (pid, tid, function, library, ts_ns, dur_ns, depth, caller, "
      "args, result); with -c, one per function")(
      "trace", po::value<std::string>(&line->trace)->value_name("PATH"),
      "also write the calls into a memwrap trace at PATH (memwrap timeline shows them)")(
      "force", po::bool_switch(&line->force), "with --trace: replace PATH if it exists");
  SplitCommandLine split = SplitAtProgram(ExpandTimestampFlags(raw_args), options);
  po::variables_map vm;
  if (int status = ParseOptions(split.options, options, name, &vm); status >= 0) return status;
  line->program = split.program;
  line->attach = vm.count("-p") != 0;
  if (line->attach) {
    const char* refused = line->pid <= 0           ? "a process id is > 0"
                          : !line->program.empty() ? "give a PID or a PROGRAM, not both"
                          : !line->callee_filters.empty() || !line->libraries.empty()
                              ? "-x and -l need the audit library, which a running process has not "
                                "loaded: with -p, only -e (calls the program makes through its PLT)"
                          : line->system_calls
                              ? "-S is not available with -p (stracedrv -p shows the "
                                "system calls)"
                          : !line->trace.empty() ? "--trace is not available with -p"
                                                 : nullptr;
    if (refused != nullptr) {
      fprintf(stderr, "%s: -p %d: %s\n", name, line->pid, refused);
      return kExitUsage;
    }
  }
  if (line->timestamps < 0 || line->timestamps > 3) {
    fprintf(stderr, "%s: --timestamps must be 1, 2 or 3 (-t, -tt, -ttt)\n", name);
    return kExitUsage;
  }
  if (line->string_size > kMaxArgText) {
    fprintf(stderr, "%s: -s %u: at most %u\n", name, line->string_size, kMaxArgText);
    return kExitUsage;
  }
  if (line->align > 1000 || line->indent > 100) {
    fprintf(stderr, "%s: -a is at most 1000 and -n at most 100\n", name);
    return kExitUsage;
  }
  return -1;
}

// The filter chains, in the order given, and what they become: the audit library's filter and
// the patterns the trace's session info names. -1, or the exit status.
int BuildFilters(LtraceCommandLine* line, const char* name) {
  // ltrace's default without -e (and without -l or -L): @MAIN, with the caller's name left out
  // of each line.
  std::vector<FilterExpression>& expressions = line->expressions;
  for (const std::string& expression : line->caller_filters) {
    expressions.push_back({ChainKind::kCaller, expression, "-e"});
  }
  for (const std::string& expression : line->callee_filters) {
    expressions.push_back({ChainKind::kCallee, expression, "-x"});
  }
  for (const std::string& library : line->libraries) {
    if (library.empty() || library.find_first_of("@+-,!") != std::string::npos) {
      fprintf(stderr, "%s: -l '%s': a library pattern (libz.so*, /regex/), without @ + - , !\n",
              name, library.c_str());
      return kExitUsage;
    }
    expressions.push_back({ChainKind::kCallee, "@" + library, "-l"});
  }
  line->default_filter =
      line->caller_filters.empty() && line->libraries.empty() && !line->no_default;
  if (line->default_filter) expressions.push_back({ChainKind::kCaller, "@MAIN", "-e"});
  if (expressions.empty()) {
    fprintf(stderr, "%s: -L without -e, -x or -l traces nothing: give one of them\n", name);
    return kExitUsage;
  }
  if (std::string error = BuildLibraryCallFilter(expressions, &line->filter); !error.empty()) {
    fprintf(stderr, "%s: %s\n", name, error.c_str());
    return kExitUsage;
  }
  for (const FilterExpression& item : expressions) {
    line->patterns += (line->patterns.empty() ? "" : " ") + item.option + " " + item.expression;
  }
  return -1;
}

CallFormat FormatOf(const LtraceCommandLine& line) {
  CallFormat format;
  format.timestamps = line.timestamps;
  format.durations = line.durations;
  format.pids = line.follow;
  format.caller_address = line.caller_address;
  format.demangle = line.demangle;
  format.relative = line.relative;
  format.hide_caller = line.default_filter;
  format.string_size = line.string_size;
  format.indent = line.indent;
  format.align = line.align;
  format.realtime_offset_ns = RealtimeOffsetNs();
  return format;
}

// Where the calls are printed: standard error, or -o FILE, replaced whole when the tracing
// ends (fileio/output_file.h).
class CallOutput {
 public:
  CallOutput(std::string path, const char* name) : path_(std::move(path)), name_(name) {}

  // "" or why FILE cannot be written (then said, and the command exits kExitCannotWrite).
  bool Open() {
    if (path_.empty()) return true;
    std::string error = file_.Open(path_, ExistingFile::kReplace, 0666);
    if (error.empty()) {
      stream_.reset(fdopen(fcntl(file_.fd(), F_DUPFD_CLOEXEC, 0), "w"));
      if (stream_ == nullptr) error = strerror(errno);
    }
    if (error.empty()) return true;
    file_.Discard();
    fprintf(stderr, "%s: cannot write %s: %s\n", name_, path_.c_str(), error.c_str());
    return false;
  }

  FILE* stream() const { return stream_ != nullptr ? stream_.get() : stderr; }
  bool failed() const {
    return stream_ != nullptr && (ferror(stream_.get()) || fflush(stream_.get()) != 0);
  }
  const std::string& path() const { return path_; }

  // Puts FILE in place (said if that fails), or drops it.
  void Commit() {
    fflush(stream());
    stream_.reset();
    if (std::string error = file_.Commit(); !error.empty()) {
      fprintf(stderr, "%s: cannot write %s: %s; the output is in '%s'\n", name_, path_.c_str(),
              error.c_str(), file_.written_path().c_str());
    }
  }
  void Discard() {
    stream_.reset();
    file_.Discard();
  }

 private:
  std::string path_;
  const char* name_;
  // Declared before the stream, so that the stream is flushed and closed before the file is
  // put in place.
  OutputFile file_;
  std::unique_ptr<FILE, int (*)(FILE*)> stream_{nullptr, fclose};
};

// ltracedrv -p: breakpoints in a running process (ltrace_attach.h); no trace is written.
int TraceRunningProcess(const LtraceCommandLine& line, const char* name, CallOutput* output,
                        const CallFormat& format) {
  CallPrinter printer(output->stream(), format, line.json, line.summary, line.follow,
                      uint32_t(line.pid));
  int status = -1;
  std::string error;
  try {
    error = TraceAttached({pid_t(line.pid), line.expressions, line.string_size}, &printer, &status);
  } catch (const std::exception& failure) {
    error = failure.what();
  }
  printer.Finish();
  if (!error.empty()) {
    output->Discard();
    fprintf(stderr, "%s: -p %d: %s\n", name, line.pid, error.c_str());
    return kExitUsage;
  }
  if (!line.json && !line.summary && status != -1) PrintEnding(output->stream(), status);
  output->Commit();
  return kExitOk;  // the process ended, or runs on, detached
}

// The program, forked with the audit library's environment (it waits until Run).
void LaunchWithAudit(const LtraceCommandLine& line, const ProgramPath& program,
                     const std::string& audit, const char* name, RecordingSession* session) {
  Collector& collector = session->collector();
  collector.LibraryCallsStandAlone();
  std::vector<std::string> env = CurrentEnvironment();
  const std::string obstacle = PreloadObstacle(program.path);
  if (!obstacle.empty()) {
    fprintf(stderr, "%s: %s: library calls cannot be traced: %s\n", name,
            line.program.front().c_str(), obstacle.c_str());
  } else {
    WarnIfCallsHidden(name);
    AddLibraryCallTracing(&env, audit, line.filter);
    env.push_back(std::string(kEnvLtraceStrings) + "=" + std::to_string(line.string_size));
    env.push_back(std::string(kEnvSocket) + "=" + collector.socket_name());
  }
  session->Launch(program.path, line.program, env);
}

// -S: the program runs under ptrace (tracer/process_tree.h), which shows its system calls;
// else it runs untraced and is waited for.
// std::nullopt when -S could not trace the program (said; it was abandoned).
std::optional<ProgramEnd> RunProgram(const LtraceCommandLine& line, const char* name,
                                     CallPrinter* printer, RecordingSession* session) {
  if (!line.system_calls) return session->RunUntraced();
  SystemCallLines syscall_lines(printer, line.follow, session->pid(), line.string_size);
  ProcessTreeOptions tree_options;
  tree_options.selection = SyscallSelection::All();
  tree_options.stops = SyscallStops::kAll;
  tree_options.follow = true;  // children's library calls are traced anyway; -f shows them
  session->Follow(&syscall_lines, tree_options);
  if (std::string error = session->Trace(); !error.empty()) {
    fprintf(stderr, "%s: -S: cannot trace the program's system calls: %s\n", name, error.c_str());
    session->Abandon();
    session->DiscardTrace();
    return std::nullopt;
  }
  return session->Run(/*tick_period_ns=*/0, nullptr);
}

// The program's end, as the trace keeps it (no tracer records it: there is no ptrace without
// -S, and no TraceRecorder with it).
void RecordExit(RecordingSession* session, const ProgramEnd& end) {
  const uint32_t pid = uint32_t(session->pid());
  const uint32_t max_rss_kib = uint32_t(end.usage.ru_maxrss);
  if (WIFEXITED(end.status)) {
    session->collector().RecordExit(pid, ExitKind::kExited, WEXITSTATUS(end.status),
                                    ClockNs(CLOCK_MONOTONIC), max_rss_kib, std::nullopt);
  } else if (WIFSIGNALED(end.status)) {
    session->collector().RecordExit(pid, ExitKind::kSignaled, WTERMSIG(end.status),
                                    ClockNs(CLOCK_MONOTONIC), max_rss_kib, std::nullopt);
  }
}

// ltracedrv PROGRAM, on a RecordingSession: the audit library's calls reach the printer through
// the collector, and the trace too with --trace.
int TraceProgram(const LtraceCommandLine& line, const ProgramPath& program,
                 const std::string& audit, const char* name, CallOutput* output,
                 const CallFormat& format) {
  RecordingSession session(name);
  LaunchWithAudit(line, program, audit, name, &session);
  if (!line.trace.empty()) {
    const auto existing =
        line.force ? TraceWriter::Existing::kReplace : TraceWriter::Existing::kRefuse;
    if (!session.OpenTrace(line.trace, existing,
                           {{session_key::kCommand, JoinCommand(line.program)},
                            {session_key::kProgram, program.path},
                            {session_key::kPid, std::to_string(session.pid())},
                            {session_key::kLtrace, line.patterns},
                            {session_key::kHeapNotRecorded, "ltracedrv records library calls only"},
                            {session_key::kMemwrapVersion, MEMWRAP_VERSION}})) {
      return kExitCannotWrite;
    }
  }
  CallPrinter printer(output->stream(), format, line.json, line.summary, line.follow,
                      uint32_t(session.pid()));
  session.collector().ObserveLibraryCalls(
      [&printer](uint32_t process, const uint8_t* bytes, size_t size) {
        printer.Records(process, bytes, size);
      });
  session.TakeSignals();
  session.StartCollector(0);
  const std::optional<ProgramEnd> ran = RunProgram(line, name, &printer, &session);
  if (!ran) return kExitUsage;
  const ProgramEnd& end = *ran;
  if (end.exec_error != 0) {
    session.DiscardTrace();
    output->Discard();
    return session.ExecFailed(line.program.front(), end.exec_error);
  }
  RecordExit(&session, end);
  session.EndTrace();
  printer.Finish();
  session.SayIfWriteFailed();
  if (output->failed()) fprintf(stderr, "%s: error writing %s\n", name, output->path().c_str());
  // ltrace ends its list of calls with this line; so do we (not in JSON or a summary).
  if (!line.json && !line.summary) PrintEnding(output->stream(), end.status);
  output->Commit();
  ExitLikeProgram(end.status);
}

}  // namespace

int LtraceCommand(const std::vector<std::string>& raw_args, const char* name) {
  IgnoreSigpipe();  // a closed output must not end the tracer (tracer/broken_pipe.h)
  LtraceCommandLine line;
  if (int status = ParseLtraceCommandLine(raw_args, name, &line); status >= 0) return status;
  if (int status = BuildFilters(&line, name); status >= 0) return status;
  if (line.program.empty() && !line.attach) {
    fprintf(stderr, "%s: no program to run (usage: %s [options] PROGRAM ...)\n", name, name);
    return kExitUsage;
  }
  ProgramPath program;
  if (!line.attach) program = ResolveProgram(line.program.front());
  if (program.error != 0) return ProgramNotRunnable(name, line.program.front(), program.error);
  const std::string audit = line.attach ? "" : LocateAuditLibrary(name);
  if (audit.empty() && !line.attach) return kExitUsage;
  CallOutput output(line.output, name);
  if (!output.Open()) return kExitCannotWrite;
  const CallFormat format = FormatOf(line);
  // Whole batches of lines per write (the printer flushes after each batch it is handed).
  static char stderr_buffer[1 << 16];
  if (output.stream() == stderr) setvbuf(stderr, stderr_buffer, _IOFBF, sizeof(stderr_buffer));
  if (line.attach) return TraceRunningProcess(line, name, &output, format);
  try {
    return TraceProgram(line, program, audit, name, &output, format);
  } catch (const std::exception& error) {
    fprintf(stderr, "%s: %s\n", name, error.what());
    return kExitUsage;
  }
}

}  // namespace memwrap
