// The k-way merge by time behind --buffers per-thread (include/memwrap/ring.h states the
// protocol and why the result is a valid linearisation of the heap): one queue per ring of a
// process image, each in the order its ring was read; Emit hands out, oldest first, the records
// older than a watermark below which no record can still arrive.
//
// Order: by ts_ns (bytes 8-15); on equal times a record that takes memory out of the heap
// (FREE, REALLOC_BEGIN, MUNMAP, MREMAP_BEGIN) goes first, then the lower queue. A queue's own
// order is never changed, except that SortByTime reorders a queue stably by time (the shared
// ring's, whose records come from many threads). A record without a time (STACK) takes the time
// of the record before it in its queue, so it stays behind that record.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "tracefile/byte_buffer.h"

namespace memwrap {

class TimeMerge {
 public:
  explicit TimeMerge(size_t queues);

  // Appends `size` bytes of whole, validated records to queue `queue`. A record whose time is 0
  // (a clockless thread's, see ring.h) gets `zero_time`.
  void Add(size_t queue, const uint8_t* records, size_t size, uint64_t zero_time);
  // The same without a copy: a ring's consumer appends whole records to Incoming(queue), then
  // AddIncoming(queue, zero_time) takes them in.
  ByteBuffer* Incoming(size_t queue) { return &queues_.at(queue).bytes; }
  void AddIncoming(size_t queue, uint64_t zero_time);
  // Orders the records of `queue` not emitted yet by time, stably.
  void SortByTime(size_t queue);

  // Appends to `out`, in merged order, the records whose time is below `watermark` (every
  // record if `everything`), as long as they fit in `max_bytes`. Returns the bytes appended.
  size_t Emit(uint64_t watermark, bool everything, size_t max_bytes, ByteBuffer* out);

  // The time of the last record added to `queue` (0 before any): no record added to it later
  // by a ring whose clock does not go back has an earlier one.
  uint64_t LastTime(size_t queue) const { return queues_.at(queue).last_time; }

  // Bytes added and not emitted yet.
  uint64_t pending_bytes() const { return pending_bytes_; }

 private:
  struct Entry {
    uint64_t time;
    uint64_t offset;  // in the queue's bytes
    uint32_t size;
    uint32_t takes_out;  // 1: FREE-like, first on equal times
  };
  struct Queue {
    ByteBuffer bytes;
    std::vector<Entry> entries;
    size_t next = 0;       // first entry not emitted
    uint64_t indexed = 0;  // bytes that have entries
    uint64_t last_time = 0;
  };
  void Compact(Queue& queue);

  std::vector<Queue> queues_;
  uint64_t pending_bytes_ = 0;
};

}  // namespace memwrap
