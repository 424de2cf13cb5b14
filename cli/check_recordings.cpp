#include "check_recordings.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

namespace memwrap {
namespace fs = std::filesystem;

CheckRecordings::CheckRecordings(const std::vector<std::string>& program,
                                 const std::string& keep_path)
    : program_(program), keep_path_(keep_path) {
  // Beside the kept trace: rename(2) cannot cross file systems, and /tmp is often another.
  const fs::path keep_dir = keep_path.empty() ? fs::path(".") : fs::path(keep_path).parent_path();
  std::string pattern =
      ((keep_dir.empty() ? fs::path(".") : keep_dir) / ".memwrap-check-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a scratch directory for the runs ('" + pattern +
                             "'): " + strerror(errno));
  }
  scratch_ = pattern;
}

CheckRecordings::~CheckRecordings() {
  std::error_code ignored;
  fs::remove_all(scratch_, ignored);
}

std::string CheckRecordings::Record(unsigned number, int* wait_status) {
  const std::string trace = scratch_ + "/run." + std::to_string(number) + ".mwt";
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) throw std::runtime_error("cannot find the memwrap executable");
  self[n] = '\0';
  // memwrap itself, so each run is an ordinary `memwrap run`.
  std::vector<std::string> argv = {self, "run", "-q", "--force", "-o", trace, "--"};
  argv.insert(argv.end(), program_.begin(), program_.end());
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t child = fork();
  if (child < 0) throw std::runtime_error(std::string("fork: ") + strerror(errno));
  if (child == 0) {
    execv(self, args.data());
    _exit(127);
  }
  *wait_status = 0;
  while (waitpid(child, wait_status, 0) < 0 && errno == EINTR) {
  }
  return trace;
}

std::string CheckRecordings::Keep(const std::string& trace, unsigned number,
                                  const std::string& pid) {
  std::string path = keep_path_;
  if (path.empty()) {
    path = fs::path(program_.front()).filename().string() + "." +
           (pid.empty() ? "check-run-" + std::to_string(number) : pid) + ".mwt";
  }
  std::error_code error;
  fs::rename(trace, path, error);
  if (error) {
    throw std::runtime_error("cannot keep the trace of run " + std::to_string(number) + " as '" +
                             path + "': " + error.message());
  }
  return path;
}

}  // namespace memwrap
