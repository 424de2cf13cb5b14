// `stracedrv [options] PROGRAM [ARGS...]` / `stracedrv -p PID` (also `memwrap strace ...`):
// the system calls of a process tree, as strace prints them, as JSON lines, or as strace -c's
// summary; and, with --write-trace FILE, a memwrap trace holding every call (SYSCALL records)
// and each process's exit.
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

#include "cli/commands.h"
#include "cli/recording_session.h"
#include "cli/strace_options.h"
#include "cli/strace_printer.h"
#include "fileio/output_file.h"
#include "memwrap/exit_codes.h"
#include "memwrap/monotonic_clock.h"
#include "memwrap/session_info_keys.h"
#include "tracefile/trace_writer.h"
#include "tracer/broken_pipe.h"
#include "tracer/collector/collector.h"
#include "tracer/exit_status.h"
#include "tracer/launcher.h"
#include "tracer/process_tree.h"
#include "tracer/syscall_summary.h"
#include "tracer/syscalls/seccomp_filter.h"
#include "tracer/syscalls/syscall_decoder.h"
#include "tracer/syscalls/syscall_selection.h"
#include "tracer/syscalls/syscall_table.h"
#include "tracer/trace_recorder.h"
#include "units/byte_format.h"

namespace memwrap {
namespace {

// Passes each reported call on: to the line printer (strace's text), as JSON, to the -c and -d
// counts, and to the trace recorder (--write-trace).
class StracePrinter : public TraceObserver {
 public:
  StracePrinter(const StraceOptions& options, FILE* out, TraceRecorder* recorder)
      : options_(options), out_(out), recorder_(recorder) {
    realtime_offset_ns_ = RealtimeOffsetNs();
    if (lines()) lines_ = std::make_unique<StraceLinePrinter>(options, out, realtime_offset_ns_);
  }

  void OnSyscallEntry(const SyscallEvent& event) override {
    if (lines_) lines_->OnSyscallEntry(event);
  }

  void OnSyscall(const SyscallEvent& event) override {
    if (recorder_ != nullptr) recorder_->OnSyscall(event);
    if (options_.summary || options_.summary_and_lines) summary_.Add(event);
    if (options_.interval_ns != 0) interval_.Add(event);
    if (lines_) lines_->OnSyscallExit(event);
    if (options_.json && !options_.summary) PrintJson(event);
  }

  void AfterResume() override {
    if (recorder_ != nullptr) recorder_->AfterResume();
  }
  void OnProcessStart(pid_t pid, pid_t ppid) override {
    if (recorder_ != nullptr) recorder_->OnProcessStart(pid, ppid);
  }
  void OnThreadStart(pid_t, pid_t tid) override {
    if (lines_) lines_->OnThreadStart(tid);
  }
  void OnThreadEnd(pid_t, pid_t tid, int status) override {
    if (lines_) lines_->OnThreadEnd(tid, status);
  }
  void OnSignal(pid_t, pid_t tid, int signal) override {
    if (lines_) lines_->OnSignal(tid, signal, ClockNs(CLOCK_MONOTONIC));
  }
  void OnExec(pid_t pid) override {
    if (recorder_ != nullptr) recorder_->OnExec(pid);
    if (lines_) lines_->OnExec(pid);
  }
  void OnProcessExit(pid_t pid, int status, const struct rusage& usage, uint64_t hwm) override {
    if (recorder_ != nullptr) recorder_->OnProcessExit(pid, status, usage, hwm);
  }

  void Tick(uint64_t now_ns) {
    if (recorder_ != nullptr) recorder_->Tick(now_ns);
    if (options_.interval_ns != 0) {
      if (interval_start_ns_ == 0) interval_start_ns_ = now_ns;
      if (now_ns - interval_start_ns_ >= options_.interval_ns) FlushInterval(now_ns);
    }
    fflush(out_);
  }

  // "" or the first error of -ff's files.
  std::string Finish() {
    std::string error;
    if (lines_) error = lines_->Finish();
    if (options_.interval_ns != 0) FlushInterval(ClockNs(CLOCK_MONOTONIC));
    if (options_.summary || options_.summary_and_lines) {
      fputs((options_.json ? summary_.FormatJson() : summary_.FormatTable()).c_str(), out_);
    }
    fflush(out_);
    return error;
  }

