// Reads one process image's ring memfd (include/memwrap/ring.h). With --buffers per-process it
// is the shared ring's RingConsumer and nothing more. With --buffers per-thread it also drains
// the ThreadRings and merges all of them by time (TimeMerge), emitting only what lies below the
// round's watermark, so that the collector writes one stream per process whose order is a
// valid linearisation of the heap, as with one shared ring (the argument is in ring.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "memwrap/ring.h"
#include "tracefile/byte_buffer.h"
#include "tracer/collector/ring_consumer.h"
#include "tracer/collector/thread_ring_consumer.h"
#include "tracer/collector/time_merge.h"

namespace memwrap {

class ProcessRingReader {
 public:
  // The shared ring's checks (RingConsumer::Validate), which include the ThreadRings' layout.
  static std::string Validate(const void* mapping, uint64_t mapping_size) {
    return RingConsumer::Validate(mapping, mapping_size);
  }

  // `mapping` must have passed Validate(); it stays owned by the caller. `clock`: where the
  // merge reads the time (tests pass their own; nullptr: CLOCK_MONOTONIC, ordered).
  explicit ProcessRingReader(void* mapping, uint64_t (*clock)() = nullptr);

  // Appends at most `max_bytes` of records to `out` in the stream's order; `final`: the
  // image has ended, so everything read is emitted whatever its time. Returns bytes appended.
  size_t Drain(ByteBuffer* out, size_t max_bytes, bool final);

  bool per_thread() const { return !threads_.empty(); }
  // The capacity of the smallest of its rings (the shared one, or a ThreadRing).
  uint64_t smallest_capacity() const { return smallest_capacity_; }
  bool damaged() const;
  // The first damage found (the shared ring's, else a ThreadRing's).
  std::string damage() const;
  // What is still to come (for the final drain's budget), or, after it, what will never come.
  uint64_t UnreadBytes() const;

 private:
  uint64_t SharedFloor(uint64_t now, uint64_t shared_head);

  RingHeader* header_;
  uint64_t (*clock_)();
  RingConsumer shared_;
  std::vector<ThreadRingConsumer> threads_;
  uint64_t smallest_capacity_ = 0;
  std::unique_ptr<TimeMerge> merge_;  // per-thread only; queue 0 is the shared ring's
  // (shared head, clock) of earlier rounds: a shared-ring slot at or after such a head was
  // reserved after that clock reading (ring.h, merge step b).
  std::vector<std::pair<uint64_t, uint64_t>> head_history_;
};

}  // namespace memwrap
