#include "tracer/launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <unistd.h>
#include <stdexcept>

#include "tracer/broken_pipe.h"
#include "tracer/syscalls/seccomp_filter.h"

extern char** environ;

namespace memwrap {
namespace {

int CheckExecutable(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return errno;
  // A shell says "Is a directory" (exit 126), not "Permission denied": execve's EACCES for a
  // directory does not tell the user what is wrong.
  if (S_ISDIR(st.st_mode)) return EISDIR;
  if (access(path.c_str(), X_OK) != 0) return errno;
  return 0;
}

}  // namespace

ProgramPath ResolveProgram(const std::string& name) {
  if (name.empty()) return {"", ENOENT};
  if (name.find('/') != std::string::npos) return {name, CheckExecutable(name)};
  const char* path_env = getenv("PATH");
  std::string search = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  int first_error = ENOENT;
  size_t start = 0;
  while (start <= search.size()) {
    size_t end = search.find(':', start);
    if (end == std::string::npos) end = search.size();
    std::string dir = search.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    int error = CheckExecutable(candidate);
    if (error == 0) return {candidate, 0};
    // Like execvp: a file that exists but cannot be run is remembered, and reported if
    // nothing better turns up later in PATH.
    if (error == EACCES || error == EISDIR) first_error = EACCES;
    start = end + 1;
  }
  return {name, first_error};
}

Launcher::Launcher(const std::string& path, const std::vector<std::string>& argv,
                   const std::vector<std::string>& env, int stdout_fd, const sock_fprog* seccomp) {
  int go[2], error[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(error, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + strerror(errno));
  }
  // Everything the child needs is prepared before fork: after fork only async-signal-safe
  // calls are allowed (the parent may have threads).
  std::vector<char*> child_argv, child_env;
  for (const auto& a : argv) child_argv.push_back(const_cast<char*>(a.c_str()));
  child_argv.push_back(nullptr);
  for (const auto& e : env) child_env.push_back(const_cast<char*>(e.c_str()));
  child_env.push_back(nullptr);
  const bool privileged = geteuid() == 0;

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + strerror(errno));
  if (pid_ == 0) {
    close(go[1]);
    close(error[0]);
    char byte;
    ssize_t n;
    do {
      n = read(go[0], &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) _exit(kExitCannotExecute);  // the parent gave up on us
    if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0) _exit(kExitCannotExecute);
    if (seccomp != nullptr) {
      if (int err = InstallSeccompFilter(seccomp, privileged); err != 0) {
        ssize_t ignored = write(error[1], &err, sizeof(err));
        (void)ignored;
        _exit(kExitCannotExecute);
      }
    }
    RestoreSigpipeForProgram();
    execve(path.c_str(), child_argv.data(), child_env.data());
    int err = errno;
    ssize_t ignored = write(error[1], &err, sizeof(err));
    (void)ignored;
    _exit(err == ENOENT ? kExitNotFound : kExitCannotExecute);
  }
  close(go[0]);
  close(error[1]);
  go_write_ = go[1];
  error_read_ = error[0];
}

Launcher::~Launcher() {
  if (go_write_ >= 0) Abandon();
  if (error_read_ >= 0) close(error_read_);
}

int Launcher::Release() {
  char byte = 1;
  ssize_t n;
  do {
    n = write(go_write_, &byte, 1);
  } while (n < 0 && errno == EINTR);
  close(go_write_);
  go_write_ = -1;
  int err = 0;
  ssize_t got;
  do {
    got = read(error_read_, &err, sizeof(err));
  } while (got < 0 && errno == EINTR);
  close(error_read_);
  error_read_ = -1;
  if (got == ssize_t(sizeof(err))) {
    Wait();
    return err;
  }
  return 0;
}

void Launcher::Go() {
  char byte = 1;
  ssize_t n;
  do {
    n = write(go_write_, &byte, 1);
  } while (n < 0 && errno == EINTR);
  close(go_write_);
  go_write_ = -1;
}

int Launcher::ExecError() {
  if (error_read_ < 0) return 0;
  int err = 0;
  ssize_t got;
  do {
    got = read(error_read_, &err, sizeof(err));
  } while (got < 0 && errno == EINTR);
  close(error_read_);
  error_read_ = -1;
  return got == ssize_t(sizeof(err)) ? err : 0;
}

void Launcher::Abandon() {
  if (go_write_ >= 0) {
    close(go_write_);  // the child reads EOF and exits without exec
    go_write_ = -1;
    Wait();
  }
}

int Launcher::Wait(struct rusage* usage) {
  int status = 0;
  struct rusage ignored {};
  for (;;) {
    if (wait4(pid_, &status, __WALL, usage != nullptr ? usage : &ignored) < 0) {
      if (errno != EINTR) return status;
      continue;
    }
    if (!WIFSTOPPED(status)) return status;
    ptrace(PTRACE_DETACH, pid_, nullptr, nullptr);  // a ptrace-stop: let it go and end
  }
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
  return env;
}

std::vector<std::string> TracedEnvironment(
    const std::string& preload_library,
    const std::vector<std::pair<std::string, std::string>>& settings) {
  std::vector<std::string> env;
  std::string preload = preload_library;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    std::string key = entry.substr(0, entry.find('='));
    if (key == "LD_PRELOAD") {
      std::string existing = entry.substr(key.size() + 1);
      if (!existing.empty()) preload += ":" + existing;
      continue;
    }
    bool overridden = false;
    for (const auto& [name, value] : settings) overridden |= (name == key);
    if (!overridden) env.push_back(entry);
  }
  env.push_back("LD_PRELOAD=" + preload);
  for (const auto& [name, value] : settings) env.push_back(name + "=" + value);
  return env;
}

}  // namespace memwrap
