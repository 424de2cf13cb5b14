// The collector: accepts one connection per traced process image (handshake.h), drains all
// rings on one thread, and writes the records into the trace file as chunks of one process
// each. When a connection closes (the process exited, exec'd or died) its ring is drained one
// last time and an IMAGE_END record marks the point where its heap is gone.
//
// A process may also connect its library-call stream (the audit library, handshake.h). By
// default that stream joins the process's heap stream: its records go into the same chunks,
// after the heap connection's PROCESS_START and before its IMAGE_END, and it writes no
// PROCESS_START or IMAGE_END of its own (the heap replay keys on those). With
// LibraryCallsStandAlone() (ltracedrv: no heap shim) it is a process's only stream and writes
// them itself.
//
// A write error (disk full, I/O error) does not stop draining: the traced program must never
// block on memwrap's disk. The first error is kept for the caller to report; later records are
// drained and discarded.
#pragma once

#include <stdint.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "memwrap/handshake.h"
#include "memwrap/monotonic_clock.h"
#include "memwrap/records.h"
#include "tracefile/trace_writer.h"
#include "tracefile/unique_fd.h"
#include "tracer/collector/drain_pacing.h"
#include "tracer/collector/kept_allocations.h"

namespace memwrap {

class Collector {
 public:
  // Listens on a fresh abstract unix socket (connections wait in its backlog until Start).
  // Throws std::runtime_error when the socket cannot be created.
  Collector();
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // The value for MEMWRAP_SOCKET in the traced program's environment.
  const std::string& socket_name() const { return socket_name_; }

  // No notices on standard error for what is not an error (`memwrap -q`). Call before Start.
  void QuietNotices() { quiet_notices_ = true; }

  // Library-call connections are the only stream of their process (call before Start).
  void LibraryCallsStandAlone() { library_calls_alone_ = true; }
  // Called on the collector thread with each batch of records drained from a library-call
  // ring (whole records, in ring order). Set before Start.
  using RecordObserver = std::function<void(uint32_t pid, const uint8_t* records, size_t size)>;
  void ObserveLibraryCalls(RecordObserver observer) { observer_ = std::move(observer); }
  // Called on the collector thread with each batch of records drained from a shim's heap ring
  // (allocations, mappings, marks, stacks, modules: whole records, in ring order), within a
  // poll (1 ms) of their writing, each image's PROCESS_START first: memwrap watch. Set before
  // Start.
  void ObserveHeapRecords(RecordObserver observer) { heap_observer_ = std::move(observer); }
  // Called on the collector thread with the records the collector itself adds to a process's
  // heap stream: its PROCESS_START when it connects, its MEMORY_SAMPLE (and HEAP_COUNTERS)
  // every sample interval, its IMAGE_END after the last drain: memwrap --plugin. Set before
  // Start.
  void ObserveOwnRecords(RecordObserver observer) { own_observer_ = std::move(observer); }
  // memwrap run --keep-stacks-if / --plugin: the heap records go through `stage`, which keeps
  // the allocations its judges accept and counts every event (kept_allocations.h). Set before
  // Start; `stage` outlives Finish().
  void KeepAllocations(KeptAllocations* stage) { kept_ = stage; }

  // Starts draining into `writer` (nullptr: records are only observed), which must outlive
  // Finish(). Every `sample_interval_ns`
  // (0: never) each connected process's memory is read from /proc into a MEMORY_SAMPLE record,
  // on a timer with absolute deadlines, so the samples do not drift.
  void Start(RecordSink* writer, uint64_t sample_interval_ns);
  // Waits until every connected process has disconnected and its ring is drained, or until
  // `RequestStop()`; then writes the remaining records and, unless stopped early or a write
  // failed, ends the trace (RecordSink::Finish: the end-of-trace chunk). Call once.
  void Finish();
  // Makes Finish() return without waiting for processes that are still connected (their rings
  // are drained one last time).
  void RequestStop() { stop_requested_ = true; }
  // Ends the recording early but cleanly (a plugin asked): like RequestStop, the processes
  // still connected are let go (their rings drained one last time, their connections closed,
  // so their shims stop recording) and processes that connect later are refused; but the
  // trace is then ended as a whole one (RecordSink::Finish), with the exits recorded since.
  void StopCleanly() {
    end_cleanly_ = true;
    stop_requested_ = true;
  }
  // RequestStop() and Finish(), if Start() was called and Finish() was not; else nothing.
  void StopIfRunning();

  // A record from outside the rings (a stdout line): added to `pid`'s stream at the next
  // drain, or as a chunk of its own if `pid` has no connection.
  void AddRecord(uint32_t pid, std::vector<uint8_t> record);

