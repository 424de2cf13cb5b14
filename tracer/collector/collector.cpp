#include "tracer/collector/collector.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <stdexcept>

#include "memwrap/handshake.h"
#include "memwrap/monotonic_clock.h"
#include "tracefile/trace_error.h"
#include "tracer/collector/caller_tables.h"
#include "tracer/collector/heap_counters.h"
#include "tracer/collector/peer_admission.h"
#include "tracer/collector/proc_memory.h"
#include "tracer/collector/process_ring_reader.h"
#include "tracer/collector/ring_mapping_check.h"

namespace memwrap {
namespace {

constexpr size_t kFlushBytes = 1 << 20;        // one chunk holds about this much
constexpr size_t kDrainBudget = 4 << 20;       // per ring per loop, so one busy ring cannot
                                               // starve the others
constexpr uint64_t kFlushAgeNs = 500'000'000;  // a killed memwrap loses at most this much
// With no ring to drain (a static program, stracedrv), the tracer's added records and the end
// wait this long at most, and an idle collector does not wake 1,000 times a second. With rings,
// DrainPacing sets the wait.
constexpr int kIdlePollMs = DrainPacing::kMaxWaitMs;
// A connection's pending records never exceed a flush threshold plus one drain budget plus the
// records a disconnect appends; each flush is one chunk, which readers bound.
// A traced process sends its whole hello at once; one that has not within this time (stopped,
// or not a shim at all) is hung up on, and its shim runs untraced.
constexpr uint64_t kHelloDeadlineNs = 2'000'000'000;
static_assert(kFlushBytes + kDrainBudget + 4 * kMaxRecordSize <= kMaxChunkRawSize);

// The records of `buffer` from `begin` on, as (offset, size, time); a STACK record takes the
// time of the record before it, so it stays in front of the event that refers to it. False
// when the bytes are not whole records.
struct TimedRecord {
  size_t offset;
  uint32_t size;
  uint64_t ts_ns;
};
bool TimedRecords(const ByteBuffer& buffer, size_t begin, std::vector<TimedRecord>* out) {
  uint64_t last_ts = 0;
  for (size_t at = begin; at < buffer.size();) {
    RecordHeader header;
    if (buffer.size() - at < sizeof(header)) return false;
    memcpy(&header, buffer.data() + at, sizeof(header));
    if (header.size < sizeof(header) || header.size > buffer.size() - at) return false;
    if (header.type == uint16_t(RecordType::kProcessStart)) {
      last_ts = 0;  // nothing of the image goes before its start (calls of its constructors)
    } else {
      ReadRecordTimestamp(buffer.data() + at, header.size, &last_ts);
    }
    out->push_back({at, header.size, last_ts});
    at += header.size;
  }
  return true;
}

// Interleaves `calls` into `into` from `begin` on, by time, keeping each side's own order
// (the heap stream's order is what its replay relies on).
void MergeByTime(ByteBuffer* into, size_t begin, const ByteBuffer& calls) {
  std::vector<TimedRecord> heap, call;
  if (!TimedRecords(*into, begin, &heap) || !TimedRecords(calls, 0, &call)) {
    into->insert(into->end(), calls.begin(), calls.end());
    return;
  }
  ByteBuffer merged;
  merged.reserve(into->size() - begin + calls.size());
  size_t i = 0, j = 0;
  while (i < heap.size() || j < call.size()) {
    const bool take_call = j < call.size() && (i == heap.size() || call[j].ts_ns < heap[i].ts_ns);
    const TimedRecord& next = take_call ? call[j++] : heap[i++];
    const uint8_t* bytes = (take_call ? calls.data() : into->data()) + next.offset;
    merged.insert(merged.end(), bytes, bytes + next.size);
  }
  into->resize(begin);
  into->insert(into->end(), merged.begin(), merged.end());
}

// Maps the ring a shim sent, if it is what its hello says: sealed at its size (unsealed, the
// other side could shrink it under our mapping and make every read of it fault), as large as
// announced, and well-formed. Returns nullptr otherwise.
void* MapSealedRing(int ring_fd, uint64_t announced_bytes, off_t* ring_size) {
  *ring_size = lseek(ring_fd, 0, SEEK_END);
  const int seals = fcntl(ring_fd, F_GET_SEALS);
  if (seals < 0 || !(seals & F_SEAL_SHRINK) || *ring_size < 0 ||
      uint64_t(*ring_size) != announced_bytes || uint64_t(*ring_size) < kRingHeaderSize) {
    return nullptr;
  }
  void* mapping = mmap(nullptr, size_t(*ring_size), PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd, 0);
  if (mapping == MAP_FAILED ||
      !ProcessRingReader::Validate(mapping, uint64_t(*ring_size)).empty()) {
    if (mapping != MAP_FAILED) munmap(mapping, size_t(*ring_size));
    return nullptr;
  }
  return mapping;
}

// PROCESS_START: exe path then argv, both as the shim sent them (NUL-terminated). `strings`
// is made to fit the record; `used` is the record's size before alignment.
ProcessStartRecord ProcessStartOf(const Hello& hello, std::string* strings, size_t* used) {
  size_t exe_size = strnlen(strings->data(), strings->size());
  if (exe_size == strings->size()) strings->push_back('\0');
  ProcessStartRecord start{};
  start.ts_ns = hello.start_ts_ns;
  start.pid = hello.pid;
  start.ppid = hello.ppid;
  start.exe_size = uint32_t(exe_size + 1);
  start.cmdline_size = uint32_t(strings->size() - exe_size - 1);
  if (start.cmdline_size > 0 && strings->back() != '\0') {
    strings->push_back('\0');
    ++start.cmdline_size;
  }
  *used = sizeof(start) + strings->size();
  // Long command lines are cut to fit one record; the record stays well-formed.
  if (*used > kMaxRecordSize - kRecordAlign) {
    strings->resize(kMaxRecordSize - kRecordAlign - sizeof(start));
    strings->back() = '\0';
    start.cmdline_size = uint32_t(strings->size() - start.exe_size);
    *used = sizeof(start) + strings->size();
  }
  start.h = {AlignRecordSize(*used), uint16_t(RecordType::kProcessStart), 0};
  return start;
}

}  // namespace

struct Collector::Connection {
  int fd = -1;
  uint32_t pid = 0;
  Stream stream = Stream::kHeap;
  void* mapping = nullptr;
  uint64_t mapping_size = 0;
  std::unique_ptr<ProcessRingReader> consumer;
  ByteBuffer pending;
  size_t merged_upto = 0;  // pending bytes already merged with library calls (HandOver)
  uint64_t last_flush_ns = 0;
  PssBudget pss;            // how often the timer's samples may read its PSS
  uint64_t ring_inode = 0;  // of the ring's memfd, to find it in /proc/PID/maps
  // The program closed our socket but still writes into the ring (ring_mapping_check.h): the
  // ring is drained as before, and the image ends when the process stops mapping it.
  bool socket_closed_by_program = false;
  uint32_t image = 0;    // this heap stream's number (KeptAllocations)
  MemwrapShare memwrap;  // memwrap's share of its memory, and how often to read it
};

Collector::Collector() {
  std::random_device random;
  socket_name_ = "memwrap-" + std::to_string(getpid()) + "-" + std::to_string(random());
  listen_fd_ = UniqueFd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listen_fd_.valid()) {
    throw std::runtime_error(
        std::string("cannot create the socket traced processes report to (socket: ") +
        strerror(errno) + ")");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path + 1, socket_name_.data(), socket_name_.size());
  socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + socket_name_.size());
  if (bind(listen_fd_.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      listen(listen_fd_.get(), 128) != 0) {
    throw std::runtime_error(std::string("cannot listen for traced processes: ") + strerror(errno));
  }
  epoll_fd_ = UniqueFd(epoll_create1(EPOLL_CLOEXEC));
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listen_fd_.get();
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, listen_fd_.get(), &event);
}

