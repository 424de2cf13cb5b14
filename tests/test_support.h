// Helpers shared by the tests: run a command and capture its output and wait status; make a
// scratch directory that is removed afterwards.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace memwrap::test_support {

struct CommandResult {
  int status = 0;  // waitpid status
  std::string out;
  std::string err;
  bool exited() const;
  int exit_code() const;    // -1 unless exited()
  int term_signal() const;  // 0 unless killed by a signal
};

// Runs argv[0] (a path) with argv, in `cwd` when not empty; environment inherited.
CommandResult RunProgram(const std::vector<std::string>& argv, const std::string& cwd = "");

class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The path of a file the build wrote beside the test executables (build/bin: memwrap, the
// preload library, the test programs and libraries), by name: "exit_with",
// "libknown_symbols.so". The pointer stays valid for the process's life, so that it serves
// wherever a path literal did (argv lists, execl, test parameters).
const char* BuiltFile(const char* name);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& data);
bool FileExists(const std::string& path);
// Waits (at most a minute) until process `pid` has a handler for `sig` (SigCgt in
// /proc/PID/status): a test that signals memwrap must not race its start on a loaded machine.
bool WaitUntilCatching(pid_t pid, int sig);

}  // namespace memwrap::test_support
