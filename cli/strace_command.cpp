// `stracedrv [options] PROGRAM [ARGS...]` / `stracedrv -p PID` (also `memwrap strace ...`):
// the system calls of a process tree, as strace prints them, as JSON lines, or as strace -c's
// summary; and a memwrap trace holding every call (SYSCALL records) and each process's exit.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "byte_format.h"
#include "commands.h"
#include "exit_codes.h"
#include "fileio/output_file.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_writer.h"
#include "tracer/broken_pipe.h"
#include "tracer/collector.h"
#include "tracer/exit_status.h"
#include "tracer/launcher.h"
#include "tracer/process_tree.h"
#include "tracer/signal_relay.h"
#include "tracer/syscall_summary.h"
#include "tracer/syscalls/seccomp_filter.h"
#include "tracer/syscalls/syscall_decoder.h"
#include "tracer/syscalls/syscall_selection.h"
#include "tracer/syscalls/syscall_table.h"
#include "tracer/trace_recorder.h"

namespace memwrap {
namespace {

const char kStraceUsage[] =
    "usage: stracedrv [options] PROGRAM [ARGS...]\n"
    "       stracedrv [options] -p PID\n"
    "       (also: memwrap strace ...)\n"
    "\n"
    "Prints the system calls of PROGRAM (or of the running process PID) like strace, and\n"
    "writes them to a memwrap trace too (SYSCALL records; memwrap timeline/report read it).\n"
    "Exits with PROGRAM's exit status, or dies of the signal that killed it.\n"
    "\n"
    "Options:\n"
    "  -f               follow forks, vforks and threads\n"
    "  -e trace=SET     calls to trace: NAME,NAME,... or %memory %file %process %network\n"
    "                   %signal %desc, mixed, or all (default) / none. A subset is selected\n"
    "                   by a seccomp-bpf filter: the other calls never stop the program\n"
    "  -o FILE          write the output to FILE instead of standard error\n"
    "  -t, -tt, -ttt    prefix each line with the time of day (-tt: with microseconds;\n"
    "                   -ttt: seconds since the epoch)\n"
    "  -T               show the time spent in each call, <seconds>\n"
    "  -c               count time, calls and errors per call and print strace -c's table at\n"
    "                   the end, instead of one line per call\n"
    "  -d SECONDS       every SECONDS, print the calls made in the interval, per name\n"
    "  -p PID           attach to the running process PID and its threads; Ctrl-C (or\n"
    "                   --duration) detaches and leaves it running\n"
    "  --duration D     detach after D (e.g. 10s, 500ms); the program keeps running\n"
    "  --wait-poll D    while stops come quickly, poll for the next one this long before\n"
    "                   sleeping (default 50us; 0: always sleep; at most 10ms): waking a\n"
    "                   tracer whose CPU went idle costs more than a stop\n"
    "  --json           one JSON object per call instead of strace's text: pid, tid,\n"
    "                   syscall, args, ret, errno, ts_ns, dur_ns (docs/stracedrv.md)\n"
    "  --trace PATH     the trace file (default: NAME.PID.mwt in the current directory)\n"
    "  --no-trace       write no trace file\n"
    "  --force          replace an existing trace file\n"
    "  -h, --help       show this help\n"
    "\n"
    "Exit codes of stracedrv itself: 2 bad usage or output not writable, 126 PROGRAM cannot be\n"
    "executed, 127 PROGRAM not found.\n";

struct StraceOptions {
  bool follow = false;
  std::string trace_spec = "all";
  std::string output;
  int time_format = 0;  // number of -t
  bool show_duration = false;
  bool summary = false;
  uint64_t interval_ns = 0;  // -d
  pid_t attach = 0;
  uint64_t duration_ns = 0;
  uint64_t wait_poll_ns = kDefaultWaitSpinNs;
  bool json = false;
  std::string trace_path;
  bool no_trace = false;
  bool force = false;
  std::vector<std::string> program;
};

uint64_t Now(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Parses strace's style: clustered flags (-fT), values glued (-etrace=...) or separate.
// Returns -1 to go on, else an exit status.
int ParseStraceOptions(const std::vector<std::string>& args, StraceOptions* options) {
  auto fail = [](const std::string& message) {
    fprintf(stderr, "stracedrv: %s (see stracedrv --help)\n", message.c_str());
    return kExitUsage;
  };
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') break;
    auto value = [&](const std::string& name, std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      (void)name;
      return true;
    };
    if (arg[1] == '-') {
      std::string text;
      if (arg == "--help") {
        fputs(kStraceUsage, stdout);
        return kExitOk;
      } else if (arg == "--json") {
        options->json = true;
      } else if (arg == "--no-trace") {
        options->no_trace = true;
      } else if (arg == "--force") {
        options->force = true;
      } else if (arg == "--trace" || arg.rfind("--trace=", 0) == 0) {
        if ((arg == "--trace" ? !value(arg, &options->trace_path)
                              : (options->trace_path = arg.substr(8), false)) ||
            options->trace_path.empty()) {
          return fail("--trace needs a path");
        }
      } else if (arg == "--wait-poll" || arg.rfind("--wait-poll=", 0) == 0) {
        if (arg == "--wait-poll" ? !value(arg, &text) : (text = arg.substr(12)).empty()) {
          return fail("--wait-poll needs a value");
        }
        if (!ParseDuration(text, &options->wait_poll_ns) || options->wait_poll_ns > kMaxWaitSpinNs) {
          return fail("--wait-poll " + text + ": expected a duration of at most 10ms, or 0");
        }
      } else if (arg == "--duration" || arg.rfind("--duration=", 0) == 0) {
        if (arg == "--duration" ? !value(arg, &text) : (text = arg.substr(11)).empty()) {
          return fail("--duration needs a value");
        }
        if (!ParseDuration(text, &options->duration_ns) || options->duration_ns == 0) {
          return fail("--duration " + text + ": expected a duration such as 10s or 500ms");
        }
      } else {
        return fail("unknown option " + arg);
      }
      continue;
    }
    for (size_t c = 1; c < arg.size(); ++c) {
      const char flag = arg[c];
      if (flag == 'f') {
        options->follow = true;
      } else if (flag == 't') {
        ++options->time_format;
      } else if (flag == 'T') {
        options->show_duration = true;
      } else if (flag == 'c') {
        options->summary = true;
      } else if (flag == 'h') {
        fputs(kStraceUsage, stdout);
        return kExitOk;
      } else if (flag == 'e' || flag == 'o' || flag == 'p' || flag == 'd') {
        std::string text = arg.substr(c + 1);
        if (text.empty() && !value(arg, &text)) {
          return fail(std::string("-") + flag + " needs a value");
        }
        if (flag == 'e') {
          if (text.find('=') != std::string::npos && text.rfind("trace=", 0) != 0) {
            return fail("-e " + text + ": only trace=... is supported");
          }
          options->trace_spec = text;
        } else if (flag == 'o') {
          if (text.empty()) return fail("-o '': needs a file name");
          options->output = text;
        } else if (flag == 'p') {
          char* end = nullptr;
          long pid = strtol(text.c_str(), &end, 10);
          if (end == text.c_str() || *end != '\0' || pid <= 0) return fail("-p " + text + ": not a pid");
          options->attach = pid_t(pid);
        } else {
          char* end = nullptr;
          double seconds = strtod(text.c_str(), &end);
          if (end == text.c_str() || *end != '\0' || !(seconds >= 0.001)) {
            return fail("-d " + text + ": expected seconds (at least 0.001)");
          }
          options->interval_ns = uint64_t(seconds * 1e9);
        }
        break;  // the value took the rest of the argument
      } else {
        return fail(std::string("unknown option -") + flag);
      }
    }
  }
  options->program.assign(args.begin() + long(i), args.end());
  if (options->program.empty() == (options->attach == 0)) {
    return fail(options->attach != 0 ? "give either -p PID or a program, not both"
                                     : "no program to trace (usage: stracedrv [options] PROGRAM ...)");
  }
  if (options->time_format > 3) options->time_format = 3;
  return -1;
}

// Prints each reported call (text or JSON), keeps the -c and -d counts, and passes everything
// on to the trace recorder.
class StracePrinter : public TraceObserver {
 public:
  StracePrinter(const StraceOptions& options, FILE* out, TraceRecorder* recorder, pid_t first)
      : options_(options), out_(out), recorder_(recorder), first_(first) {
    realtime_offset_ns_ = int64_t(Now(CLOCK_REALTIME)) - int64_t(Now(CLOCK_MONOTONIC));
  }