Collector::~Collector() {
  StopIfRunning();
}

void Collector::StopIfRunning() {
  if (thread_.joinable()) {
    RequestStop();
    Finish();
  }
}

void Collector::Start(RecordSink* writer, uint64_t sample_interval_ns) {
  sample_interval_ns_ = sample_interval_ns;
  writer_ = writer;
  if (sample_interval_ns != 0) {
    timer_fd_ = UniqueFd(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (timer_fd_.valid()) {
      // Absolute deadlines: the kernel keeps the period, however late we are to read it.
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      itimerspec spec{};
      spec.it_interval.tv_sec = time_t(sample_interval_ns / 1000000000);
      spec.it_interval.tv_nsec = long(sample_interval_ns % 1000000000);
      spec.it_value = now;
      spec.it_value.tv_nsec += spec.it_interval.tv_nsec;
      spec.it_value.tv_sec += spec.it_interval.tv_sec + spec.it_value.tv_nsec / 1000000000;
      spec.it_value.tv_nsec %= 1000000000;
      timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.fd = timer_fd_.get();
      epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, timer_fd_.get(), &event);
    }
  }
  thread_ = std::thread([this] { Run(); });
}

void Collector::Finish() {
  finishing_ = true;
  if (thread_.joinable()) thread_.join();
  WriteAdded();  // whatever came in after the last drain
  std::vector<ProcessExitRecord> exits;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    exits.swap(exits_);
  }
  for (const ProcessExitRecord& exit : exits) {
    ByteBuffer records;
    AppendRecord(&records, exit);
    Write(exit.pid, records);
  }
  // Only a recording that wrote everything says so: not after a write error (records are
  // missing), nor after RequestStop (processes still connected were not followed to the end).
  if (writer_ == nullptr || (stop_requested_ && !end_cleanly_) || !write_error().empty()) {
    return;
  }
  try {
    writer_->Finish();
  } catch (const TraceError& error) {
    std::lock_guard<std::mutex> lock(mutex_);
    write_error_ = error.what();
  }
}

