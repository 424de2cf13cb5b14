#include "cli/strace_printer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

#include "memwrap/monotonic_clock.h"
#include "tracer/stack_sampler.h"
#include "tracer/syscalls/syscall_table.h"
#include "units/byte_format.h"

namespace memwrap {
namespace {

constexpr int kResultColumn = 40;  // strace's default -a

SyscallArch ArchOf(const SyscallEvent& event) {
  return event.i386 ? SyscallArch::kI386 : SyscallArch::kX86_64;
}

std::string Padding(int column) {
  return column < kResultColumn ? std::string(size_t(kResultColumn - column), ' ') : "";
}

}  // namespace

StraceLinePrinter::StraceLinePrinter(const StraceOptions& options, FILE* out,
                                     int64_t realtime_offset_ns)
    : options_(options), out_(out), realtime_offset_ns_(realtime_offset_ns) {
  decode_.string_limit = options.string_limit;
  decode_.fd_paths = options.fd_paths;
  pid_prefix_always_ = !options.output.empty() && options.follow && !options.separate;
  buffered_ = options.status != kStatusAll;
  if (options.stack_traces) sampler_ = std::make_unique<StackSampler>();
}

StraceLinePrinter::~StraceLinePrinter() = default;

FILE* StraceLinePrinter::OutputOf(pid_t tid) {
  if (!options_.separate) return out_;
  auto& file = separate_[tid];
  if (!file) {
    file = std::make_unique<SeparateFile>();
    const std::string path = options_.output + "." + std::to_string(tid);
    std::string error = file->file.Open(path, ExistingFile::kReplace, 0666);
    if (error.empty()) {
      file->stream = fdopen(fcntl(file->file.fd(), F_DUPFD_CLOEXEC, 0), "w");
      if (file->stream == nullptr) error = strerror(errno);
    }
    if (!error.empty() && separate_error_.empty()) separate_error_ = path + ": " + error;
  }
  return file->stream;
}

void StraceLinePrinter::Write(pid_t tid, const std::string& text) {
  Thread& thread = threads_[tid];
  if (buffered_ && thread.in_call) {
    thread.buffered += text;
    return;
  }
  if (FILE* out = OutputOf(tid); out != nullptr) fputs(text.c_str(), out);
  thread.column += int(text.size());
}

std::string StraceLinePrinter::Prefix(pid_t tid, uint64_t monotonic_ns) {
  std::string text;
  char buffer[64];
  if (pid_prefix_always_) {
    snprintf(buffer, sizeof(buffer), "%-5d ", tid);
    text += buffer;
  } else if (live_threads_ > 1 && options_.output.empty()) {
    snprintf(buffer, sizeof(buffer), "[pid %5d] ", tid);
    text += buffer;
  }
  if (options_.time_format > 0)
    text += TimeOfDay(monotonic_ns, realtime_offset_ns_, options_.time_format);
  if (options_.relative) {
    if (last_leader_ns_ == 0) last_leader_ns_ = monotonic_ns;
    const uint64_t delta = monotonic_ns >= last_leader_ns_ ? monotonic_ns - last_leader_ns_ : 0;
    last_leader_ns_ = monotonic_ns;
    snprintf(buffer, sizeof(buffer),
             options_.time_format > 0 ? "(+%6llu.%06llu) " : "%6llu.%06llu ",
             static_cast<unsigned long long>(delta / 1000000000),
             static_cast<unsigned long long>(delta % 1000000000 / 1000));
    text += buffer;
  }
  return text;
}

void StraceLinePrinter::Leader(pid_t tid, uint64_t monotonic_ns) {
  // An open line (another thread's, or this one's with -ff) ends here, to be resumed.
  const pid_t open = options_.separate ? tid : printing_;
  if (open != 0) {
    Thread& other = threads_[open];
    if (other.column != 0 && !(buffered_ && other.in_call)) {
      if (FILE* out = OutputOf(open); out != nullptr) fputs(" <unfinished ...>\n", out);
      other.column = 0;
    }
  }
  printing_ = tid;
  threads_[tid].column = 0;
  Write(tid, Prefix(tid, monotonic_ns));
}

void StraceLinePrinter::EndLine(pid_t tid) {
  Thread& thread = threads_[tid];
  if (FILE* out = OutputOf(tid); out != nullptr) fputc('\n', out);
  thread.column = 0;
  printing_ = 0;
}

void StraceLinePrinter::OnThreadStart(pid_t tid) {
  ++live_threads_;
  threads_[tid];
}

void StraceLinePrinter::OnThreadEnd(pid_t tid, int status) {
  const uint64_t now_ns = MonotonicNs();
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    Leader(tid, now_ns);
    std::string text;
    if (WIFEXITED(status)) {
      text = "+++ exited with " + std::to_string(WEXITSTATUS(status)) + " +++";
    } else {
      text = "+++ killed by " + SignalName(WTERMSIG(status)) +
             (WCOREDUMP(status) ? " (core dumped)" : "") + " +++";
    }
    Write(tid, text);
    EndLine(tid);
  }
  --live_threads_;
  threads_.erase(tid);
  if (printing_ == tid) printing_ = 0;
  if (auto it = separate_.find(tid); it != separate_.end() && it->second->stream != nullptr) {
    fflush(it->second->stream);
  }
}