 private:
  // Whether calls are printed as strace's lines.
  bool lines() const {
    return options_.summary_and_lines ||
           (!options_.summary && !options_.json && options_.interval_ns == 0);
  }

  void PrintJson(const SyscallEvent& event) {
    nlohmann::json object;
    object["pid"] = event.pid;
    object["tid"] = event.tid;
    const SyscallArch arch = event.i386 ? SyscallArch::kI386 : SyscallArch::kX86_64;
    object["syscall"] = Syscall(event.number, arch).name;
    if (event.i386) object["arch"] = "i386";
    const int count = Syscall(event.number, arch).arguments;
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
    fprintf(out_, "%s+%.3fs: %s\n",
            memwrap::TimeOfDay(now_ns, realtime_offset_ns_, options_.time_format).c_str(),
            double(now_ns - interval_start_ns_) / 1e9,
            counts.empty() ? "(no calls)" : counts.c_str());
    interval_ = SyscallSummary();
    interval_start_ns_ = now_ns;
  }

  const StraceOptions& options_;
  FILE* out_;
  TraceRecorder* recorder_;
  int64_t realtime_offset_ns_ = 0;
  std::unique_ptr<StraceLinePrinter> lines_;
  SyscallSummary summary_;
  SyscallSummary interval_;
  uint64_t interval_start_ns_ = 0;
};

// How the calls stop the tracees. A seccomp filter only helps a program we start, and must not
// stay behind in one we detach from (its traced calls would then fail with ENOSYS).
ProcessTreeOptions TreeOptionsFor(const StraceOptions& options, const SyscallSelection& selection,
                                  bool* filter) {
  ProcessTreeOptions tree_options;
  tree_options.selection = selection;
  tree_options.follow = options.follow;
  tree_options.wait_spin_ns = options.wait_poll_ns;
  *filter =
      options.attach == 0 && options.duration_ns == 0 && !selection.all() && !selection.empty();
  tree_options.stops = selection.empty() ? SyscallStops::kNone
                       : *filter         ? SyscallStops::kSeccomp
                                         : SyscallStops::kAll;
  return tree_options;
}

SessionInfo StraceSessionInfo(const StraceOptions& options, const ProgramPath& program,
                              pid_t first) {
  SessionInfo info = {{session_key::kPid, std::to_string(first)},
                      {session_key::kSyscalls, options.trace_spec},
                      {session_key::kRecorder, "stracedrv"}};
  if (!options.program.empty()) info[session_key::kCommand] = JoinCommand(options.program);
  if (!program.path.empty()) info[session_key::kProgram] = program.path;
  info[session_key::kHeapNotRecorded] = "stracedrv records system calls only";
  return info;
}

// -o FILE (not with -ff: then only FILE.TID files, as strace): the stream calls are printed to,
// replaced whole when the tracing ends (fileio/output_file.h). -1, or the exit status.
int OpenOutput(const StraceOptions& options, OutputFile* out_file, FILE** out) {
  *out = stderr;
  if (!options.output.empty() && !options.separate) {
    std::string error = out_file->Open(options.output, ExistingFile::kReplace, 0666);
    if (error.empty()) {
      *out = fdopen(fcntl(out_file->fd(), F_DUPFD_CLOEXEC, 0), "w");
      if (*out == nullptr) error = strerror(errno);
    }
    if (!error.empty()) {
      out_file->Discard();
      fprintf(stderr, "stracedrv: %s: %s\n", options.output.c_str(), error.c_str());
      return kExitCannotWrite;
    }
  }
  static char buffer[1 << 16];
  setvbuf(*out, buffer, _IOFBF, sizeof(buffer));
  return -1;
}

// Ends the printed output: the printer's last lines and the -o file put in place (or dropped
// when the program could not be run).
void FinishOutput(const StraceOptions& options, StracePrinter* printer, FILE* out,
                  OutputFile* out_file, bool exec_failed) {
  const std::string separate_error = printer->Finish();
  if (out != stderr) fclose(out);
  if (!separate_error.empty()) fprintf(stderr, "stracedrv: %s\n", separate_error.c_str());
  if (exec_failed) out_file->Discard();
  if (std::string commit_error = out_file->Commit(); !commit_error.empty()) {
    fprintf(stderr, "stracedrv: %s: %s; the output is in '%s'\n", options.output.c_str(),
            commit_error.c_str(), out_file->written_path().c_str());
  }
}

// The tracing itself, on a RecordingSession: stracedrv adds the printer, and the trace only
// with --write-trace.
int Trace(const StraceOptions& options, const SyscallSelection& selection,
          const ProgramPath& program, FILE* out, OutputFile* out_file) {
  bool filter = false;
  ProcessTreeOptions tree_options = TreeOptionsFor(options, selection, &filter);
  std::vector<sock_filter> bpf = BuildSeccompFilter(selection);
  sock_fprog bpf_program{uint16_t(bpf.size()), bpf.data()};
  RecordingSession session("stracedrv");
  if (options.attach == 0) {
    session.Launch(program.path, options.program, CurrentEnvironment(), -1,
                   filter ? &bpf_program : nullptr);
  } else {
    session.AttachTo(options.attach);
  }
  const bool write_trace = !options.write_trace.empty();
  if (write_trace) {
    const auto existing =
        options.force ? TraceWriter::Existing::kReplace : TraceWriter::Existing::kRefuse;
    if (!session.OpenTrace(options.write_trace, existing,
                           StraceSessionInfo(options, program, session.pid()))) {
      return kExitCannotWrite;
    }
    session.StartCollector(0);
  }
  TraceRecorder& recorder = session.MakeRecorder(ShimPresence::kNone, /*sample_interval_ns=*/0);
  StracePrinter printer(options, out, write_trace ? &recorder : nullptr);
  session.Follow(&printer, tree_options);
  if (std::string error = session.Trace(); !error.empty()) {
    session.Abandon();
    fprintf(stderr, "stracedrv: cannot trace %d: %s\n", session.pid(), error.c_str());
    session.DiscardTrace();
    return kExitUsage;
  }
  if (!session.launched() && write_trace) recorder.AnnounceAttached(session.pid());
  uint64_t period = 100'000'000;
  if (options.interval_ns != 0) period = std::min(period, options.interval_ns / 4 + 1);
  if (options.duration_ns != 0) period = std::min(period, options.duration_ns / 4 + 1);
  const ProgramEnd end = session.Run(
      period, [&printer](uint64_t now) { printer.Tick(now); }, options.duration_ns);
  FinishOutput(options, &printer, out, out_file, end.exec_error != 0);
  if (end.exec_error != 0) {
    session.DiscardTrace();
    return session.ExecFailed(options.program.front(), end.exec_error);
  }
  session.FinishTrace();
  if (end.status == -1) return kExitOk;  // attached, or detached before the program ended
  ExitLikeProgram(end.status);
}

}  // namespace

int StraceCommand(const std::vector<std::string>& args) {
  IgnoreSigpipe();  // a closed output must not end the tracer (tracer/broken_pipe.h)
  StraceOptions options;
  if (int done = ParseStraceOptions(args, &options); done >= 0) return done;
  SyscallSelection selection;
  if (std::string error = SyscallSelection::ParseStraceSpec(options.trace_spec, &selection);
      !error.empty()) {
    // --trace PATH wrote the memwrap trace in earlier versions; it is strace's --trace=SET now.
    const bool looks_like_path = options.trace_spec.find(".mwt") != std::string::npos;
    fprintf(stderr, "stracedrv: -e %s: %s%s\n", options.trace_spec.c_str(), error.c_str(),
            looks_like_path ? " (a memwrap trace is written with --write-trace FILE)" : "");
    return kExitUsage;
  }
  ProgramPath program;
  if (options.attach == 0) {
    program = ResolveProgram(options.program.front());
    if (program.error != 0) {
      return ProgramNotRunnable("stracedrv", options.program.front(), program.error);
    }
  } else if (kill(options.attach, 0) != 0 && errno == ESRCH) {
    fprintf(stderr, "stracedrv: -p %d: no such process\n", options.attach);
    return kExitUsage;
  }
  OutputFile out_file;
  FILE* out = nullptr;
  if (int status = OpenOutput(options, &out_file, &out); status >= 0) return status;
  try {
    return Trace(options, selection, program, out, &out_file);
  } catch (const std::exception& error) {
    fprintf(stderr, "stracedrv: %s\n", error.what());
    return kExitUsage;
  }
}

}  // namespace memwrap
