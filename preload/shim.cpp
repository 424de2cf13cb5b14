#include "shim.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "collector_link.h"
#include "memwrap/handshake.h"
#include "memwrap/ring.h"
#include "module_map.h"
#include "ring_producer.h"
#include "stack_table.h"

namespace memwrap::shim {

std::atomic<int> g_state{int(State::kUninitialised)};

namespace {

RingProducer g_ring;
RingHeader* g_ring_header = nullptr;
StackTable g_stacks;
int g_socket = -1;
uint32_t g_stack_depth = 64;
uint64_t g_shim_text_begin = 0, g_shim_text_end = 0;
std::atomic<uint64_t> g_untracked_nested{0};

// initial-exec: no lazy TLS allocation (which would call malloc) on first access.
__thread int t_in_hook __attribute__((tls_model("initial-exec")));
__thread uint32_t t_tid __attribute__((tls_model("initial-exec")));

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

uint32_t Tid() {
  if (t_tid == 0) t_tid = uint32_t(syscall(SYS_gettid));
  return t_tid;
}

void WriteStderr(const char* a, const char* b) {
  char line[256];
  size_t n = 0;
  for (const char* s : {"memwrap: ", a, b, "\n"}) {
    size_t len = strnlen(s, sizeof(line) - 1 - n);
    memcpy(line + n, s, len);
    n += len;
  }
  ssize_t ignored = write(STDERR_FILENO, line, n);
  (void)ignored;
}

void StopTracing(const char* reason) {
  int expected = int(State::kActive);
  if (g_state.compare_exchange_strong(expected, int(State::kDisabled))) {
    g_ring_header->shim_state.store(uint32_t(ShimState::kStopped), std::memory_order_release);
    WriteStderr("tracing stopped, the program continues untraced: ", reason);
  }
}

bool KeepWaiting() {
  if (g_state.load(std::memory_order_relaxed) != int(State::kActive)) return false;
  if (CollectorAlive(g_socket)) return true;
  StopTracing("the collector is gone");
  return false;
}

bool Publish(const void* record, uint32_t size) {
  if (g_ring.Write(record, size)) return true;
  StopTracing("the collector stopped reading");
  return false;
}

// Re-entrancy guard: allocations made while a hook runs on this thread (by libunwind, or by a
// signal handler that interrupted the hook) pass through unrecorded and are counted.
class HookScope {
 public:
  HookScope() : entered_(t_in_hook == 0) {
    if (entered_) {
      t_in_hook = 1;
    } else {
      g_untracked_nested.fetch_add(1, std::memory_order_relaxed);
    }
  }
  ~HookScope() {
    if (entered_) t_in_hook = 0;
  }
  bool entered() const { return entered_; }