void StraceLinePrinter::OnSyscallEntry(const SyscallEvent& event) {
  Thread& thread = threads_[event.tid];
  thread.state = CallState{};
  thread.name = Syscall(event.number, ArchOf(event)).name;
  thread.buffered.clear();
  thread.in_call = false;
  const std::string arguments =
      DecodeEntry(event.tid, event.number, ArchOf(event), event.args, decode_, &thread.state);
  if (buffered_) {
    thread.in_call = true;
    thread.buffered = Prefix(event.tid, event.entry_ns);
  } else {
    Leader(event.tid, event.entry_ns);
  }
  std::string text;
  if (options_.instruction_pointer) {
    char ip[32];
    snprintf(ip, sizeof(ip), "[%016llx] ",
             static_cast<unsigned long long>(event.instruction_pointer));
    text += ip;
  }
  text += thread.name + "(" + arguments;
  Write(event.tid, text);
  thread.in_call = true;
}

std::string StraceLinePrinter::StackOf(const SyscallEvent& event) {
  std::vector<uint64_t> frames;
  if (!sampler_ || !sampler_->Unwind(event.pid, event.tid, 64, &frames)) return "";
  std::string text;
  for (size_t i = 0; i < frames.size(); ++i) {
    // As strace: the innermost frame at the instruction after the syscall (the sampler gives
    // it +1), the others at their return addresses.
    const uint64_t address = i == 0 ? frames[i] - 1 : frames[i];
    text += " > " + sampler_->Describe(event.pid, address) + "\n";
  }
  return text;
}

void StraceLinePrinter::OnSyscallExit(const SyscallEvent& event) {
  auto it = threads_.find(event.tid);
  if (it == threads_.end() || !it->second.in_call) return;
  Thread& thread = it->second;
  const uint64_t now = event.finished ? event.exit_ns : event.entry_ns;
  std::string rest;
  if (event.finished) {
    rest = DecodeExit(event.tid, event.number, ArchOf(event), event.args, event.result, decode_,
                      &thread.state);
  } else if (thread.state.exit_pending) {
    rest = "...";  // what the call would have written back never came
  }
  if (!buffered_ && !options_.separate && printing_ != event.tid) {
    // Something else was printed since the entry: this line says whose result it is.
    thread.in_call = false;
    Leader(event.tid, now);
    Write(event.tid, "<... " + thread.name + " resumed>");
    thread.in_call = true;
  }
  Write(event.tid, rest + ") ");
  const int column = buffered_ ? int(thread.buffered.size()) : thread.column;
  std::string result;
  if (!event.finished) {
    result = "= ?";
  } else {
    result = "= " + DecodeResult(event.tid, event.result, thread.state, decode_);
    if (options_.show_duration) {
      char duration[48];
      snprintf(duration, sizeof(duration), " <%.6f>", double(event.exit_ns - event.entry_ns) / 1e9);
      result += duration;
    }
  }
  Write(event.tid, Padding(column) + result);
  std::string stack;
  if (options_.stack_traces && event.finished) stack = StackOf(event);
  if (buffered_) {
    const bool failed = event.result < 0 && event.result >= -4095;
    const unsigned status = !event.finished ? kStatusUnfinished
                            : failed        ? kStatusFailed
                                            : kStatusSuccessful;
    thread.in_call = false;
    if (options_.status & status) {
      if (FILE* out = OutputOf(event.tid); out != nullptr) {
        fputs((thread.buffered + "\n" + stack).c_str(), out);
      }
    }
    thread.buffered.clear();
    return;
  }
  thread.in_call = false;
  EndLine(event.tid);
  if (!stack.empty()) {
    if (FILE* out = OutputOf(event.tid); out != nullptr) fputs(stack.c_str(), out);
  }
}

void StraceLinePrinter::OnSignal(pid_t tid, int signal, uint64_t now_ns) {
  siginfo_t info{};
  std::string text = "--- " + SignalName(signal) + " ";
  if (ptrace(PTRACE_GETSIGINFO, tid, nullptr, &info) == 0) {
    text += FormatSiginfo(&info);
  } else {
    text += "{si_signo=" + SignalName(signal) + "}";
  }
  text += " ---";
  const bool in_call = threads_[tid].in_call && buffered_;
  if (in_call) threads_[tid].in_call = false;  // a signal line is never held back
  Leader(tid, now_ns);
  if (options_.instruction_pointer) {
    user_regs_struct regs{};
    if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) == 0) {
      char ip[32];
      snprintf(ip, sizeof(ip), "[%016llx] ", static_cast<unsigned long long>(regs.rip));
      text = ip + text;
    }
  }
  Write(tid, text);
  EndLine(tid);
  if (in_call) threads_[tid].in_call = true;
}

void StraceLinePrinter::OnExec(pid_t pid) {
  if (sampler_) sampler_->Forget(pid);
}

std::string StraceLinePrinter::Finish() {
  if (printing_ != 0 && threads_[printing_].column != 0) {
    if (FILE* out = OutputOf(printing_); out != nullptr) fputs(" <unfinished ...>\n", out);
  }
  std::string error = separate_error_;
  for (auto& [tid, file] : separate_) {
    if (file->stream != nullptr) fclose(file->stream);
    file->stream = nullptr;
    if (file->file.is_open()) {
      std::string commit = file->file.Commit();
      if (!commit.empty() && error.empty()) error = file->file.path() + ": " + commit;
    }
  }
  return error;
}

}  // namespace memwrap
