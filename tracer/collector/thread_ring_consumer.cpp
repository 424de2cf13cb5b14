#include "tracer/collector/thread_ring_consumer.h"

#include <string.h>

#include "memwrap/records.h"
#include "tracer/collector/ring_consumer.h"

namespace memwrap {

ThreadRingConsumer::ThreadRingConsumer(ThreadRingHeader* ring, uint64_t capacity)
    : ring_(ring),
      data_(reinterpret_cast<const uint8_t*>(ring) + kThreadRingHeaderSize),
      capacity_(capacity),
      tail_(ring->tail.load(std::memory_order_relaxed)) {
  // Records are stored back to back from position 0 in multiples of 8 bytes.
  if (tail_ % kRecordAlign != 0)
    damage_ = "thread ring tail " + std::to_string(tail_) + " is misaligned";
}

ThreadRingConsumer::State ThreadRingConsumer::ReadState() const {
  State state;
  // Sequentially consistent: pairs with the writer's busy store (ring.h, merge step c).
  state.busy = ring_->busy.load(std::memory_order_seq_cst) != 0;
  state.floor_ts = ring_->floor_ts.load(std::memory_order_relaxed);
  return state;
}

void ThreadRingConsumer::CopyOut(uint64_t position, uint8_t* dst, uint64_t size) const {
  const uint64_t offset = position & (capacity_ - 1);
  const uint64_t first = capacity_ - offset < size ? capacity_ - offset : size;
  memcpy(dst, data_ + offset, first);
  if (first < size) memcpy(dst + first, data_, size - first);
}

size_t ThreadRingConsumer::Drain(ByteBuffer* out, uint64_t max_bytes) {
  if (damaged()) return 0;
  // Acquire: pairs with the writer's release store of head, made after the record bytes.
  const uint64_t head = ring_->head.load(std::memory_order_acquire);
  if (head == tail_) return 0;
  if (head < tail_ || head - tail_ > capacity_ || head % kRecordAlign != 0) {
    damage_ = "thread ring head " + std::to_string(head) + " is impossible against its tail " +
              std::to_string(tail_);
    return 0;
  }
  // One private copy of what is published, up to the budget (in at most two pieces), checked
  // record by record: the writer may change the ring's bytes under us, the copy cannot change.
  const uint64_t published = head - tail_;
  const uint64_t budget = max_bytes > kMaxRecordSize ? max_bytes : kMaxRecordSize;
  const uint64_t copied = published < budget ? published : budget;
  const size_t start = out->size();
  out->resize(start + copied);
  CopyOut(tail_, out->data() + start, copied);
  uint64_t at = 0;
  while (at < copied) {
    const uint64_t left = published - at;
    RecordHeader header;
    if (left < sizeof(header)) {
      damage_ = "thread ring ends inside a record header";
      break;
    }
    if (copied - at < sizeof(header)) break;  // the budget ends here
    memcpy(&header, out->data() + start + at, sizeof(header));
    if (header.size < sizeof(RecordHeader) || header.size > kMaxRecordSize ||
        header.size % kRecordAlign != 0 || header.size > left) {
      damage_ = "record at thread ring position " + std::to_string(tail_ + at) +
                " has impossible size " + std::to_string(header.size);
      break;
    }
    if (header.size > copied - at) break;  // the budget ends inside it: next time
    if (!ValidShimRecord(out->data() + start + at, header.size)) {
      damage_ = "malformed record of type " + std::to_string(header.type) +
                " at thread ring position " + std::to_string(tail_ + at);
      break;
    }
    at += header.size;
  }
  out->resize(start + at);
  tail_ += at;
  const size_t appended = size_t(at);
  // Release: our copies are complete before the writer may reuse the space. Pairs with its
  // acquire load of tail.
  ring_->tail.store(tail_, std::memory_order_release);
  return appended;
}

bool ThreadRingConsumer::Unread(uint64_t* ts_ns) const {
  *ts_ns = 0;
  if (damaged()) return false;
  const uint64_t head = ring_->head.load(std::memory_order_acquire);
  if (head <= tail_ || head - tail_ > capacity_) return head != tail_;
  uint8_t first[sizeof(RecordHeader) + sizeof(uint64_t)];
  if (head - tail_ < sizeof(first)) return true;
  CopyOut(tail_, first, sizeof(first));
  RecordHeader header;
  memcpy(&header, first, sizeof(header));
  if (header.type != uint16_t(RecordType::kStack) && header.size >= sizeof(first)) {
    memcpy(ts_ns, first + sizeof(header), sizeof(*ts_ns));
  }
  return true;
}

uint64_t ThreadRingConsumer::UnreadBytes() const {
  const uint64_t head = ring_->head.load(std::memory_order_acquire);
  if (head <= tail_) return 0;
  // A hostile head far beyond the ring counts as at most one ring's worth.
  return head - tail_ < capacity_ ? head - tail_ : capacity_;
}

}  // namespace memwrap
