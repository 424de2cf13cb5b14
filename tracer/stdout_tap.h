// memwrap run --stdout: reads the stamped copies of the program's standard output that the
// relay (stdout_relay.h) sends, and hands each complete line, with the time the relay read
// it, to a callback (which puts it in the trace, so timelines can show it). The bytes reach
// memwrap's standard output through the relay, not through here.
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

  // Reads `fd` (StdoutRelay::copies, owned from now on) on a thread.
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
