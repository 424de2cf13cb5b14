#include "preload/shim.h"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "memwrap/handshake.h"
#include "memwrap/monotonic_clock.h"
#include "memwrap/ring.h"
#include "memwrap/shim_settings.h"
#include "preload/environment_hiding.h"
#include "preload/module_map.h"
#include "preload/natural_log.h"
#include "preload/sampled_heap.h"
#include "preload/thread_ring_producer.h"
#include "shim_link/collector_link.h"
#include "shim_link/ring_producer.h"

namespace memwrap::shim {

std::atomic<int> g_state{int(State::kUninitialised)};
__thread int t_in_hook __attribute__((tls_model("initial-exec")));

namespace {

ShimSettings g_settings;
RingProducer g_ring;
RingHeader* g_ring_header = nullptr;
uint64_t g_ring_bytes = 0;
std::atomic<int> g_socket{-1};  // read by the descriptor hooks of any thread
uint64_t g_shim_text_begin = 0, g_shim_text_end = 0;
std::atomic<uint64_t> g_untracked_nested{0};
std::atomic<uint64_t> g_dropped{0};  // records not written (drop mode), not yet reported
// MEMWRAP_SAMPLE_SEED: the sampler's seed (0: from the clock), for reproducible samples.
uint64_t g_sample_seed = 0;

// initial-exec: no lazy TLS allocation (which would call malloc) on first access.
__thread uint32_t t_tid __attribute__((tls_model("initial-exec")));
// Sampled stacks: the random state of this thread's sampler.
__thread uint64_t t_random __attribute__((tls_model("initial-exec")));
// The thread is in seccomp strict mode: it can read no clock (shim.h, PrepareForSeccomp).
__thread bool t_clockless __attribute__((tls_model("initial-exec")));
// Sampled mode, between REALLOC's two halves: the old block's usable size.
__thread uint64_t t_realloc_old_usable __attribute__((tls_model("initial-exec")));
// Threads that drew a seed so far: with a fixed seed, each thread's stream is still its own.
std::atomic<uint64_t> g_seeded_threads{0};
// --buffers per-thread (memwrap/ring.h): the thread's own ring, claimed at its first record;
// set once the thread gave it back at its exit (its last records go to the shared ring).
__thread ThreadRingHeader* t_thread_ring __attribute__((tls_model("initial-exec")));
__thread bool t_thread_ring_given_back __attribute__((tls_model("initial-exec")));
bool g_per_thread = false;        // the ring has ThreadRings
pthread_key_t g_thread_ring_key;  // its destructor gives the thread's ring back
bool g_thread_ring_key_made = false;

// 0 for a clockless thread: the collector times its records (memwrap/ring.h).
uint64_t NowNs() {
  if (t_clockless) return 0;
  return MonotonicNs();
}

// A heap or mapping event's time. A thread that writes into a ring of its own (--buffers
// per-thread) has it read again by the ring's writer, at the same side of the real call
// (ThreadRingWriter::Write): reading it here too would only cost time, so it is left at 1,
// which the writer always replaces.
uint64_t EventTime() {
  if (t_thread_ring != nullptr) return 1;
  return NowNs();
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

// Where the collector's read position was, and since when, while our socket is not ours any
// more (closed with a raw system call the descriptor hooks cannot see).
uint64_t g_orphan_tail = 0, g_orphan_since_ns = 0, g_orphan_checks = 0;

// Set once the program entered seccomp: recording makes no system call from then on.
std::atomic<bool> g_no_system_calls{false};

// True while the collector's read position moved within the last 2 s (a clock read is vDSO,
// not a system call): the only sign of life left when the socket cannot be asked. A thread
// without a clock counts the times it was asked instead: 200,000 (the ring asks after 1,024
// pause instructions, 10 to 50 ns each: 2 to 10 s).
bool RingStillMoving() {
  // The consumer bumps consumer_seq whenever it made room in the shared ring or, with
  // per-thread buffers, in a thread's ring (whose tail this thread may be waiting on).
  const uint64_t tail = g_ring_header->tail.load(std::memory_order_acquire) +
                        g_ring_header->consumer_seq.load(std::memory_order_acquire);
  if (g_orphan_checks == 0 || tail != g_orphan_tail) {
    g_orphan_tail = tail;
    g_orphan_since_ns = NowNs();
    g_orphan_checks = 1;
    return true;
  }
  ++g_orphan_checks;
  if (t_clockless) return g_orphan_checks < 200'000;
  return NowNs() - g_orphan_since_ns < 2'000'000'000ull;
}

bool KeepWaiting() {
  if (g_state.load(std::memory_order_relaxed) != int(State::kActive)) return false;
  if (g_no_system_calls.load(std::memory_order_relaxed)) {
    // Under seccomp the socket cannot be asked (fstat, poll).
    if (RingStillMoving()) return true;
    StopTracing("the collector stopped reading");
    return false;
  }
  if (CollectorAlive(g_socket)) return true;
  // The collector keeps reading the rings of processes that closed their socket
  // (tracer/collector/ring_mapping_check.h).
  if (!IsOurSocket(g_socket) && RingStillMoving()) return true;
  StopTracing("the collector is gone");
  return false;
}

// In drop mode, records that did not fit are reported by a LOST record placed where space
// came back, so the trace says where the gap is.
void ReportDropped() {
  uint64_t dropped = g_dropped.exchange(0, std::memory_order_relaxed);
  if (dropped == 0) return;
  LostRecord lost{};
  lost.h = {sizeof(lost), uint16_t(RecordType::kLost), 0};
  lost.ts_ns = NowNs();
  lost.count = dropped;
  lost.unit = uint32_t(LostUnit::kRecords);
  if (!g_ring.TryWrite(&lost, sizeof(lost)))
    g_dropped.fetch_add(dropped, std::memory_order_relaxed);
}

// --buffers per-thread: the calling thread's ring, claimed at its first record; nullptr when it
// has none (all taken, given back at its exit, or the thread reads no clock): the shared ring.
ThreadRingHeader* OwnThreadRing() {
  if (t_thread_ring != nullptr) return t_thread_ring;
  if (t_thread_ring_given_back || t_clockless || g_ring_header == nullptr) return nullptr;
  t_thread_ring = ClaimThreadRing(g_ring_header, Tid());
  // Without a key (pthread_key_create failed) the ring would never be given back: not used.
  if (t_thread_ring != nullptr && g_thread_ring_key_made) {
    pthread_setspecific(g_thread_ring_key, t_thread_ring);
  } else if (t_thread_ring != nullptr) {
    GiveBackThreadRing(t_thread_ring);
    t_thread_ring = nullptr;
    t_thread_ring_given_back = true;
  }
  return t_thread_ring;
}

// The thread exits (its key destructor): after its last record in its ring, the ring is free.
void GiveBackOwnThreadRing(void* ring) {
  if (ring == nullptr || ring != t_thread_ring) return;
  t_thread_ring = nullptr;
  t_thread_ring_given_back = true;
  GiveBackThreadRing(static_cast<ThreadRingHeader*>(ring));
}

std::atomic<bool> g_sleep_allowed{true};  // false once the program entered seccomp

// Writes into the thread's own ring; `reliably`: wait for room even in drop mode.
bool PublishToThreadRing(ThreadRingHeader* ring, const void* record, uint32_t size, bool reliably) {
  ThreadRingWriter writer(ring, g_ring_header->thread_ring_capacity);
  if (g_settings.on_full == FullRingPolicy::kDrop) {
    if (g_dropped.load(std::memory_order_relaxed) != 0) ReportDropped();
    if (!reliably && !writer.Fits(size)) {
      g_dropped.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  if (!writer.WaitToFit(g_ring_header, size, &g_sleep_allowed, KeepWaiting)) {
    StopTracing("the collector stopped reading");
    return false;
  }
  writer.Write(record, size, MonotonicNs);
  return true;
}

// Waits for space whatever the mode: for the few records a trace cannot be read without
// (module maps) and for the last word at exit. KeepWaiting still gives up when the collector
// is gone.
bool PublishReliably(const void* record, uint32_t size) {
  if (g_per_thread) {
    if (ThreadRingHeader* ring = OwnThreadRing()) {
      return PublishToThreadRing(ring, record, size, true);
    }
  }
  if (g_settings.on_full == FullRingPolicy::kDrop && g_dropped.load(std::memory_order_relaxed)) {
    ReportDropped();
  }
  if (g_ring.Write(record, size)) return true;
  StopTracing("the collector stopped reading");
  return false;
}

// Every event. In drop mode: false when the record did not fit (it is counted).
bool Publish(const void* record, uint32_t size) {
  if (g_per_thread) {
    if (ThreadRingHeader* ring = OwnThreadRing()) {
      return PublishToThreadRing(ring, record, size, false);
    }
  }
  if (g_settings.on_full != FullRingPolicy::kDrop) return PublishReliably(record, size);
  if (g_dropped.load(std::memory_order_relaxed) != 0) ReportDropped();
  if (g_ring.TryWrite(record, size)) return true;
  // A ring that stays full may mean that nobody drains it any more: check now and then.
  if ((g_dropped.fetch_add(1, std::memory_order_relaxed) & 4095) == 4095 &&
      !g_no_system_calls.load(std::memory_order_relaxed) && !CollectorAlive(g_socket)) {
    StopTracing("the collector is gone");
  }
  return false;
}

// Sampled mode: a thread's own heap counts as it leaves its counter slot (sampled_heap.h).
// Reliably, even in drop mode: once per thread, and the per-thread figures must add up.
bool PublishThreadCounters(ThreadHeapCountersRecord* record) {
  if (g_state.load(std::memory_order_relaxed) != int(State::kActive)) return false;
  record->ts_ns = NowNs();
  return PublishReliably(record, sizeof(*record));
}

// Sampled mode: a caller's figures evicted from its thread's table (sampled_heap.h). Reliably:
// the per-caller figures must add up to the counters' (records.h, CallerTotalsRecord).
bool PublishCallerTotals(CallerTotalsRecord* record) {
  if (g_state.load(std::memory_order_relaxed) != int(State::kActive)) return false;
  record->ts_ns = NowNs();
  return PublishReliably(record, sizeof(*record));
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

// Poisson sampling by bytes, as tcmalloc and heapprofd do: the gaps between sampled bytes are
// exponential with mean sample_bytes, so an allocation of s bytes is sampled with probability
// 1 - exp(-s / sample_bytes) whatever the allocation pattern, and the analyzer can weigh each
// sample by the inverse of that probability.
int64_t NextSampleGap() {
  if (t_random == 0) {
    t_random = g_sample_seed != 0 ? g_sample_seed * 0x2545f4914f6cdd1dull +
                                        g_seeded_threads.fetch_add(1, std::memory_order_relaxed) *
                                            0x9e3779b97f4a7c15ull
                                  : (uint64_t(Tid()) << 32) ^ NowNs() ^ 0x9e3779b97f4a7c15ull;
    if (t_random == 0) t_random = 0x9e3779b97f4a7c15ull;  // xorshift's one fixed point
  }
  t_random ^= t_random << 13;
  t_random ^= t_random >> 7;
  t_random ^= t_random << 17;
  double uniform = (double(t_random >> 11) + 0.5) / double(1ull << 53);  // in (0, 1)
  return int64_t(-NaturalLog(uniform) * double(g_settings.sample_bytes)) + 1;
}

bool SampleThisAllocation(uint64_t size) {
  if (t_bytes_until_sample == 0) t_bytes_until_sample = NextSampleGap();
  t_bytes_until_sample -= int64_t(size);
  if (t_bytes_until_sample > 0) return false;
  // Several sample points may fall inside one large block; it is sampled once, and the
  // analyzer's weight (size / probability) accounts for that.
  do {
    t_bytes_until_sample += NextSampleGap();
  } while (t_bytes_until_sample <= 0);
  return true;
}

// The stack of an allocation per the stack mode; sets the sampled flag in *flags.
StackId StackFor(const CallerContext& caller, uint64_t size, uint16_t* flags) {
  switch (g_settings.stacks) {
    case StackMode::kNone:
      return kNoStack;
    case StackMode::kSampled:
      if (!SampleThisAllocation(size)) return kNoStack;
      *flags |= kAllocFlagSampled;
      return CaptureStack(caller);
    case StackMode::kFull:
    default:
      return CaptureStack(caller);
  }
}

void SendNotice() {
  ShimNoticeRecord notice{};
  notice.h = {sizeof(notice), uint16_t(RecordType::kShimNotice), 0};
  notice.ts_ns = NowNs();
  notice.untracked_nested_calls = g_untracked_nested.load(std::memory_order_relaxed);
  notice.stacks_not_interned = StacksNotInterned();
  // Reliably (PublishReliably reports pending drops first): the end of the run must say how
  // many records were dropped.
  PublishReliably(&notice, sizeof(notice));
}

void Disconnect() {
  // -1 first: the close hook (descriptor_hooks.cpp) keeps the shim's socket open.
  const int socket_fd = g_socket.exchange(-1);
  if (socket_fd >= 0) close(socket_fd);
  if (g_ring_header != nullptr) syscall(SYS_munmap, g_ring_header, g_ring_bytes);
  g_ring_header = nullptr;
}

// Connects to the collector with a fresh ring; true when it accepted us.
bool Connect() {
  ConnectFailure why = ConnectFailure::kNotListening;
  int error = 0;
  const int socket_fd = ConnectToCollector(&why, &error);
  g_socket = socket_fd >= 0 ? MoveToHighDescriptor(socket_fd) : -1;
  if (g_socket < 0) {
    if (why == ConnectFailure::kNoSocket) {
      // A sandbox (seccomp, an LSM) that forbids sockets: not memwrap's absence.
      // strerrordesc_np: no translation, so no allocation through the heap we hook.
      const char* text = strerrordesc_np(error);
      WriteStderr("cannot create a socket to reach the memwrap collector, running untraced: ",
                  text != nullptr ? text : "unknown error");
    } else {
      // MEMWRAP_SOCKET without a live collector (a stale environment): say so once, run as is.
      WriteStderr("no memwrap collector is listening (MEMWRAP_SOCKET), running untraced", "");
    }
    return false;
  }
  const bool per_thread = g_settings.buffers == BufferMode::kPerThread;
  const uint32_t thread_rings = per_thread ? kDefaultThreadRings : 0;
  const uint64_t thread_ring_capacity =
      per_thread ? ThreadRingCapacityFor(g_settings.ring_capacity) : 0;
  g_ring_bytes =
      RingMappingBytes(g_settings.ring_capacity, thread_rings, thread_ring_capacity, g_sampled);
  int ring_fd = int(syscall(SYS_memfd_create, "memwrap-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  // Sealed at its size: the collector maps it too, and a ring that could shrink under it
  // would make its reads fault (SIGBUS). The collector refuses an unsealed ring.
  if (ring_fd < 0 || ftruncate(ring_fd, off_t(g_ring_bytes)) != 0 ||
      fcntl(ring_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    WriteStderr("cannot create the trace ring (memfd), running untraced", "");
    if (ring_fd >= 0) close(ring_fd);
    Disconnect();
    return false;
  }
  long mapped =
      syscall(SYS_mmap, nullptr, g_ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd, 0);
  if (mapped < 0 && mapped > -4096) {
    close(ring_fd);
    Disconnect();
    WriteStderr("cannot map the trace ring, running untraced", "");
    return false;
  }
  g_ring_header = reinterpret_cast<RingHeader*>(mapped);
  InitRingWithThreadRings(g_ring_header, g_settings.ring_capacity, thread_rings,
                          thread_ring_capacity);
  if (g_sampled) g_ring_header->caller_table_entries = kCallerTableEntries;
  auto* const ring_bytes = reinterpret_cast<uint8_t*>(mapped);
  if (g_sampled &&
      !InitSampledHeap(reinterpret_cast<HeapCounterArea*>(ring_bytes + kHeapCounterAreaOffset),
                       reinterpret_cast<CallerTotalsEntry*>(
                           ring_bytes + CallerTablesOffset(g_settings.ring_capacity, thread_rings,
                                                           thread_ring_capacity)),
                       g_settings.sample_bytes,
                       {Tid, PublishThreadCounters, PublishCallerTotals})) {
    close(ring_fd);
    Disconnect();
    WriteStderr("cannot set up sampled mode's tables, running untraced", "");
    return false;
  }
  const bool accepted = Handshake(g_socket, ring_fd, g_ring_bytes, NowNs());
  close(ring_fd);
  if (!accepted) {
    // The collector hangs up on processes that are not among those its memwrap traces (this
    // one inherited or copied another recording's MEMWRAP_SOCKET), or refused the ring.
    WriteStderr("the memwrap collector did not accept this process, running untraced", "");
    Disconnect();
    return false;
  }
  g_ring.Attach(g_ring_header, KeepWaiting);
  // Per-thread buffers: the shared ring takes the records of threads without a ring of their
  // own, timed after their reservation (memwrap/ring.h).
  if (per_thread) g_ring.RetimeAfterReservation(MonotonicNs);
  g_per_thread = per_thread;
  return true;
}

// fork() without exec: the child is a new process with its own identity. It must not write
// into the parent's ring, so it drops the inherited connection and joins the collector on
// its own, with a fresh ring and fresh stack ids (its trace stream starts empty).
void OnForkChild() {
  if (g_state.load(std::memory_order_relaxed) != int(State::kActive)) return;
  g_state.store(int(State::kDisabled), std::memory_order_relaxed);
  t_tid = 0;
  t_random = 0;
  // The parent's ring goes with its mapping; this thread claims one in the new ring.
  t_thread_ring = nullptr;
  t_thread_ring_given_back = false;
  if (g_thread_ring_key_made) pthread_setspecific(g_thread_ring_key, nullptr);
  g_per_thread = false;
  g_dropped.store(0, std::memory_order_relaxed);
  Disconnect();
  if (g_sampled) ResetSampledHeapAfterFork();
  ResetStackCapture();
  if (!Connect()) return;
  EmitModules(NowNs(), PublishReliably);
  g_state.store(int(State::kActive), std::memory_order_release);
}

// Connects and sets the state to kActive; on failure leaves it for the caller to settle.
void Initialise() {
  ShimSettings settings;
  const char* bad = ParseShimSettings(getenv(kEnvRingSize), getenv(kEnvStackDepth),
                                      getenv(kEnvStacks), getenv(kEnvSampleBytes),
                                      getenv(kEnvOnFull), getenv(kEnvBuffers), &settings);
  if (getenv(kEnvSocket) == nullptr) return;
  if (bad != nullptr) {
    WriteStderr("ignoring an invalid setting, running untraced: ", bad);
    return;
  }
  g_settings = settings;
  g_sampled = settings.stacks == StackMode::kSampled;
  uint64_t seed = 0;
  if (settings_detail::ParseNumber(getenv(kEnvSampleSeed), &seed)) g_sample_seed = seed;
  ObjectRangeOf(reinterpret_cast<const void*>(&Initialise), &g_shim_text_begin, &g_shim_text_end);
  if (!InitStackCapture(g_settings.stack_depth, g_shim_text_begin, g_shim_text_end, Publish)) {
    WriteStderr("cannot set up stack capture, running untraced", "");
    return;
  }
  if (g_settings.buffers == BufferMode::kPerThread) {
    g_thread_ring_key_made = pthread_key_create(&g_thread_ring_key, GiveBackOwnThreadRing) == 0;
  }
  if (!Connect()) return;
  pthread_atfork(nullptr, nullptr, OnForkChild);
  EmitModules(NowNs(), PublishReliably);
  g_state.store(int(State::kActive), std::memory_order_release);
}

// One thread starts tracing: the first to intercept a call, or the constructor. Before libc's
// own initialiser ran there may be no environment to read yet: then only the constructor
// concludes that memwrap is not there (`final`); an earlier call leaves the state as it was,
// and the next one tries again.
bool Start(bool final) {
  if (t_in_hook != 0) return false;  // the start's own allocations, and libunwind's
  int expected = int(State::kUninitialised);
  if (!g_state.compare_exchange_strong(expected, int(State::kStarting))) {
    if (expected == int(State::kStarting)) g_untracked_nested.fetch_add(1);
    return expected == int(State::kActive);
  }
  HookScope scope;  // allocations made while connecting are ours, not the program's
  if (!final && (environ == nullptr || getenv(kEnvSocket) == nullptr)) {
    g_state.store(int(State::kUninitialised), std::memory_order_release);
    return false;
  }
  Initialise();
  HideMemwrapVariables();  // read by now; children get them back from the tracer
  if (g_state.load(std::memory_order_acquire) == int(State::kActive)) return true;
  g_state.store(int(State::kDisabled), std::memory_order_release);
  return false;
}

// Priority 101 is the earliest allowed for user code; when an earlier call started tracing,
// there is nothing left to do.
__attribute__((constructor(101))) void ShimConstructor() {
  Start(true);
}

__attribute__((destructor)) void ShimDestructor() {
  if (!Active()) return;
  HookScope scope;
  if (scope.entered()) SendNotice();
}

}  // namespace

bool StartAtFirstCall() {
  return Start(false);
}

int ShimSocket() {
  return g_socket.load(std::memory_order_relaxed);
}

void MoveShimSocket() {
  const int socket_fd = g_socket.load(std::memory_order_relaxed);
  if (socket_fd < 0 || !IsOurSocket(socket_fd)) return;
  const int moved = fcntl(socket_fd, F_DUPFD_CLOEXEC, socket_fd + 1);
  if (moved >= 0) g_socket.store(moved, std::memory_order_relaxed);  // the old one: dup2's
}

void PrepareForSeccomp(bool strict) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  Tid();
  PrepareThreadStackCache();
  AvoidSystemCallsInStackCapture();
  g_no_system_calls.store(true, std::memory_order_relaxed);
  g_ring.ForbidSystemCalls();
  g_sleep_allowed.store(false, std::memory_order_relaxed);
  if (strict && !t_clockless) {
    // Its records go to the shared ring from now on, timed by the collector (memwrap/ring.h).
    GiveBackOwnThreadRing(t_thread_ring);
    t_thread_ring_given_back = false;
    t_clockless = true;
    g_ring_header->clockless_threads.fetch_add(1, std::memory_order_release);
  }
}

void SeccompStrictFailed() {
  if (!t_clockless) return;
  t_clockless = false;
  if (g_ring_header != nullptr) {
    g_ring_header->clockless_threads.fetch_sub(1, std::memory_order_release);
  }
}

namespace {

// The ALLOC and FREE records, as every mode sends them.
void PublishAlloc(void* block, size_t size, StackId stack, uint16_t flags) {
  AllocRecord record;
  record.stack = stack;
  record.h = {sizeof(record), uint16_t(RecordType::kAlloc), flags};
  record.tid = Tid();
  record.addr = reinterpret_cast<uint64_t>(block);
  record.size = size;
  record.ts_ns = EventTime();
  Publish(&record, sizeof(record));
}

void PublishFree(void* block) {
  FreeRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kFree), 0};
  record.ts_ns = EventTime();
  record.addr = reinterpret_cast<uint64_t>(block);
  record.tid = Tid();
  record.reserved = 0;
  Publish(&record, sizeof(record));
}

// Sampled mode: counts every allocation; records it only when the sampler picks it.
void CountAndSampleAlloc(void* block, size_t size, AllocKind kind, const CallerContext& caller,
                         uint64_t caller_key) {
  CountAllocation(size, CountedSizeOfNew(block, size), caller_key, caller);
  if (!SampleThisAllocation(size) || !TrackSampledBlock(block)) return;
  PublishAlloc(block, size, CaptureStack(caller), uint16_t(uint16_t(kind) | kAllocFlagSampled));
}

// Sampled mode: counts every free; records the frees of sampled blocks, before the real call
// like every FREE (records.h), so that the address cannot have been handed out again yet.
void CountAndMatchFree(void* block, uint64_t usable, bool count) {
  if (count) CountRelease(usable, /*by_realloc=*/false);
  if (UntrackSampledBlock(block)) PublishFree(block);
}

}  // namespace

void RecordAlloc(void* block, size_t size, AllocKind kind, const CallerContext& caller,
                 uint64_t caller_key) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  if (g_sampled) {
    CountAndSampleAlloc(block, size, kind, caller,
                        caller_key != 0 ? caller_key : caller.return_address);
    return;
  }
  uint16_t flags = uint16_t(kind);
  const StackId stack = StackFor(caller, size, &flags);
  PublishAlloc(block, size, stack, flags);
}

void RecordFree(void* block) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  if (g_sampled) {
    CountAndMatchFree(block, CountedSizeOfOld(block), true);
    return;
  }
  PublishFree(block);
}

void RecordReallocBegin(void* old_block) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  if (g_sampled) {
    // The old block's sample ends here whatever the result (a failed realloc, which keeps the
    // block, then leaves it unsampled, and forgotten if its allocator could not size it: its
    // free is only counted, by what the allocator then says); its count waits for the result.
    t_realloc_old_usable = CountedSizeOfOld(old_block);
    CountAndMatchFree(old_block, 0, false);
    return;
  }
  ReallocBeginRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kReallocBegin), 0};
  record.ts_ns = EventTime();
  record.old_addr = reinterpret_cast<uint64_t>(old_block);
  record.tid = Tid();
  record.reserved = 0;
  Publish(&record, sizeof(record));
}

