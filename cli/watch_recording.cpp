#include "cli/watch_recording.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "memwrap/exit_codes.h"
#include "tracer/collector/watch_publisher.h"

namespace memwrap {
namespace {

volatile sig_atomic_t g_interrupted = 0;
void Interrupted(int) {
  g_interrupted = 1;
}

}  // namespace

int WatchRecording(const WatchOptions& options, uint32_t pid, const std::string& output,
                   bool force) {
  const int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  socklen_t length = 0;
  const sockaddr_un addr = WatchSocketAddress(pid, &length);
  if (fd < 0 || connect(fd, reinterpret_cast<const sockaddr*>(&addr), length) != 0) {
    fprintf(stderr,
            "memwrap watch: no recording of pid %u to watch (%s): start it with `memwrap run "
            "--allow-watch`\n",
            pid, strerror(errno));
    if (fd >= 0) close(fd);
    return 1;
  }
  std::string error;
  FILE* out = OpenWatchOutput(output, force, &error);
  if (out == nullptr) {
    close(fd);
    fprintf(stderr, "memwrap watch: %s\n", error.c_str());
    return kExitCannotWrite;
  }
  // Ctrl-C ends the watch, not the recording: recv returns with EINTR.
  struct sigaction action {};
  action.sa_handler = Interrupted;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::unique_ptr<WatchPrinter> printer;
  std::vector<uint8_t> message(64 * 1024);
  bool refused = true;  // a recording that does not serve us (another user's) hangs up at once
  while (!g_interrupted) {
    const ssize_t got = recv(fd, message.data(), message.size(), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // the recording ended
    WatchFrame frame;
    if (size_t(got) < sizeof(frame)) continue;
    memcpy(&frame, message.data(), sizeof(frame));
    if (frame.size > size_t(got) - sizeof(frame)) continue;
    const uint8_t* body = message.data() + sizeof(frame);
    if (frame.pid == 0) {  // the recording's time origin, first
      uint64_t origin_ns = 0;
      if (frame.size == sizeof(origin_ns)) memcpy(&origin_ns, body, sizeof(origin_ns));
      printer = std::make_unique<WatchPrinter>(options, out, origin_ns);
      refused = false;
      continue;
    }
    if (printer != nullptr) printer->OnRecords(frame.pid, body, frame.size);
  }
  close(fd);
  fflush(out);
  if (out != stdout && out != stderr) fclose(out);
  if (refused && !g_interrupted) {
    fprintf(stderr, "memwrap watch: the recording of pid %u did not serve this user\n", pid);
    return 1;
  }
  return 0;
}

}  // namespace memwrap