  // A process's end as observed by the caller (waitpid); written to the trace at Finish().
  // `max_rss_kib`: the program's own peak; `memwrap_rss_kib`: memwrap's share left out of it,
  // when known.
  void RecordExit(uint32_t pid, ExitKind kind, int32_t status, uint64_t ts_ns, uint32_t max_rss_kib,
                  std::optional<uint32_t> memwrap_rss_kib);

  // Counts for the summary and tests.
  uint64_t processes_seen() const { return processes_seen_; }
  // First write error, "" if none.
  std::string write_error() const;

 private:
  struct Connection;
  // A connection whose hello has not all arrived yet (handshake.h): read as it comes, never
  // waited for; dropped, unanswered, at its deadline.
  struct PendingHello {
    int fd = -1;
    uint32_t peer_pid = 0;  // SO_PEERCRED
    uint64_t deadline_ns = 0;
    Hello hello{};
    size_t hello_got = 0;
    int ring_fd = -1;  // passed with the hello (SCM_RIGHTS)
    std::string strings;
    size_t strings_got = 0;
  };
  void Run();
  void Accept();
  void ContinueHello(PendingHello& hello);
  void CompleteHandshake(std::unique_ptr<PendingHello> hello);
  // `answer`: tell the shim it is refused (it sent a hello we cannot take); a connection that
  // never said hello, or hung up, gets no answer.
  void DropHello(PendingHello& hello, bool answer);
  void DropLateHellos();
  void Drain(Connection& connection, bool final);
  void HandOver(Connection& connection);
  Connection* HeapConnectionOf(uint32_t pid);
  bool Joins(const Connection& connection) const;
  void Disconnect(Connection& connection);
  // A shim's socket hung up: its image ended, or the program closed the socket (then its ring
  // is still read, until EndImagesThatUnmappedTheirRing sees it gone).
  void HungUp(Connection& connection);
  void EndImagesThatUnmappedTheirRing();
  void Flush(Connection& connection);
  void SampleMemory(Connection& connection);
  // Sampled mode: the ring's heap counters as a HEAP_COUNTERS record (heap_counters.h).
  void AppendHeapCounters(Connection& connection, bool final);
  // The heap records drained into `connection.pending` from `from` on, through kept_.
  void KeepAllocationsOf(Connection& connection, size_t from);
  void WriteAdded();
  // own_observer_ with the records appended to `connection`'s pending bytes from `from` on.
  void ObserveOwn(const Connection& connection, size_t from);
  void Write(uint32_t pid, const ByteBuffer& records);

  RecordSink* writer_ = nullptr;
  bool library_calls_alone_ = false;
  RecordObserver observer_;
  RecordObserver heap_observer_;
  RecordObserver own_observer_;
  KeptAllocations* kept_ = nullptr;
  uint32_t images_connected_ = 0;  // numbers each heap connection for kept_
  ByteBuffer kept_batch_;          // KeepAllocationsOf's copy of one drained batch
  std::string socket_name_;
  UniqueFd listen_fd_;
  UniqueFd epoll_fd_;
  UniqueFd timer_fd_;
  uint64_t sample_interval_ns_ = 0;
  bool quiet_notices_ = false;
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> finishing_{false};
  std::atomic<bool> end_cleanly_{false};
  std::map<int, std::unique_ptr<Connection>> connections_;  // by socket fd
  std::map<int, std::unique_ptr<PendingHello>> greetings_;  // by socket fd
  std::vector<int> closed_this_round_;                      // fds closed since the last epoll_wait
  uint64_t last_ring_check_ns_ = 0;
  DrainPacing pacing_{MonotonicNs()};  // the wait between drain rounds
  std::atomic<uint64_t> processes_seen_{0};
  mutable std::mutex mutex_;  // guards the members below
  std::vector<ProcessExitRecord> exits_;
  std::vector<std::pair<uint32_t, std::vector<uint8_t>>> added_;
  std::string write_error_;
};

// Stops a collector that still runs when the scope ends. Declared after the sink the collector
// writes to, it ends the collector's thread before the sink is destroyed, also when an
// exception leaves the scope (objects are destroyed in reverse order of declaration, so a
// collector declared before its writer would otherwise outlive it).
class CollectorStopper {
 public:
  explicit CollectorStopper(Collector* collector) : collector_(collector) {}
  ~CollectorStopper() { collector_->StopIfRunning(); }
  CollectorStopper(const CollectorStopper&) = delete;
  CollectorStopper& operator=(const CollectorStopper&) = delete;

 private:
  Collector* collector_;
};

}  // namespace memwrap