 private:
  bool entered_;
};

// Interns the caller's stack (the shim's own frames skipped) and returns its id, sending the
// STACK record the first time a stack is seen.
__attribute__((noinline)) StackId CaptureStack() {
  constexpr int kSlack = 8;  // room for the shim's own frames, dropped below
  void* ips[kMaxStackDepth + kSlack];
  int n = unw_backtrace(ips, int(g_stack_depth) + kSlack);
  int first = 0;
  while (first < n && reinterpret_cast<uint64_t>(ips[first]) >= g_shim_text_begin &&
         reinterpret_cast<uint64_t>(ips[first]) < g_shim_text_end) {
    ++first;
  }
  uint32_t depth = uint32_t(n - first);
  if (depth > g_stack_depth) depth = g_stack_depth;
  if (depth == 0) return kNoStack;

  alignas(8) uint8_t record[sizeof(StackRecord) + kMaxStackDepth * sizeof(uint64_t)];
  auto* stack = reinterpret_cast<StackRecord*>(record);
  auto* frames = reinterpret_cast<uint64_t*>(record + sizeof(StackRecord));
  for (uint32_t i = 0; i < depth; ++i) frames[i] = reinterpret_cast<uint64_t>(ips[first + i]);
  bool is_new = false;
  StackId id = g_stacks.Intern(frames, depth, &is_new);
  if (is_new) {
    stack->h = {uint32_t(sizeof(StackRecord) + depth * sizeof(uint64_t)),
                uint16_t(RecordType::kStack), 0};
    stack->id = id;
    stack->depth = depth;
    if (!Publish(record, stack->h.size)) return kNoStack;
  }
  return id;
}

void SendNotice() {
  ShimNoticeRecord notice{};
  notice.h = {sizeof(notice), uint16_t(RecordType::kShimNotice), 0};
  notice.ts_ns = NowNs();
  notice.untracked_nested_calls = g_untracked_nested.load(std::memory_order_relaxed);
  notice.stacks_not_interned = g_stacks.overflowed();
  Publish(&notice, sizeof(notice));
}

void ReadStackDepthFromEnv() {
  const char* text = getenv(kEnvStackDepth);
  if (text == nullptr) return;
  unsigned long value = strtoul(text, nullptr, 10);
  if (value >= 1 && value <= kMaxStackDepth) g_stack_depth = uint32_t(value);
}

// fork() without exec: the child shares the parent's ring mapping and socket, and must not
// write into them. It runs untraced (following forked children is a separate capability).
void OnForkChild() {
  g_state.store(int(State::kDisabled), std::memory_order_relaxed);
  t_tid = 0;
  if (g_socket >= 0) close(g_socket);
  g_socket = -1;
}

void Initialise() {
  g_socket = ConnectToCollector();
  if (g_socket < 0) return;  // not under memwrap (or a stale environment): stay silent
  const uint64_t capacity = RingCapacityFromSetting(getenv(kEnvRingSize));
  const uint64_t ring_bytes = kRingHeaderSize + capacity;
  int ring_fd = int(syscall(SYS_memfd_create, "memwrap-ring", MFD_CLOEXEC));
  if (ring_fd < 0 || ftruncate(ring_fd, off_t(ring_bytes)) != 0) {
    WriteStderr("cannot create the trace ring (memfd), running untraced", "");
    if (ring_fd >= 0) close(ring_fd);
    close(g_socket);
    g_socket = -1;
    return;
  }
  long mapped = syscall(SYS_mmap, nullptr, ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
                        ring_fd, 0);
  if (mapped < 0 && mapped > -4096) {
    close(ring_fd);
    close(g_socket);
    g_socket = -1;
    WriteStderr("cannot map the trace ring, running untraced", "");
    return;
  }
  void* ring = reinterpret_cast<void*>(mapped);
  InitRing(ring, capacity);
  const bool accepted = Handshake(g_socket, ring_fd, ring_bytes, NowNs());
  close(ring_fd);
  if (!accepted || !g_stacks.Init()) {
    close(g_socket);
    g_socket = -1;
    return;
  }
  g_ring.Attach(ring, KeepWaiting);
  g_ring_header = static_cast<RingHeader*>(ring);
  ReadStackDepthFromEnv();
  ObjectRangeOf(reinterpret_cast<const void*>(&CaptureStack), &g_shim_text_begin,
                &g_shim_text_end);
  pthread_atfork(nullptr, nullptr, OnForkChild);
  EmitModules(NowNs(), Publish);
  g_state.store(int(State::kActive), std::memory_order_release);
}

// Runs before the program's own constructors that depend on us (priority 101 is the
// earliest allowed for user code).
__attribute__((constructor(101))) void ShimConstructor() {
  HookScope scope;  // allocations made while connecting are ours, not the program's
  Initialise();
  if (!Active()) g_state.store(int(State::kDisabled), std::memory_order_relaxed);
}

__attribute__((destructor)) void ShimDestructor() {
  if (!Active()) return;
  HookScope scope;
  if (scope.entered()) SendNotice();
}

}  // namespace

void RecordAlloc(void* block, size_t size, AllocKind kind) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  AllocRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kAlloc), uint16_t(kind)};
  record.stack = CaptureStack();
  record.tid = Tid();
  record.addr = reinterpret_cast<uint64_t>(block);
  record.size = size;
  record.ts_ns = NowNs();
  Publish(&record, sizeof(record));
}

void RecordFree(void* block) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  FreeRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kFree), 0};
  record.ts_ns = NowNs();
  record.addr = reinterpret_cast<uint64_t>(block);
  record.tid = Tid();
  record.reserved = 0;
  Publish(&record, sizeof(record));
}

void RecordReallocBegin(void* old_block) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  ReallocBeginRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kReallocBegin), 0};
  record.ts_ns = NowNs();
  record.old_addr = reinterpret_cast<uint64_t>(old_block);
  record.tid = Tid();
  record.reserved = 0;
  Publish(&record, sizeof(record));
}

void RecordReallocEnd(void* old_block, void* new_block, size_t size) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  ReallocEndRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kReallocEnd), uint16_t(AllocKind::kRealloc)};
  record.stack = new_block != nullptr ? CaptureStack() : kNoStack;
  record.tid = Tid();
  record.old_addr = reinterpret_cast<uint64_t>(old_block);
  record.new_addr = reinterpret_cast<uint64_t>(new_block);
  record.size = size;
  record.ts_ns = NowNs();
  Publish(&record, sizeof(record));
}

}  // namespace memwrap::shim
