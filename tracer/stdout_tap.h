// memwrap run --stdout: the program's standard output goes through memwrap, which passes every
// byte on unchanged to its own standard output and hands each complete line, with the time it
// was read, to a callback (which puts it in the trace, so timelines can show it).
#pragma once

#include <stdint.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace memwrap {

class StdoutTap {
 public:
  using OnLine = std::function<void(uint64_t ts_ns, const std::string& line)>;

  // Reads `fd` (the read end of the program's stdout pipe, owned from now on) on a thread.
  void Start(int fd, OnLine on_line);
  // Returns once the pipe reached end-of-file, or was quiet for a moment after this call (a
  // descendant may hold it open for ever); a last partial line is delivered too.
  void Stop();
  ~StdoutTap();

 private:
  void Run();

  int fd_ = -1;
  OnLine on_line_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace memwrap