void RecordReallocEnd(void* old_block, void* new_block, size_t size, AllocKind kind,
                      const CallerContext& caller) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  if (g_sampled) {
    // realloc(p, 0) frees p and returns NULL; any other NULL is a failure that kept p.
    if (new_block != nullptr || size == 0) CountRelease(t_realloc_old_usable, /*by_realloc=*/true);
    if (new_block != nullptr) {
      CountAndSampleAlloc(new_block, size, kind, caller, caller.return_address);
    }
    return;
  }
  ReallocEndRecord record;
  uint16_t flags = uint16_t(kind);
  record.stack = new_block != nullptr ? StackFor(caller, size, &flags) : kNoStack;
  record.h = {sizeof(record), uint16_t(RecordType::kReallocEnd), flags};
  record.tid = Tid();
  record.old_addr = reinterpret_cast<uint64_t>(old_block);
  record.new_addr = reinterpret_cast<uint64_t>(new_block);
  record.size = size;
  record.ts_ns = EventTime();
  Publish(&record, sizeof(record));
}

void RecordMmap(void* addr, size_t length, int prot, int flags, const CallerContext& caller) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  MmapRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kMmap), 0};
  record.stack = g_settings.stacks == StackMode::kNone ? kNoStack : CaptureStack(caller);
  record.tid = Tid();
  record.addr = reinterpret_cast<uint64_t>(addr);
  record.length = length;
  record.prot = uint32_t(prot);
  record.flags = uint32_t(flags);
  record.ts_ns = EventTime();
  Publish(&record, sizeof(record));
}

