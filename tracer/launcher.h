// Starts the traced program the way a shell would, in two steps so that memwrap can finish its
// own preparations (the trace file is named after the child's pid) before the program runs:
// the constructor forks a child that waits; Release() (or Go(), for a traced child) lets it exec.
// Exec failures come back as the shell's exit codes: 127 (not found), 126 (found but cannot be
// executed).
#pragma once

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "memwrap/exit_codes.h"  // kExitNotFound, kExitCannotExecute: the child's exec failures

namespace memwrap {

struct ProgramPath {
  std::string path;  // resolved like execvp: as given if it contains '/', else via PATH
  int error = 0;     // errno of the failed resolution (ENOENT, EACCES, EISDIR, ...); 0 if found
};

ProgramPath ResolveProgram(const std::string& name);

class Launcher {
 public:
  // Forks a child that waits for Release() and then execs `path` with `argv` and `env`.
  // `stdout_fd` >= 0 becomes the program's standard output (memwrap run --stdout).
  // `seccomp`, when given, is installed right before exec (syscalls/seccomp_filter.h); it must
  // outlive the constructor only.
  Launcher(const std::string& path, const std::vector<std::string>& argv,
           const std::vector<std::string>& env, int stdout_fd = -1,
           const sock_fprog* seccomp = nullptr);
  ~Launcher();
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;

  pid_t pid() const { return pid_; }

  // Lets the child exec. Returns 0 when exec succeeded, else the child's errno (the child has
  // then exited with 126/127 and has been reaped).
  int Release();
  // For a traced child (process_tree.h), whose exec the tracer must see: lets it exec without
  // waiting for the outcome; after the child has ended (or exec'd), ExecError() tells
  // whether exec failed: 0, or the child's errno.
  void Go();
  int ExecError();
  // Kills and reaps a child that was never released.
  void Abandon();
  // Waits for the program to end; returns the wait status (and its resource usage, when
  // `usage` is given: ru_maxrss is the kernel's exact peak RSS). Retries on EINTR. A traced
  // child is detached at its ptrace-stops and waited for.
  int Wait(struct rusage* usage = nullptr);

 private:
  pid_t pid_ = -1;
  int go_write_ = -1;    // parent -> child: one byte means "exec now"
  int error_read_ = -1;  // child -> parent: errno if exec failed; EOF on success (CLOEXEC)
};

// memwrap's own environment, unchanged (for programs the shim must not enter).
std::vector<std::string> CurrentEnvironment();

// Environment for the traced program: the current one plus the given settings, with
// LD_PRELOAD extended (ours first) rather than replaced.
std::vector<std::string> TracedEnvironment(
    const std::string& preload_library,
    const std::vector<std::pair<std::string, std::string>>& settings);

}  // namespace memwrap