void Collector::AddRecord(uint32_t pid, std::vector<uint8_t> record) {
  std::lock_guard<std::mutex> lock(mutex_);
  added_.emplace_back(pid, std::move(record));
}

void Collector::WriteAdded() {
  std::vector<std::pair<uint32_t, std::vector<uint8_t>>> added;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    added.swap(added_);
  }
  for (auto& [pid, record] : added) {
    Connection* connection = HeapConnectionOf(pid);
    if (connection != nullptr) {
      // By time into the heap records not written yet (the tracer's batches come every tick):
      // SYSCALL and STACK_SAMPLE records land among the heap events of their moment, not in a
      // block at the batch's arrival.
      MergeByTime(&connection->pending, 0, ByteBuffer(record.begin(), record.end()));
      // Records moved: the library calls' next merge goes over all of it (from 0 is always
      // right, and a byte offset from before could now fall inside a record).
      connection->merged_upto = 0;
    } else {
      ByteBuffer bytes(record.begin(), record.end());
      Write(pid, bytes);
    }
  }
}

void Collector::RecordExit(uint32_t pid, ExitKind kind, int32_t status, uint64_t ts_ns,
                           uint32_t max_rss_kib, std::optional<uint32_t> memwrap_rss_kib) {
  ProcessExitRecord record{};
  record.h = {sizeof(record), uint16_t(RecordType::kProcessExit),
              memwrap_rss_kib ? kProcessExitMemwrapRssKnown : uint16_t{0}};
  record.ts_ns = ts_ns;
  record.pid = pid;
  record.kind = uint32_t(kind);
  record.status = status;
  record.max_rss_kib = max_rss_kib;
  record.memwrap_rss_kib = memwrap_rss_kib.value_or(0);
  std::lock_guard<std::mutex> lock(mutex_);
  exits_.push_back(record);
}

std::string Collector::write_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return write_error_;
}

