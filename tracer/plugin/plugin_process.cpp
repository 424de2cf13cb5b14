#include "tracer/plugin/plugin_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "memwrap/monotonic_clock.h"
#include "tracer/plugin/plugin_host.h"
#include "units/byte_format.h"

extern char** environ;

namespace memwrap {
namespace {

// How long memwrap waits for the watcher to report a host it saw die (the watcher reaps it
// at once: this is a bound, not a delay).
constexpr uint64_t kStatusWaitNs = 2'000'000'000;

// A descriptor moved above the ones a spawned process is given (3 and 4), close-on-exec.
int MovedHigh(int fd) {
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  close(fd);
  return moved;
}

int RemainingMs(uint64_t deadline_ns) {
  const uint64_t now = MonotonicNs();
  if (now >= deadline_ns) return 0;
  return int(std::min<uint64_t>((deadline_ns - now + 999'999) / 1'000'000, 60'000));
}

}  // namespace

PluginSpec ParsePluginSpec(const std::string& text) {
  PluginSpec spec;
  spec.text = text;
  const size_t slash = text.rfind('/');
  const size_t colon = text.find(':', slash == std::string::npos ? 0 : slash);
  spec.library = text.substr(0, colon);
  if (colon != std::string::npos) spec.argument = text.substr(colon + 1);
  return spec;
}

PluginProcess::PluginProcess(const PluginSpec& spec, const std::string& host_executable,
                             uint64_t timeout_ns, const std::string& timeout_text,
                             uint64_t load_timeout_ns)
    : spec_(spec), timeout_ns_(timeout_ns), timeout_text_(timeout_text) {
  int pair[2];
  int status_pipe[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    throw std::runtime_error(std::string("cannot start its host (socketpair: ") + strerror(errno) +
                             ")");
  }
  UniqueFd ours(MovedHigh(pair[0]));
  UniqueFd theirs(MovedHigh(pair[1]));
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("cannot start its host (pipe: ") + strerror(errno) + ")");
  }
  UniqueFd status_read(MovedHigh(status_pipe[0]));
  UniqueFd status_write(MovedHigh(status_pipe[1]));
  // A new run of memwrap's executable, not a fork of this multithreaded process; it forks
  // the watcher and the host and exits at once (plugin_host.h), so neither is memwrap's
  // child: the process tree's wait for any child only ever sees tracees.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // It starts with no signal blocked and every signal at its default: not memwrap's mask
  // (its tracer blocks a wake-up signal) nor its ignored SIGPIPE.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), kPluginHostSocketFd);
  posix_spawn_file_actions_adddup2(&actions, status_write.get(), kPluginHostStatusFd);
  std::vector<std::string> args = {kPluginHostName, spec.library, spec.argument};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t middle = 0;
  const int error =
      posix_spawn(&middle, host_executable.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    throw std::runtime_error("cannot start its host (" + host_executable + ": " + strerror(error) +
                             ")");
  }
  int middle_status = 0;
  while (waitpid(middle, &middle_status, 0) < 0 && errno == EINTR) {
  }
  theirs.Reset();
  status_write.Reset();
  socket_ = std::move(ours);
  status_ = std::move(status_read);
  fcntl(socket_.get(), F_SETFL, O_NONBLOCK);

  PluginFrameHeader header{};
  std::vector<uint8_t> payload;
  const Io io = ReadFrame(&header, &payload, MonotonicNs() + load_timeout_ns);
  if (io == Io::kDone && header.type == uint32_t(PluginFrame::kRefused)) {
    throw std::runtime_error(std::string(payload.begin(), payload.end()));
  }
  if (io != Io::kDone || header.type != uint32_t(PluginFrame::kReady) ||
      payload.size() < 2 * sizeof(uint32_t)) {
    Fail(io == Io::kDone ? Io::kError : io);
    if (io == Io::kTimedOut) {
      throw std::runtime_error("its host did not load it within " + HumanDuration(load_timeout_ns));
    }
    throw std::runtime_error("its host " + failure_ + " while loading it");
  }
  uint32_t pid = 0;
  memcpy(&pid, payload.data() + sizeof(uint32_t), sizeof(pid));
  host_pid_ = pid_t(pid);
  uint32_t drops = 0;
  if (payload.size() >= 3 * sizeof(uint32_t)) {
    memcpy(&drops, payload.data() + 2 * sizeof(uint32_t), sizeof(drops));
  }
  drops_allocations_ = drops != 0;
}

PluginProcess::~PluginProcess() {
  if (!failed() && host_pid_ > 0) kill(host_pid_, SIGKILL);
}

PluginProcess::Io PluginProcess::WriteAll(const uint8_t* data, size_t size, uint64_t deadline_ns) {
  while (size > 0) {
    const ssize_t wrote = send(socket_.get(), data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (wrote > 0) {
      data += wrote;
      size -= size_t(wrote);
      continue;
    }
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{socket_.get(), POLLOUT, 0};
      const int ms = RemainingMs(deadline_ns);
      if (ms == 0 || (poll(&p, 1, ms) == 0 && MonotonicNs() >= deadline_ns)) return Io::kTimedOut;
      continue;
    }
    return errno == EPIPE || errno == ECONNRESET ? Io::kClosed : Io::kError;
  }
  return Io::kDone;
}