  void OnSyscallEntry(const SyscallEvent& event) override {
    if (options_.summary || options_.interval_ns != 0 || options_.json) return;
    arguments_[event.tid] = DecodeArguments(event.tid, event.number, event.args);
  }

  void OnSyscall(const SyscallEvent& event) override {
    if (recorder_ != nullptr) recorder_->OnSyscall(event);
    if (options_.summary) {
      summary_.Add(event);
      return;
    }
    if (options_.interval_ns != 0) {
      interval_.Add(event);
      return;
    }
    if (options_.json) {
      PrintJson(event);
    } else {
      PrintLine(event);
    }
  }

  void AfterResume() override {
    if (recorder_ != nullptr) recorder_->AfterResume();
  }
  void OnProcessStart(pid_t pid, pid_t ppid) override {
    if (recorder_ != nullptr) recorder_->OnProcessStart(pid, ppid);
  }
  void OnSignal(pid_t, pid_t tid, int signal) override {
    if (options_.summary || options_.json || options_.interval_ns != 0) return;
    const char* name = sigabbrev_np(signal);
    fprintf(out_, "%s--- SIG%s ---\n", Prefix(tid).c_str(), name != nullptr ? name : "?");
  }
  void OnExec(pid_t pid) override {
    if (recorder_ != nullptr) recorder_->OnExec(pid);
  }
  void OnProcessExit(pid_t pid, int status, const struct rusage& usage, uint64_t hwm) override {
    if (recorder_ != nullptr) recorder_->OnProcessExit(pid, status, usage, hwm);
    if (options_.summary || options_.json || options_.interval_ns != 0) return;
    std::string prefix = Prefix(pid);
    if (WIFEXITED(status)) {
      fprintf(out_, "%s+++ exited with %d +++\n", prefix.c_str(), WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
      const char* name = sigabbrev_np(WTERMSIG(status));
      fprintf(out_, "%s+++ killed by SIG%s%s +++\n", prefix.c_str(), name ? name : "?",
              WCOREDUMP(status) ? " (core dumped)" : "");
    }
  }

  void Tick(uint64_t now_ns) {
    if (recorder_ != nullptr) recorder_->Tick(now_ns);
    if (options_.interval_ns != 0) {
      if (interval_start_ns_ == 0) interval_start_ns_ = now_ns;
      if (now_ns - interval_start_ns_ >= options_.interval_ns) FlushInterval(now_ns);
    }
    fflush(out_);
  }

  void Finish() {
    if (options_.interval_ns != 0) FlushInterval(Now(CLOCK_MONOTONIC));
    if (options_.summary) fputs(summary_.FormatTable().c_str(), out_);
    fflush(out_);
  }

 private:
  std::string Prefix(pid_t tid) const {
    if (!options_.follow || tid == first_) return "";
    char text[32];
    snprintf(text, sizeof(text), "[pid %5d] ", tid);
    return text;
  }

  std::string TimeOfDay(uint64_t monotonic_ns) const {
    return memwrap::TimeOfDay(monotonic_ns, realtime_offset_ns_, options_.time_format);
  }

  void PrintLine(const SyscallEvent& event) {
    std::string line = Prefix(event.tid);
    if (options_.time_format > 0) line += TimeOfDay(event.entry_ns);
    line += Syscall(event.number).name + "(";
    auto it = arguments_.find(event.tid);
    if (it != arguments_.end()) {
      line += it->second;
      arguments_.erase(it);
    }
    line += ") = ";
    if (!event.finished) {
      line += "?";
    } else {
      line += DecodeResult(event.number, event.result);
      if (options_.show_duration) {
        char duration[48];
        snprintf(duration, sizeof(duration), " <%.6f>", double(event.exit_ns - event.entry_ns) / 1e9);
        line += duration;
      }
    }
    line += '\n';
    fputs(line.c_str(), out_);
  }

  void PrintJson(const SyscallEvent& event) {
    nlohmann::json object;
    object["pid"] = event.pid;
    object["tid"] = event.tid;
    object["syscall"] = Syscall(event.number).name;
    const int count = Syscall(event.number).arguments;
    nlohmann::json args = nlohmann::json::array();
    for (int i = 0; i < count && i < 6; ++i) args.push_back(event.args[i]);
    object["args"] = args;
    object["ts_ns"] = event.entry_ns;
    if (!event.finished) {
      object["ret"] = nullptr;
      object["errno"] = nullptr;
      object["dur_ns"] = nullptr;
      object["unfinished"] = true;
    } else {
      const std::string error = ErrnoName(event.result);
      object["ret"] = error.empty() ? event.result : int64_t(-1);
      object["errno"] = error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error);
      object["dur_ns"] = event.exit_ns - event.entry_ns;
    }
    fputs((object.dump() + "\n").c_str(), out_);
  }