void Collector::Run() {
  // In block mode the traced program can never run faster than this thread drains. On a busy
  // machine (more runnable threads than cores) a fair share is not enough: ask for a larger
  // one. Allowed for root or with CAP_SYS_NICE; otherwise this does nothing.
  setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), -10);
  epoll_event events[64];
  for (;;) {
    int n = epoll_wait(epoll_fd_.get(), events, 64,
                       connections_.empty() ? kIdlePollMs : pacing_.wait_ms());
    closed_this_round_.clear();
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      // A connection closed while handling this round (a process's heap stream ends its
      // library-call stream too) may have had its number reused by a connection accepted
      // since: its pending event is not the new one's. Level-triggered events come back.
      if (std::find(closed_this_round_.begin(), closed_this_round_.end(), fd) !=
          closed_this_round_.end()) {
        continue;
      }
      if (fd == listen_fd_.get()) {
        Accept();
        continue;
      }
      if (auto greeting = greetings_.find(fd); greeting != greetings_.end()) {
        ContinueHello(*greeting->second);
        continue;
      }
      if (timer_fd_.valid() && fd == timer_fd_.get()) {
        uint64_t expirations = 0;
        if (read(fd, &expirations, sizeof(expirations)) == sizeof(expirations)) {
          // Drained first, so the sample follows the records made before it.
          for (auto& [connection_fd, connection] : connections_) Drain(*connection, false);
          for (auto& [connection_fd, connection] : connections_) {
            if (!Joins(*connection)) SampleMemory(*connection);
          }
        }
        continue;
      }
      auto it = connections_.find(fd);
      if (it == connections_.end()) continue;
      if (events[i].events & (EPOLLHUP | EPOLLRDHUP | EPOLLERR)) {
        HungUp(*it->second);
        continue;
      }
      // A shim sends nothing after its hello; discard anything else so the socket does not
      // stay readable forever.
      char discard[256];
      if (recv(fd, discard, sizeof(discard), MSG_DONTWAIT) == 0) HungUp(*it->second);
    }
    for (auto& [fd, connection] : connections_) Drain(*connection, false);
    pacing_.EndRound(MonotonicNs());
    DropLateHellos();
    EndImagesThatUnmappedTheirRing();
    WriteAdded();
    if (stop_requested_) break;
    if (finishing_ && connections_.empty()) {
      Accept();  // a process that connected just before the end still gets its answer
      if (connections_.empty() && greetings_.empty()) break;
    }
  }
  while (!greetings_.empty()) DropHello(*greetings_.begin()->second, /*answer=*/false);
  WriteAdded();
  while (!connections_.empty()) Disconnect(*connections_.begin()->second);
  if (end_cleanly_) listen_fd_.Reset();  // a process started from now on runs untraced
}

void Collector::Accept() {
  for (;;) {
    int fd = accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;  // EAGAIN: no more pending connections
    // Only the processes this memwrap follows may stream into its trace (peer_admission.h);
    // anyone else is hung up on before a byte of theirs is read.
    ucred peer{};
    socklen_t peer_len = sizeof(peer);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) != 0 ||
        !IsOwnTracee(peer.pid, peer.uid)) {
      close(fd);
      continue;
    }
    auto hello = std::make_unique<PendingHello>();
    hello->fd = fd;
    hello->peer_pid = uint32_t(peer.pid);
    hello->deadline_ns = MonotonicNs() + kHelloDeadlineNs;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.fd = fd;
    epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, fd, &event);
    PendingHello& added = *hello;
    greetings_[fd] = std::move(hello);
    // The shim sends its whole hello before it waits: usually it is all here already.
    ContinueHello(added);
  }
}

