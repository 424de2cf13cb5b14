#include "audit/audit_stream.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

#include "memwrap/handshake.h"
#include "memwrap/monotonic_clock.h"
#include "memwrap/ring.h"
#include "memwrap/shim_settings.h"
#include "shim_link/collector_link.h"
#include "shim_link/ring_producer.h"

namespace memwrap::audit {
namespace {

RingProducer g_ring;
RingHeader* g_ring_header = nullptr;
uint64_t g_ring_bytes = 0;
int g_socket = -1;
std::atomic<bool> g_active{false};
std::atomic<int> g_connect_lock{0};
// One page that a fork() child sees zeroed (MADV_WIPEONFORK): its first word is 1 in the
// process that made the connection.
volatile uint64_t* g_fork_page = nullptr;
// Bumped at each (re)connection, so threads refresh what they cached (their tid).
std::atomic<uint32_t> g_epoch{1};

__thread uint32_t t_tid __attribute__((tls_model("initial-exec")));
__thread uint32_t t_epoch __attribute__((tls_model("initial-exec")));

void WriteStderr(const char* text) {
  ssize_t ignored = write(STDERR_FILENO, text, strlen(text));
  (void)ignored;
}

void Stop(const char* reason) {
  bool expected = true;
  if (g_active.compare_exchange_strong(expected, false)) {
    if (g_ring_header != nullptr) {
      g_ring_header->shim_state.store(uint32_t(ShimState::kStopped), std::memory_order_release);
    }
    WriteStderr("memwrap: library-call tracing stopped, the program continues: ");
    WriteStderr(reason);
    WriteStderr("\n");
  }
}

bool KeepWaiting() {
  if (!g_active.load(std::memory_order_relaxed)) return false;
  if (shim::CollectorAlive(g_socket)) return true;
  Stop("the collector is gone");
  return false;
}

void Disconnect() {
  if (g_socket >= 0) close(g_socket);
  g_socket = -1;
  if (g_ring_header != nullptr) syscall(SYS_munmap, g_ring_header, g_ring_bytes);
  g_ring_header = nullptr;
}

bool Connect() {
  ShimSettings settings;
  if (ParseShimSettings(getenv(kEnvRingSize), nullptr, nullptr, nullptr, nullptr, nullptr,
                        &settings) != nullptr) {
    WriteStderr("memwrap: invalid MEMWRAP_BUFFER, library calls are not traced\n");
    return false;
  }
  g_socket = shim::ConnectToCollector();
  if (g_socket < 0) return false;
  g_ring_bytes = kRingHeaderSize + settings.ring_capacity;
  int ring_fd =
      int(syscall(SYS_memfd_create, "memwrap-ltrace-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (ring_fd < 0 || ftruncate(ring_fd, off_t(g_ring_bytes)) != 0 ||
      fcntl(ring_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    if (ring_fd >= 0) close(ring_fd);
    Disconnect();
    return false;
  }
  long mapped =
      syscall(SYS_mmap, nullptr, g_ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd, 0);
  if (mapped < 0 && mapped > -4096) {
    close(ring_fd);
    Disconnect();
    return false;
  }
  g_ring_header = reinterpret_cast<RingHeader*>(mapped);
  InitRing(g_ring_header, settings.ring_capacity);
  const bool accepted =
      shim::Handshake(g_socket, ring_fd, g_ring_bytes, NowNs(), Stream::kLibraryCalls);
  close(ring_fd);
  if (!accepted) {
    Disconnect();
    return false;
  }
  g_ring.Attach(g_ring_header, KeepWaiting);
  return true;
}

}  // namespace

uint64_t NowNs() {
  return MonotonicNs();
}

uint32_t ThreadId() {
  const uint32_t epoch = g_epoch.load(std::memory_order_relaxed);
  if (t_tid == 0 || t_epoch != epoch) {
    t_tid = uint32_t(syscall(SYS_gettid));
    t_epoch = epoch;
  }
  return t_tid;
}

bool ConnectStream() {
  long page =
      syscall(SYS_mmap, nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page < 0 && page > -4096) return false;
  // Without WIPEONFORK (kernels before 4.14) a child could write into its parent's ring:
  // rather trace nothing.
  if (syscall(SYS_madvise, page, 4096, MADV_WIPEONFORK) != 0) {
    WriteStderr("memwrap: MADV_WIPEONFORK unsupported, library calls are not traced\n");
    return false;
  }
  g_fork_page = reinterpret_cast<volatile uint64_t*>(page);
  if (!Connect()) return false;
  *g_fork_page = 1;
  g_active.store(true, std::memory_order_release);
  return true;
}

bool StreamActive() {
  return g_active.load(std::memory_order_relaxed);
}

bool EnsureConnectedHere(NameResender resend) {
  if (g_fork_page == nullptr) return false;
  if (__builtin_expect(*g_fork_page != 0, 1)) return g_active.load(std::memory_order_relaxed);
  // A forked child: the first thread here connects, others wait for it.
  int expected = 0;
  while (!g_connect_lock.compare_exchange_weak(expected, 1, std::memory_order_acquire)) {
    expected = 0;
    CpuRelax();
  }
  if (*g_fork_page == 0) {
    g_active.store(false, std::memory_order_relaxed);
    g_epoch.fetch_add(1, std::memory_order_relaxed);
    // The parent's socket and ring stay open in the parent; here they are only closed.
    Disconnect();
    if (Connect()) {
      g_active.store(true, std::memory_order_release);
      resend();
    }
    *g_fork_page = 1;
  }
  g_connect_lock.store(0, std::memory_order_release);
  return g_active.load(std::memory_order_relaxed);
}

void PublishRecord(const void* record, uint32_t size) {
  if (!g_ring.Write(record, size)) Stop("the collector stopped reading");
}

}  // namespace memwrap::audit