PluginProcess::Io PluginProcess::ReadAll(uint8_t* data, size_t size, uint64_t deadline_ns) {
  while (size > 0) {
    const ssize_t got = recv(socket_.get(), data, size, MSG_DONTWAIT);
    if (got > 0) {
      data += got;
      size -= size_t(got);
      continue;
    }
    if (got == 0) return Io::kClosed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      pollfd p{socket_.get(), POLLIN, 0};
      const int ms = RemainingMs(deadline_ns);
      if (ms == 0 || (poll(&p, 1, ms) == 0 && MonotonicNs() >= deadline_ns)) return Io::kTimedOut;
      continue;
    }
    return errno == ECONNRESET ? Io::kClosed : Io::kError;
  }
  return Io::kDone;
}

PluginProcess::Io PluginProcess::ReadFrame(PluginFrameHeader* header, std::vector<uint8_t>* payload,
                                           uint64_t deadline_ns) {
  if (Io io = ReadAll(reinterpret_cast<uint8_t*>(header), sizeof(*header), deadline_ns);
      io != Io::kDone) {
    return io;
  }
  if (header->size > kMaxPluginFrame) return Io::kError;
  payload->resize(header->size);
  return ReadAll(payload->data(), payload->size(), deadline_ns);
}

bool PluginProcess::Exchange(uint32_t pid, const uint8_t* records, size_t size,
                             std::vector<uint8_t>* keep, std::vector<PluginRequest>* requests) {
  if (failed()) return false;
  const uint64_t deadline = MonotonicNs() + timeout_ns_;
  out_.clear();
  AppendPluginFrameHeader(&out_, PluginFrame::kBatch, sizeof(PluginBatchHead) + size);
  AppendPluginValue(&out_, PluginBatchHead{pid, 0});
  out_.insert(out_.end(), records, records + size);
  if (Io io = WriteAll(out_.data(), out_.size(), deadline); io != Io::kDone) {
    Fail(io);
    return false;
  }
  PluginFrameHeader header{};
  if (Io io = ReadFrame(&header, &in_, deadline); io != Io::kDone) {
    Fail(io);
    return false;
  }
  // The answer: its head, a byte per record, then the requests (plugin_protocol.h).
  PluginAnswerHead head{};
  if (header.type != uint32_t(PluginFrame::kAnswer) || in_.size() < sizeof(head)) {
    Fail(Io::kError);
    return false;
  }
  memcpy(&head, in_.data(), sizeof(head));
  size_t at = sizeof(head);
  if (in_.size() - at < head.records) {
    Fail(Io::kError);
    return false;
  }
  keep->assign(in_.begin() + ptrdiff_t(at), in_.begin() + ptrdiff_t(at + head.records));
  at += head.records;
  for (uint32_t i = 0; i < head.requests; ++i) {
    PluginRequestHead request{};
    if (in_.size() - at < sizeof(request)) {
      Fail(Io::kError);
      return false;
    }
    memcpy(&request, in_.data() + at, sizeof(request));
    at += sizeof(request);
    if (in_.size() - at < request.text_size) {
      Fail(Io::kError);
      return false;
    }
    PluginRequest& added = requests->emplace_back();
    added.kind = PluginRequest::Kind(request.kind);
    added.pid = request.pid;
    added.time_ns = request.time_ns;
    added.text.assign(reinterpret_cast<const char*>(in_.data() + at), request.text_size);
    at += request.text_size;
  }
  return true;
}

void PluginProcess::Finish() {
  if (failed()) return;
  const uint64_t deadline = MonotonicNs() + timeout_ns_;
  out_.clear();
  AppendPluginFrameHeader(&out_, PluginFrame::kFinish, 0);
  PluginFrameHeader header{};
  Io io = WriteAll(out_.data(), out_.size(), deadline);
  if (io == Io::kDone) io = ReadFrame(&header, &in_, deadline);
  if (io == Io::kDone && header.type == uint32_t(PluginFrame::kDone)) {
    host_pid_ = 0;  // it exits by itself; its watcher reaps it
    return;
  }
  Fail(io == Io::kDone ? Io::kError : io);
}

void PluginProcess::Fail(Io io) {
  // A host that hangs, or answers nonsense, is not to be trusted with another batch; one
  // whose socket closed is dead already. Its watcher reaps it (plugin_host.h).
  if (host_pid_ > 0 && io != Io::kClosed) kill(host_pid_, SIGKILL);
  switch (io) {
    case Io::kTimedOut:
      failure_ = "did not answer within " + timeout_text_;
      break;
    case Io::kClosed:
      failure_ = DescribeEnd();
      break;
    default:
      failure_ = "answered what is not an answer";
      break;
  }
  socket_.Reset();
}

std::string PluginProcess::DescribeEnd() {
  int status = 0;
  size_t got = 0;
  const uint64_t deadline = MonotonicNs() + kStatusWaitNs;
  while (got < sizeof(status)) {
    pollfd p{status_.get(), POLLIN, 0};
    const int ms = RemainingMs(deadline);
    if (ms == 0 || poll(&p, 1, ms) <= 0) break;
    const ssize_t n =
        read(status_.get(), reinterpret_cast<char*>(&status) + got, sizeof(status) - got);
    if (n <= 0) break;
    got += size_t(n);
  }
  status_.Reset();
  if (got != sizeof(status)) {
    if (host_pid_ > 0) kill(host_pid_, SIGKILL);  // it closed the socket, but may still run
    return "ended";
  }
  if (WIFSIGNALED(status)) {
    return WTERMSIG(status) == SIGKILL
               ? "was killed (signal 9)"
               : "crashed (signal " + std::to_string(WTERMSIG(status)) + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

}  // namespace memwrap