void Collector::DropHello(PendingHello& hello, bool answer) {
  if (answer) {
    HelloAck ack{kHelloMagic, 0};
    send(hello.fd, &ack, sizeof(ack), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  if (hello.ring_fd >= 0) close(hello.ring_fd);
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, hello.fd, nullptr);
  const int fd = hello.fd;
  close(fd);
  closed_this_round_.push_back(fd);
  greetings_.erase(fd);
}

void Collector::DropLateHellos() {
  const uint64_t now = MonotonicNs();
  std::vector<PendingHello*> late;
  for (auto& [fd, hello] : greetings_) {
    if (now >= hello->deadline_ns) late.push_back(hello.get());
  }
  for (PendingHello* hello : late) DropHello(*hello, /*answer=*/false);
}

void Collector::ContinueHello(PendingHello& pending) {
  // Never waits: reads what has arrived, and comes back when more does (or drops the
  // connection at its deadline). One process slow to say hello delays nobody.
  while (pending.hello_got < sizeof(Hello)) {
    iovec iov{reinterpret_cast<uint8_t*>(&pending.hello) + pending.hello_got,
              sizeof(Hello) - pending.hello_got};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t got = recvmsg(pending.fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        int passed = -1;
        memcpy(&passed, CMSG_DATA(c), sizeof(int));
        if (pending.ring_fd < 0) {
          pending.ring_fd = passed;
        } else if (passed >= 0) {
          close(passed);  // one ring per connection
        }
      }
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (got <= 0) {
      DropHello(pending, /*answer=*/false);
      return;
    }
    pending.hello_got += size_t(got);
  }
  const Hello& hello = pending.hello;
  if (pending.strings.empty()) {
    if (pending.ring_fd < 0 || hello.magic != kHelloMagic || hello.version != kHandshakeVersion ||
        hello.strings_size > kMaxHelloStrings || hello.pid != pending.peer_pid ||
        (hello.stream != uint32_t(Stream::kHeap) &&
         hello.stream != uint32_t(Stream::kLibraryCalls))) {
      DropHello(pending, /*answer=*/true);
      return;
    }
    pending.strings.resize(hello.strings_size);
  }
  while (pending.strings_got < pending.strings.size()) {
    ssize_t got = recv(pending.fd, pending.strings.data() + pending.strings_got,
                       pending.strings.size() - pending.strings_got, MSG_DONTWAIT);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (got <= 0) {
      DropHello(pending, /*answer=*/false);
      return;
    }
    pending.strings_got += size_t(got);
  }
  // Complete: the connection leaves the greetings (its epoll registration stays).
  std::unique_ptr<PendingHello> done = std::move(greetings_[pending.fd]);
  greetings_.erase(done->fd);
  CompleteHandshake(std::move(done));
}

void Collector::CompleteHandshake(std::unique_ptr<PendingHello> pending) {
  const int fd = pending->fd;
  int ring_fd = pending->ring_fd;
  pending->ring_fd = -1;
  const Hello hello = pending->hello;
  std::string strings = std::move(pending->strings);
  auto reject = [&] {
    HelloAck ack{kHelloMagic, 0};
    send(fd, &ack, sizeof(ack), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (ring_fd >= 0) close(ring_fd);
    epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    closed_this_round_.push_back(fd);
  };
  off_t ring_size = 0;
  void* mapping = MapSealedRing(ring_fd, hello.ring_bytes, &ring_size);
  if (mapping == nullptr) {
    reject();
    return;
  }
  struct stat ring_stat {};
  fstat(ring_fd, &ring_stat);
  close(ring_fd);
  ring_fd = -1;

  // A new image of a pid we still hold (it exec'd, and its old connection's hang-up is not
  // processed yet): the old image ends first, so the pid's records stay in order.
  const Stream stream = Stream(hello.stream);
  for (auto& [other_fd, other] : connections_) {
    if (other->pid == hello.pid && other->stream == stream) {
      Disconnect(*other);
      break;
    }
  }

  auto connection = std::make_unique<Connection>();
  connection->pss = PssBudget(/*announce=*/!quiet_notices_);
  connection->fd = fd;
  connection->pid = hello.pid;
  connection->stream = stream;
  connection->mapping = mapping;
  connection->mapping_size = uint64_t(ring_size);
  connection->consumer = std::make_unique<ProcessRingReader>(mapping);
  connection->last_flush_ns = MonotonicNs();
  connection->ring_inode = uint64_t(ring_stat.st_ino);
  connection->image = ++images_connected_;

  size_t used = 0;
  const ProcessStartRecord start = ProcessStartOf(hello, &strings, &used);
  if (!Joins(*connection)) {
    const size_t before = connection->pending.size();
    AppendRecord(&connection->pending, start);
    connection->pending.insert(connection->pending.end(), strings.begin(), strings.end());
    connection->pending.resize(connection->pending.size() + (start.h.size - used), 0);
    // Watchers see each image start: an exec'd image's stack ids start over.
    if (heap_observer_ && stream == Stream::kHeap) {
      heap_observer_(hello.pid, connection->pending.data() + before,
                     connection->pending.size() - before);
    }
    ObserveOwn(*connection, before);
  }

  HelloAck ack{kHelloMagic, 1};
  if (send(fd, &ack, sizeof(ack), MSG_NOSIGNAL | MSG_DONTWAIT) != ssize_t(sizeof(ack))) {
    munmap(mapping, size_t(ring_size));
    epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    closed_this_round_.push_back(fd);
    return;
  }
  if (!Joins(*connection)) {
    ++processes_seen_;
    if (timer_fd_.valid()) SampleMemory(*connection);
  }
  Connection& added = *connection;
  connections_[fd] = std::move(connection);
  // Library calls made before the heap stream connected go after its PROCESS_START.
  if (stream == Stream::kHeap) {
    for (auto& [other_fd, other] : connections_) {
      if (other->pid == added.pid && Joins(*other)) HandOver(*other);
    }
  }
}

void Collector::Drain(Connection& connection, bool final) {
  // The final drain takes what the ring held when the connection closed, and no more: a
  // process that closed its socket but goes on writing must not keep us here forever.
  uint64_t budget = final ? connection.consumer->UnreadBytes() + kMaxRecordSize : 0;
  for (;;) {
    const size_t before = connection.pending.size();
    size_t got = connection.consumer->Drain(
        &connection.pending, final ? std::min<uint64_t>(budget, kDrainBudget) : kDrainBudget,
        final);
    if (final) budget -= std::min<uint64_t>(budget, got);
    if (!final) pacing_.Drained(got, connection.consumer->smallest_capacity());
    if (connection.stream == Stream::kLibraryCalls && connection.pending.size() > before) {
      if (observer_) {
        observer_(connection.pid, connection.pending.data() + before,
                  connection.pending.size() - before);
      }
      if (Joins(connection)) HandOver(connection);
    } else if (connection.pending.size() > before) {
      if (heap_observer_) {
        heap_observer_(connection.pid, connection.pending.data() + before,
                       connection.pending.size() - before);
      }
      if (kept_ != nullptr) KeepAllocationsOf(connection, before);
    }
    uint64_t now = MonotonicNs();
    if (connection.pending.size() >= kFlushBytes ||
        (!connection.pending.empty() && now - connection.last_flush_ns >= kFlushAgeNs)) {
      Flush(connection);
    }
    if (!final || got == 0 || budget == 0) return;
  }
}

bool Collector::Joins(const Connection& connection) const {
  return connection.stream == Stream::kLibraryCalls && !library_calls_alone_;
}

Collector::Connection* Collector::HeapConnectionOf(uint32_t pid) {
  for (auto& [fd, candidate] : connections_) {
    if (candidate->pid == pid && !Joins(*candidate)) return candidate.get();
  }
  return nullptr;
}

void Collector::HandOver(Connection& connection) {
  // A joined library-call stream's records go to its process's heap stream when it has one;
  // until then they wait here (flushed on their own if they grow or age: Drain).
  Connection* heap = HeapConnectionOf(connection.pid);
  if (heap == nullptr || connection.pending.empty()) return;
  // By time with the heap records drained since the last hand-over (the ones before were
  // merged then): the stream stays in time order but across a flushed chunk's boundary.
  MergeByTime(&heap->pending, std::min(heap->merged_upto, heap->pending.size()),
              connection.pending);
  heap->merged_upto = heap->pending.size();
  connection.pending.clear();
  if (heap->pending.size() >= kFlushBytes) Flush(*heap);
}

void Collector::HungUp(Connection& connection) {
  if (Joins(connection) || !ProcessMapsRing(pid_t(connection.pid), connection.ring_inode)) {
    Disconnect(connection);
    return;
  }
  // Closed by the program, not by its exit or exec: keep reading the ring. The number stays
  // ours (open, out of epoll), so no connection accepted later can take its key.
  connection.socket_closed_by_program = true;
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, connection.fd, nullptr);
}

void Collector::EndImagesThatUnmappedTheirRing() {
  // Checked every 10 ms at most: it reads the process's maps.
  const uint64_t now = MonotonicNs();
  if (now - last_ring_check_ns_ < 10'000'000) return;
  last_ring_check_ns_ = now;
  std::vector<Connection*> ended;
  for (auto& [fd, connection] : connections_) {
    if (connection->socket_closed_by_program &&
        !ProcessMapsRing(pid_t(connection->pid), connection->ring_inode)) {
      ended.push_back(connection.get());
    }
  }
  for (Connection* connection : ended) Disconnect(*connection);
}

void Collector::Disconnect(Connection& connection) {
  // The hang-up wakes us at once: this is microseconds after the kernel released the process's
  // memory (exit_mm runs before exit_files), or the moment of its exec.
  const uint64_t end_ts = MonotonicNs();
  if (!Joins(connection)) {
    // The image's library calls end with it, before its IMAGE_END (both sockets close on
    // exit and exec; whichever hang-up we see first ends both).
    std::vector<Connection*> joined;
    for (auto& [fd, other] : connections_) {
      if (other->pid == connection.pid && Joins(*other)) joined.push_back(other.get());
    }
    for (Connection* other : joined) Disconnect(*other);
  }
  Drain(connection, true);
  AppendHeapCounters(connection, true);
  if (kept_ != nullptr && !Joins(connection)) kept_->EndImage(connection.image, connection.pid);
  // What a producer reserved but never committed (the process died mid-record), or what lies
  // behind a damaged record, is lost: say so in the trace where it happened.
  uint64_t unread = connection.consumer->UnreadBytes();
  if (unread > 0 || connection.consumer->damaged()) {
    LostRecord lost{};
    lost.h = {sizeof(lost), uint16_t(RecordType::kLost), 0};
    lost.ts_ns = MonotonicNs();
    lost.count = unread;
    lost.unit = uint32_t(LostUnit::kBytes);
    AppendRecord(&connection.pending, lost);
  }
  if (connection.consumer->damaged()) {
    fprintf(stderr,
            "memwrap: the trace ring of pid %u was damaged (%s); its later events are lost\n",
            connection.pid, connection.consumer->damage().c_str());
  }
  if (Joins(connection)) {
    HandOver(connection);
  } else {
    // What the tracer handed over for this process before its exit went on (its last SYSCALL
    // records: tracer/trace_recorder.h) goes among its last records, before its end.
    WriteAdded();
    ImageEndRecord end{};
    end.h = {sizeof(end), uint16_t(RecordType::kImageEnd), 0};
    end.ts_ns = end_ts;
    const size_t from = connection.pending.size();
    AppendRecord(&connection.pending, end);
    ObserveOwn(connection, from);
  }
  Flush(connection);
  epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, connection.fd, nullptr);
  munmap(connection.mapping, connection.mapping_size);
  int fd = connection.fd;
  close(fd);
  closed_this_round_.push_back(fd);
  connections_.erase(fd);
}

