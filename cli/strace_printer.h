// stracedrv's text output, line by line as strace 6.1 writes it:
//  * a call's line starts at its entry: `name(` and the arguments known then; it ends at its
//    exit with the rest, `) `, spaces to column 40, `= result`. When another line comes in
//    between (another thread's, a signal), the open line ends with ` <unfinished ...>` and the
//    call's exit prints `<... name resumed>rest) = result` on a line of its own.
//  * the prefix: with -o and -f (not -ff) every line starts with the pid (`%-5u `); without -o,
//    `[pid %5u] ` whenever more than one thread is traced (strace's rule).
//  * -t/-tt/-ttt, -r and -i before the call; -T after the result; -k the stack after the line.
//  * signals: `--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, ...} ---`; ends:
//    `+++ exited with N +++`, `+++ killed by SIGX (core dumped) +++`.
//  * -e status=: a call's line is kept until its exit and printed only if its status is
//    selected (no unfinished/resumed pairs then, as in strace).
//  * -ff: each thread's lines go to FILE.TID.
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>

#include "cli/strace_options.h"
#include "fileio/output_file.h"
#include "tracer/process_tree.h"
#include "tracer/syscalls/syscall_decoder.h"

namespace memwrap {

class StackSampler;

class StraceLinePrinter {
 public:
  // `out`: the shared output (stderr or -o's file); with -ff, per-thread files are created
  // next to `options.output`.
  StraceLinePrinter(const StraceOptions& options, FILE* out, int64_t realtime_offset_ns);
  ~StraceLinePrinter();

  void OnThreadStart(pid_t tid);
  void OnThreadEnd(pid_t tid, int wait_status);
  void OnSyscallEntry(const SyscallEvent& event);
  void OnSyscallExit(const SyscallEvent& event);
  void OnSignal(pid_t tid, int signal, uint64_t now_ns);
  void OnExec(pid_t pid);
  // -ff's files: "" or the first error.
  std::string Finish();

 private:
  struct Thread {
    int column = 0;  // characters on its open line (0: none open)
    bool in_call = false;
    std::string name;  // of the call in progress
    CallState state;
    std::string buffered;  // -e status=: the whole line so far
  };

  FILE* OutputOf(pid_t tid);
  void Write(pid_t tid, const std::string& text);
  // strace's printleader: ends another open line with " <unfinished ...>", then the prefix.
  void Leader(pid_t tid, uint64_t monotonic_ns);
  std::string Prefix(pid_t tid, uint64_t monotonic_ns);
  void EndLine(pid_t tid);
  std::string StackOf(const SyscallEvent& event);

  const StraceOptions& options_;
  FILE* out_;
  int64_t realtime_offset_ns_;
  DecodeOptions decode_;
  bool pid_prefix_always_;  // -o with -f (not -ff)
  bool buffered_;           // -e status= selects some statuses only
  int live_threads_ = 0;
  pid_t printing_ = 0;           // the thread whose line is open, 0 if none
  uint64_t last_leader_ns_ = 0;  // -r
  std::map<pid_t, Thread> threads_;
  struct SeparateFile {
    OutputFile file;
    FILE* stream = nullptr;
  };
  std::map<pid_t, std::unique_ptr<SeparateFile>> separate_;
  std::string separate_error_;
  std::unique_ptr<StackSampler> sampler_;
};

}  // namespace memwrap
