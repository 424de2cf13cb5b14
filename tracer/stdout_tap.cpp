#include "tracer/stdout_tap.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "memwrap/monotonic_clock.h"
#include "tracer/stdout_relay.h"

namespace memwrap {
namespace {

// Reads exactly `size` bytes; false at end of file or on an error.
bool ReadAll(int fd, void* out, size_t size) {
  auto* p = static_cast<char*>(out);
  while (size > 0) {
    ssize_t n = read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= size_t(n);
  }
  return true;
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
  std::string bytes;
  uint64_t last_ts = 0;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    int ready = poll(&p, 1, 100);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (stopping_) break;  // quiet after the program ended: a descendant holds the pipe
      continue;
    }
    // The relay writes each chunk whole, so a chunk that has begun arrives without delay.
    RelayedChunk chunk{};
    if (!ReadAll(fd_, &chunk, sizeof(chunk))) break;  // end of file: the relay ended
    bytes.resize(chunk.size);
    if (!ReadAll(fd_, bytes.data(), bytes.size())) break;
    last_ts = chunk.ts_ns;
    partial += bytes;
    size_t start = 0, newline;
    while ((newline = partial.find('\n', start)) != std::string::npos) {
      on_line_(chunk.ts_ns, partial.substr(start, newline - start));
      start = newline + 1;
    }
    partial.erase(0, start);
  }
  if (!partial.empty()) on_line_(last_ts != 0 ? last_ts : MonotonicNs(), partial);
}

}  // namespace memwrap
