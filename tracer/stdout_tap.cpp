#include "stdout_tap.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

namespace memwrap {
namespace {

uint64_t MonotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

void WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // our stdout is gone: the program's output still reaches the trace
    data += n;
    size -= size_t(n);
  }
}

}  // namespace

void StdoutTap::Start(int fd, OnLine on_line) {
  fd_ = fd;
  on_line_ = std::move(on_line);
  thread_ = std::thread([this] { Run(); });
}

void StdoutTap::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

StdoutTap::~StdoutTap() {
  Stop();
  if (fd_ >= 0) close(fd_);
}

void StdoutTap::Run() {
  std::string partial;
  char buffer[65536];
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    int ready = poll(&p, 1, 100);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (stopping_) break;  // quiet after the program ended: a descendant holds the pipe
      continue;
    }
    ssize_t n = read(fd_, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of file: every writer is gone
    const uint64_t now = MonotonicNs();
    WriteAll(STDOUT_FILENO, buffer, size_t(n));
    partial.append(buffer, size_t(n));
    size_t start = 0, newline;
    while ((newline = partial.find('\n', start)) != std::string::npos) {
      on_line_(now, partial.substr(start, newline - start));
      start = newline + 1;
    }
    partial.erase(0, start);
  }
  if (!partial.empty()) on_line_(MonotonicNs(), partial);
}

}  // namespace memwrap
