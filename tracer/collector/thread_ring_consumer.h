// The collector's side of one per-thread ring (--buffers per-thread; include/memwrap/ring.h).
// Like RingConsumer it treats the ring as hostile: its own tail, a head that must lie within
// one capacity of it, every record's size and type checked on a private copy; anything
// malformed stops the reading of this ring for good (reported as loss), never a crash.
#pragma once

#include <stdint.h>

#include <string>

#include "memwrap/ring.h"
#include "tracefile/byte_buffer.h"

namespace memwrap {

class ThreadRingConsumer {
 public:
  // `ring` lies within a mapping that passed RingConsumer::Validate, followed by `capacity`
  // data bytes.
  ThreadRingConsumer(ThreadRingHeader* ring, uint64_t capacity);

  // Step c of the merge (ring.h): whether the writer is busy, and the floor its unread
  // records cannot be below. Read before Drain, which then loads head.
  struct State {
    bool busy = false;
    uint64_t floor_ts = 0;
  };
  State ReadState() const;

  // Appends published records (whole, validated), about `max_bytes` of them (at least one),
  // to `out` and gives their space back to the writer. Returns the bytes appended.
  size_t Drain(ByteBuffer* out, uint64_t max_bytes);
  // Whether published records are left unread (Drain's budget ran out); then, in *ts_ns, the
  // time of the first of them, or 0 when it has none (a STACK) or looks wrong: no later record
  // of this ring has an earlier time.
  bool Unread(uint64_t* ts_ns) const;

  bool damaged() const { return !damage_.empty(); }
  const std::string& damage() const { return damage_; }
  // Bytes published that were never read: what lies behind damage (call after the writer is
  // gone).
  uint64_t UnreadBytes() const;

 private:
  void CopyOut(uint64_t position, uint8_t* dst, uint64_t size) const;

  ThreadRingHeader* ring_;
  const uint8_t* data_;
  uint64_t capacity_;
  uint64_t tail_;  // our own copy; the shared tail is only ever written from it
  std::string damage_;
};

}  // namespace memwrap