void RecordMunmap(void* addr, size_t length) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  MunmapRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kMunmap), 0};
  record.ts_ns = EventTime();
  record.addr = reinterpret_cast<uint64_t>(addr);
  record.length = length;
  record.tid = Tid();
  record.reserved = 0;
  Publish(&record, sizeof(record));
}

void RecordMremapBegin(void* old_addr, size_t old_length, int flags) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  MremapBeginRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kMremapBegin), 0};
  record.ts_ns = EventTime();
  record.old_addr = reinterpret_cast<uint64_t>(old_addr);
  record.old_length = old_length;
  record.tid = Tid();
  record.flags = uint32_t(flags);
  Publish(&record, sizeof(record));
}

void RecordMremapEnd(void* old_addr, size_t old_length, void* new_addr, size_t new_length,
                     int flags, const CallerContext& caller) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  MremapEndRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kMremapEnd), 0};
  record.stack = new_addr != nullptr && g_settings.stacks != StackMode::kNone ? CaptureStack(caller)
                                                                              : kNoStack;
  record.tid = Tid();
  record.old_addr = reinterpret_cast<uint64_t>(old_addr);
  record.old_length = old_length;
  record.new_addr = reinterpret_cast<uint64_t>(new_addr);
  record.new_length = new_length;
  record.flags = uint32_t(flags);
  record.reserved = 0;
  record.ts_ns = EventTime();
  Publish(&record, sizeof(record));
}

