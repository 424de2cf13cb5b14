#include "tracer/stdout_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "memwrap/monotonic_clock.h"

namespace memwrap {
namespace {

// Descriptors in the relay: 0 closed, 1 and 2 as memwrap's, these two, nothing else (it must
// not keep the program's write end, nor memwrap's sockets and files, alive).
constexpr int kProgramOutput = 3;
constexpr int kCopies = 4;

// Writes all of `iov`; false on an error (the reader is gone). The relay has no signal
// handlers, so a blocking write is never cut short by one.
bool WriteAll(int fd, iovec* iov, int count) {
  while (count > 0) {
    ssize_t n = writev(fd, iov, count);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    while (count > 0 && size_t(n) >= iov->iov_len) {
      n -= ssize_t(iov->iov_len);
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + n;
      iov->iov_len -= size_t(n);
    }
  }
  return true;
}

// The relay's whole life; only system calls (it is forked from a process that may have
// threads, so no locks and no heap).
[[noreturn]] void Relay(int program_output, int copies) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  for (int sig : {SIGINT, SIGQUIT, SIGHUP, SIGTERM, SIGPIPE}) sigaction(sig, &ignore, nullptr);
  const int input = fcntl(program_output, F_DUPFD, 10);
  const int output = fcntl(copies, F_DUPFD, 10);
  if (input < 0 || output < 0 || dup2(input, kProgramOutput) < 0 || dup2(output, kCopies) < 0) {
    _exit(1);
  }
  close(STDIN_FILENO);
  syscall(SYS_close_range, kCopies + 1, ~0u, 0);
  static char buffer[65536];
  bool copying = true;
  for (;;) {
    ssize_t n = read(kProgramOutput, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of file: every writer is gone
    const uint64_t now_ns = MonotonicNs();
    iovec out{buffer, size_t(n)};
    if (!WriteAll(STDOUT_FILENO, &out, 1) && errno == EPIPE) break;  // as if we were `head`
    if (copying) {
      RelayedChunk chunk{now_ns, uint32_t(n), 0};
      iovec copy[2] = {{&chunk, sizeof(chunk)}, {buffer, size_t(n)}};
      copying = WriteAll(kCopies, copy, 2);  // memwrap is gone: pass the bytes on alone
    }
  }
  _exit(0);
}

}  // namespace

StdoutRelay StartStdoutRelay() {
  int program[2], copies[2];
  if (pipe2(program, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe: ") + strerror(errno));
  }
  if (pipe2(copies, O_CLOEXEC) != 0) {
    const int error = errno;
    close(program[0]);
    close(program[1]);
    throw std::runtime_error(std::string("pipe: ") + strerror(error));
  }
  // Forked twice: the relay's parent exits at once, so init adopts the relay and memwrap
  // never has to reap it (nor can its wait for traced processes see it).
  const pid_t middle = fork();
  if (middle == 0) {
    const pid_t relay = fork();
    if (relay == 0) Relay(program[0], copies[1]);
    _exit(relay < 0 ? 1 : 0);
  }
  const int fork_error = errno;
  close(program[0]);
  close(copies[1]);
  if (middle < 0) {
    close(program[1]);
    close(copies[0]);
    throw std::runtime_error(std::string("fork: ") + strerror(fork_error));
  }
  int status = 0;
  while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    close(program[1]);
    close(copies[0]);
    throw std::runtime_error("cannot start the standard output relay (fork failed)");
  }
  return {program[1], copies[0]};
}

}  // namespace memwrap
