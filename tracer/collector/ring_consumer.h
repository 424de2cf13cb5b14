// The consumer side of the ring (include/memwrap/ring.h), run by the collector for each traced
// process. The ring's memory is shared with the traced process and is treated as hostile:
// positions are kept locally, every record is bounds-checked and validated before it is
// copied out, and anything malformed stops consumption of that ring (reported as loss).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "memwrap/ring.h"
#include "tracefile/byte_buffer.h"

namespace memwrap {

// Whether a record copied out of a ring (`size` bytes, header included, size already checked
// against kMaxRecordSize) is one a shim may send, with every inner size within the record.
bool ValidShimRecord(const uint8_t* record, uint32_t size);

class RingConsumer {
 public:
  // Checks a mapping the shim sent: magic, layout version, capacity vs. the mapping's size.
  // Returns "" when usable, else why not.
  static std::string Validate(const void* mapping, uint64_t mapping_size);

  // `mapping` must have passed Validate(); it stays owned by the caller.
  explicit RingConsumer(void* mapping);

  // Appends committed records (without their tags) to `out`, oldest first, until the ring is
  // empty or `max_bytes` were appended. Frees their space for producers. Returns bytes
  // appended.
  size_t Drain(ByteBuffer* out, size_t max_bytes);

  // The position of the first record not read yet.
  uint64_t tail() const { return tail_; }

  // Set when a record failed validation; consumption stopped there and never resumes.
  bool damaged() const { return !damage_.empty(); }
  const std::string& damage() const { return damage_; }

  // Bytes reserved by producers that this consumer will never read: uncommitted slots of a
  // process that died mid-record, or everything behind a damaged record. Call after the
  // producer is gone.
  uint64_t UnreadBytes() const;

 private:
  RingHeader* header_;
  uint8_t* data_;
  uint64_t capacity_;  // read once: the producer could change the shared copy later
  uint64_t mask_;
  uint64_t tail_ = 0;  // our own copy; the shared tail is only ever written from it
  std::string damage_;
};

}  // namespace memwrap