  void FlushInterval(uint64_t now_ns) {
    if (interval_start_ns_ == 0) interval_start_ns_ = now_ns;
    const std::string counts = interval_.FormatCounts();
    fprintf(out_, "%s+%.3fs: %s\n", TimeOfDay(now_ns).c_str(),
            double(now_ns - interval_start_ns_) / 1e9, counts.empty() ? "(no calls)" : counts.c_str());
    interval_ = SyscallSummary();
    interval_start_ns_ = now_ns;
  }

  const StraceOptions& options_;
  FILE* out_;
  TraceRecorder* recorder_;
  pid_t first_;
  int64_t realtime_offset_ns_ = 0;
  std::map<pid_t, std::string> arguments_;
  SyscallSummary summary_;
  SyscallSummary interval_;
  uint64_t interval_start_ns_ = 0;
};

ProcessTree* g_detach_tree = nullptr;

void DetachOnSignal(int) {
  if (g_detach_tree != nullptr) g_detach_tree->RequestDetach();
}

std::string ProcessName(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/comm", pid);
  FILE* file = fopen(path, "re");
  if (file == nullptr) return "pid";
  char name[64] = {};
  if (fgets(name, sizeof(name), file) == nullptr) name[0] = '\0';
  fclose(file);
  std::string text = name;
  while (!text.empty() && (text.back() == '\n' || text.back() == '/')) text.pop_back();
  return text.empty() ? "pid" : text;
}

}  // namespace

int StraceCommand(const std::vector<std::string>& args) {
  IgnoreSigpipe();  // a closed output must not end the tracer (tracer/broken_pipe.h)
  StraceOptions options;
  if (int done = ParseStraceOptions(args, &options); done >= 0) return done;
  SyscallSelection selection;
  if (std::string error = SyscallSelection::ParseStraceSpec(options.trace_spec, &selection);
      !error.empty()) {
    fprintf(stderr, "stracedrv: -e %s: %s\n", options.trace_spec.c_str(), error.c_str());
    return kExitUsage;
  }
  ProgramPath program;
  if (options.attach == 0) {
    program = ResolveProgram(options.program.front());
    if (program.error != 0) {
      fprintf(stderr, "stracedrv: %s: %s\n", options.program.front().c_str(),
              program.error == ENOENT ? "command not found" : strerror(program.error));
      return program.error == ENOENT ? kExitNotFound : kExitCannotExecute;
    }
  } else if (kill(options.attach, 0) != 0 && errno == ESRCH) {
    fprintf(stderr, "stracedrv: -p %d: no such process\n", options.attach);
    return kExitUsage;
  }
  FILE* out = stderr;
  OutputFile out_file;  // -o: replaced whole when the tracing ends (fileio/output_file.h)
  if (!options.output.empty()) {
    std::string error = out_file.Open(options.output, ExistingFile::kReplace, 0666);
    if (error.empty()) {
      out = fdopen(fcntl(out_file.fd(), F_DUPFD_CLOEXEC, 0), "w");
      if (out == nullptr) error = strerror(errno);
    }
    if (!error.empty()) {
      out_file.Discard();
      fprintf(stderr, "stracedrv: %s: %s\n", options.output.c_str(), error.c_str());
      return kExitCannotWrite;
    }
  }
  static char buffer[1 << 16];
  setvbuf(out, buffer, _IOFBF, sizeof(buffer));

  try {
    // A seccomp filter only helps a program we start, and must not stay behind in one we
    // detach from (its traced calls would then fail with ENOSYS).
    ProcessTreeOptions tree_options;
    tree_options.selection = selection;
    tree_options.follow = options.follow;
    tree_options.wait_spin_ns = options.wait_poll_ns;
    const bool filter = options.attach == 0 && options.duration_ns == 0 && !selection.all() &&
                        !selection.empty();
    tree_options.stops = selection.empty() ? SyscallStops::kNone
                         : filter          ? SyscallStops::kSeccomp
                                           : SyscallStops::kAll;
    std::vector<sock_filter> bpf = BuildSeccompFilter(selection);
    sock_fprog bpf_program{uint16_t(bpf.size()), bpf.data()};

    std::unique_ptr<Launcher> launcher;
    pid_t first = options.attach;
    if (options.attach == 0) {
      launcher = std::make_unique<Launcher>(program.path, options.program, CurrentEnvironment(),
                                            -1, filter ? &bpf_program : nullptr);
      first = launcher->pid();
    }
    Collector collector;
    std::unique_ptr<TraceWriter> writer;
    std::string trace_path = options.trace_path;
    if (!options.no_trace) {
      if (trace_path.empty()) {
        trace_path = (options.attach == 0 ? Basename(options.program.front())
                                          : ProcessName(options.attach)) +
                     "." + std::to_string(first) + ".mwt";
      }
      try {
        writer = std::make_unique<TraceWriter>(trace_path, options.force
                                                               ? TraceWriter::Existing::kReplace
                                                               : TraceWriter::Existing::kRefuse);
        std::map<std::string, std::string> session = {{"pid", std::to_string(first)},
                                                      {"syscalls", options.trace_spec},
                                                      {"recorder", "stracedrv"}};
        std::string command;
        for (const auto& arg : options.program) command += (command.empty() ? "" : " ") + arg;
        if (!command.empty()) session["command"] = command;
        if (!program.path.empty()) session["program"] = program.path;
        session["heap_not_recorded"] = "stracedrv records system calls only";
        writer->WriteSessionInfo(session);
      } catch (const TraceError& error) {
        if (launcher) launcher->Abandon();
        fprintf(stderr, "stracedrv: %s\n", error.what());
        return kExitCannotWrite;
      }
      collector.Start(writer.get(), 0);
    }
    TraceRecorder recorder(&collector, /*no_shim=*/true, /*sample_interval_ns=*/0);
    StracePrinter printer(options, out, writer ? &recorder : nullptr, first);
    ProcessTree tree(&printer, tree_options);
    std::string error = launcher ? tree.SeizeChild(first) : tree.Attach(first);
    if (!error.empty()) {
      if (launcher) launcher->Abandon();
      fprintf(stderr, "stracedrv: cannot trace %d: %s\n", first, error.c_str());
      if (writer) {
        collector.RequestStop();
        collector.Finish();
        writer->Discard();
        writer.reset();
      }
      return kExitUsage;
    }
    if (!launcher && writer) recorder.AnnounceAttached(first);

    g_detach_tree = &tree;
    if (launcher) {
      RelaySignalsTo(first);
    } else {
      // Attached: Ctrl-C and kill end the tracing, not the process.
      struct sigaction action {};
      action.sa_handler = DetachOnSignal;
      action.sa_flags = SA_RESTART;
      sigemptyset(&action.sa_mask);
      for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaction(sig, &action, nullptr);
    }
    const uint64_t deadline = options.duration_ns != 0 ? Now(CLOCK_MONOTONIC) + options.duration_ns : 0;
    uint64_t period = 100'000'000;
    if (options.interval_ns != 0) period = std::min(period, options.interval_ns / 4 + 1);
    if (options.duration_ns != 0) period = std::min(period, options.duration_ns / 4 + 1);
    tree.SetTimer(period, [&](uint64_t now) {
      printer.Tick(now);
      if (deadline != 0 && now >= deadline) tree.RequestDetach();
    });
    if (launcher) launcher->Go();
    int status = tree.Run();
    g_detach_tree = nullptr;
    StopRelayingSignals();
    int exec_error = launcher ? launcher->ExecError() : 0;
    recorder.FlushAll();
    printer.Finish();
    if (out != stderr) fclose(out);
    if (exec_error != 0) out_file.Discard();
    if (std::string commit_error = out_file.Commit(); !commit_error.empty()) {
      fprintf(stderr, "stracedrv: %s: %s; the output is in '%s'\n", options.output.c_str(),
              commit_error.c_str(), out_file.written_path().c_str());
    }
    if (writer) {
      collector.Finish();
      if (exec_error != 0) writer->Discard();
      writer.reset();
      if (std::string write_error = collector.write_error(); !write_error.empty()) {
        fprintf(stderr, "stracedrv: %s; the trace holds what was written before\n",
                write_error.c_str());
      }
    }
    if (exec_error != 0) {
      fprintf(stderr, "stracedrv: %s: %s\n", options.program.front().c_str(), strerror(exec_error));
      return exec_error == ENOENT ? kExitNotFound : kExitCannotExecute;
    }
    if (status == -1) return kExitOk;  // attached, or detached before the program ended
    ExitLikeProgram(status);
  } catch (const std::exception& error) {
    fprintf(stderr, "stracedrv: %s\n", error.what());
    return kExitUsage;
  }
}

}  // namespace memwrap