void RecordBrk(void* old_break, void* new_break, const CallerContext& caller) {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  BrkRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kBrk), 0};
  record.stack = g_settings.stacks == StackMode::kNone ? kNoStack : CaptureStack(caller);
  record.tid = Tid();
  record.old_break = reinterpret_cast<uint64_t>(old_break);
  record.new_break = reinterpret_cast<uint64_t>(new_break);
  record.ts_ns = EventTime();
  Publish(&record, sizeof(record));
}

void RecordModulesChanged() {
  HookScope scope;
  if (!scope.entered() || !Active()) return;
  ModulesChangedRecord record;
  record.h = {sizeof(record), uint16_t(RecordType::kModulesChanged), 0};
  record.ts_ns = NowNs();
  if (PublishReliably(&record, sizeof(record))) EmitModules(record.ts_ns, PublishReliably);
}

void RecordMark(const char* name) {
  HookScope scope;
  if (!scope.entered() || !Active() || name == nullptr) return;
  alignas(8) uint8_t record[sizeof(MarkRecord) + kMaxMarkName + 8];
  auto* mark = reinterpret_cast<MarkRecord*>(record);
  const size_t length = strnlen(name, kMaxMarkName - 1);
  memcpy(record + sizeof(MarkRecord), name, length);
  record[sizeof(MarkRecord) + length] = '\0';
  mark->name_size = uint32_t(length + 1);
  const uint32_t used = uint32_t(sizeof(MarkRecord) + mark->name_size);
  mark->h = {AlignRecordSize(used), uint16_t(RecordType::kMark), 0};
  memset(record + used, 0, mark->h.size - used);
  mark->tid = Tid();
  mark->ts_ns = NowNs();
  PublishReliably(record, mark->h.size);  // rare, and a timeline without its marks misleads
}

}  // namespace memwrap::shim
