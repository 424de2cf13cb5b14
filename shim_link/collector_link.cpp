#include "shim_link/collector_link.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "memwrap/handshake.h"

namespace memwrap::shim {
namespace {

// exe path + argv, gathered once at startup (static: the shim must not use the heap).
char g_strings[kMaxHelloStrings];
// Identity of the connected socket, to recognise it later (CollectorAlive).
dev_t g_socket_dev = 0;
ino_t g_socket_ino = 0;
// MEMWRAP_SOCKET as read at the first connection: a child forked later reconnects with it
// after the program's environment no longer holds it (environment_hiding.h).
char g_collector_name[sizeof(sockaddr_un::sun_path)];

bool SendAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= size_t(n);
  }
  return true;
}

// Reads a whole small file into buf; returns bytes read.
size_t ReadFile(const char* path, char* buf, size_t capacity) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t used = 0;
  while (used < capacity) {
    ssize_t n = read(fd, buf + used, capacity - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += size_t(n);
  }
  close(fd);
  return used;
}

uint32_t GatherStrings() {
  ssize_t n = readlink("/proc/self/exe", g_strings, sizeof(g_strings) / 2 - 1);
  size_t used = n > 0 ? size_t(n) : 0;
  g_strings[used++] = '\0';
  used += ReadFile("/proc/self/cmdline", g_strings + used, sizeof(g_strings) - used - 1);
  if (used == 0 || g_strings[used - 1] != '\0') g_strings[used++] = '\0';
  return uint32_t(used);
}

}  // namespace

int ConnectToCollector(ConnectFailure* why, int* error) {
  auto fail = [&](ConnectFailure reason, int errno_value) {
    if (why != nullptr) *why = reason;
    if (error != nullptr) *error = errno_value;
    return -1;
  };
  if (g_collector_name[0] == '\0') {
    const char* from_environment = getenv(kEnvSocket);
    if (from_environment == nullptr || strlen(from_environment) >= sizeof(g_collector_name)) {
      return fail(ConnectFailure::kNoSetting, 0);
    }
    strcpy(g_collector_name, from_environment);
  }
  const char* name = g_collector_name;
  if (name[0] == '\0') return fail(ConnectFailure::kNoSetting, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  size_t len = strnlen(name, sizeof(addr.sun_path) - 1);
  if (len != strlen(name)) return fail(ConnectFailure::kNoSetting, 0);
  memcpy(addr.sun_path + 1, name, len);  // abstract namespace: leading NUL, nothing on disk
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(ConnectFailure::kNoSocket, errno);
  socklen_t addr_len = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + len);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0) {
    const int connect_error = errno;
    close(fd);
    return fail(ConnectFailure::kNotListening, connect_error);
  }
  // A collector that stops answering must not hang the program's startup.
  struct stat st;
  if (fstat(fd, &st) == 0) {
    g_socket_dev = st.st_dev;
    g_socket_ino = st.st_ino;
  }
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  return fd;
}

bool Handshake(int socket_fd, int ring_fd, uint64_t ring_bytes, uint64_t start_ts_ns,
               Stream stream) {
  Hello hello{};
  hello.magic = kHelloMagic;
  hello.version = kHandshakeVersion;
  hello.pid = uint32_t(getpid());
  hello.ppid = uint32_t(getppid());
  hello.ring_bytes = ring_bytes;
  hello.start_ts_ns = start_ts_ns;
  hello.strings_size = GatherStrings();
  hello.stream = uint32_t(stream);

  iovec iov{&hello, sizeof(hello)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &ring_fd, sizeof(int));
  ssize_t sent;
  do {
    sent = sendmsg(socket_fd, &msg, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent != ssize_t(sizeof(hello))) return false;
  if (!SendAll(socket_fd, g_strings, hello.strings_size)) return false;

  HelloAck ack{};
  size_t got = 0;
  while (got < sizeof(ack)) {
    ssize_t n = recv(socket_fd, reinterpret_cast<char*>(&ack) + got, sizeof(ack) - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += size_t(n);
  }
  return ack.magic == kHelloMagic && ack.accepted == 1;
}

bool IsOurSocket(int socket_fd) {
  // Programs that close every descriptor (daemons) may close ours too (with a raw system call
  // the shim does not see), and the number may then name another file: only the very socket
  // we connected counts.
  struct stat st;
  return socket_fd >= 0 && fstat(socket_fd, &st) == 0 && st.st_dev == g_socket_dev &&
         st.st_ino == g_socket_ino;
}

bool CollectorAlive(int socket_fd) {
  if (!IsOurSocket(socket_fd)) return false;
  pollfd p{socket_fd, POLLRDHUP, 0};
  int n = poll(&p, 1, 0);
  return !(n > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)));
}

int MoveToHighDescriptor(int socket_fd) {
  // Out of the way of the program's own numbers (which start low), below the usual limit
  // of 1,024, so that the descriptor table does not grow much.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return socket_fd;
  const rlim_t ceiling = limit.rlim_cur < 1024 ? limit.rlim_cur : 1024;
  if (ceiling <= 64 + 3) return socket_fd;
  int moved = fcntl(socket_fd, F_DUPFD_CLOEXEC, int(ceiling - 64));
  if (moved < 0) return socket_fd;
  close(socket_fd);
  return moved;
}

}  // namespace memwrap::shim