void Collector::SampleMemory(Connection& connection) {
  const size_t from = connection.pending.size();
  MemorySampleRecord sample{};
  sample.h = {sizeof(sample), uint16_t(RecordType::kMemorySample), 0};
  sample.ts_ns = MonotonicNs();
  if (ReadTimerSample(pid_t(connection.pid), &sample, &connection.pss, sample_interval_ns_,
                      &connection.memwrap)) {
    AppendRecord(&connection.pending, sample);
  }
  AppendHeapCounters(connection, false);
  ObserveOwn(connection, from);
}

void Collector::ObserveOwn(const Connection& connection, size_t from) {
  if (own_observer_ && connection.pending.size() > from) {
    own_observer_(connection.pid, connection.pending.data() + from,
                  connection.pending.size() - from);
  }
}

void Collector::KeepAllocationsOf(Connection& connection, size_t from) {
  // The batch moves out of `pending`, whose tail the stage refills (flushing as it grows).
  kept_batch_.assign(connection.pending.begin() + ptrdiff_t(from), connection.pending.end());
  connection.pending.resize(from);
  kept_->Filter(connection.image, connection.pid, kept_batch_.data(), kept_batch_.size(),
                &connection.pending, kFlushBytes, [&] { Flush(connection); });
}

void Collector::AppendHeapCounters(Connection& connection, bool final) {
  if (kept_ != nullptr && !Joins(connection)) {
    AppendRecord(&connection.pending, kept_->Counters(connection.image, MonotonicNs(), final));
    return;
  }
  HeapCountersRecord counters;
  if (!Joins(connection) && ReadHeapCounters(connection.mapping, connection.mapping_size,
                                             MonotonicNs(), final, &counters)) {
    AppendRecord(&connection.pending, counters);
    if (!final) return;
    for (const ThreadHeapCountersRecord& slot :
         ReadClaimedSlots(connection.mapping, connection.mapping_size, counters.ts_ns)) {
      AppendRecord(&connection.pending, slot);
    }
    for (const CallerTotalsRecord& caller :
         ReadCallerTables(connection.mapping, connection.mapping_size, counters.ts_ns)) {
      AppendRecord(&connection.pending, caller);
    }
  }
}

void Collector::Flush(Connection& connection) {
  if (!connection.pending.empty()) Write(connection.pid, connection.pending);
  connection.pending.clear();
  connection.merged_upto = 0;
  connection.last_flush_ns = MonotonicNs();
}

void Collector::Write(uint32_t pid, const ByteBuffer& records) {
  if (writer_ == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!write_error_.empty()) return;  // keep draining, stop writing
  }
  try {
    writer_->WriteRecords(pid, records.data(), records.size());
  } catch (const TraceError& error) {
    std::lock_guard<std::mutex> lock(mutex_);
    write_error_ = error.what();
  }
}

}  // namespace memwrap
