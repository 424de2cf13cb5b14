#include "tracer/collector/time_merge.h"

#include <string.h>

#include <algorithm>
#include <queue>
#include <tuple>

#include "memwrap/records.h"

namespace memwrap {

TimeMerge::TimeMerge(size_t queues) : queues_(queues) {}

namespace {

bool TakesOut(uint16_t type) {
  switch (RecordType(type)) {
    case RecordType::kFree:
    case RecordType::kReallocBegin:
    case RecordType::kMunmap:
    case RecordType::kMremapBegin:
      return true;
    default:
      return false;
  }
}

}  // namespace

void TimeMerge::Add(size_t queue_index, const uint8_t* records, size_t size, uint64_t zero_time) {
  if (queue_index >= queues_.size()) return;
  ByteBuffer& bytes = queues_[queue_index].bytes;
  bytes.insert(bytes.end(), records, records + size);
  AddIncoming(queue_index, zero_time);
}

void TimeMerge::AddIncoming(size_t queue_index, uint64_t zero_time) {
  if (queue_index >= queues_.size()) return;
  Queue& queue = queues_[queue_index];
  uint8_t* bytes = queue.bytes.data();
  const uint64_t end = queue.bytes.size();
  uint64_t at = queue.indexed;
  while (at + sizeof(RecordHeader) <= end) {
    RecordHeader header;
    memcpy(&header, bytes + at, sizeof(header));
    // The rings' consumers validated these; a short or empty one still must not loop.
    if (header.size < sizeof(RecordHeader) || header.size > end - at) break;
    uint64_t time = queue.last_time;
    if (ReadRecordTimestamp(bytes + at, header.size, &time)) {
      if (time == 0) {
        time = zero_time;
        // The trace gets the time the record was ordered by.
        WriteRecordTimestamp(bytes + at, time);
      }
      queue.last_time = time;
    }
    queue.entries.push_back(Entry{time, at, header.size, TakesOut(header.type) ? 1u : 0u});
    pending_bytes_ += header.size;
    at += header.size;
  }
  // Whatever does not parse is dropped (the consumers only append whole records).
  queue.bytes.resize(at);
  queue.indexed = at;
}

void TimeMerge::SortByTime(size_t queue_index) {
  if (queue_index >= queues_.size()) return;
  Queue& queue = queues_[queue_index];
  auto begin = queue.entries.begin() + std::ptrdiff_t(queue.next);
  auto earlier = [](const Entry& a, const Entry& b) { return a.time < b.time; };
  if (!std::is_sorted(begin, queue.entries.end(), earlier)) {
    std::stable_sort(begin, queue.entries.end(), earlier);
  }
}

size_t TimeMerge::Emit(uint64_t watermark, bool everything, size_t max_bytes, ByteBuffer* out) {
  // The head of every queue, smallest (time, takes out first, queue) on top.
  using Head = std::tuple<uint64_t, uint32_t, size_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heads;
  auto push = [&](size_t index) {
    const Queue& queue = queues_[index];
    if (queue.next < queue.entries.size()) {
      const Entry& entry = queue.entries[queue.next];
      heads.emplace(entry.time, entry.takes_out ? 0u : 1u, index);
    }
  };
  for (size_t i = 0; i < queues_.size(); ++i) push(i);
  // Grown once (ByteBuffer does not zero it) and cut back to what was written.
  const size_t start = out->size();
  out->resize(start + size_t(std::min<uint64_t>(max_bytes, pending_bytes_)));
  size_t appended = 0;
  bool full = false;
  while (!heads.empty() && !full) {
    const auto [time, order, index] = heads.top();
    if (!everything && time >= watermark) break;
    heads.pop();
    // A run of this queue: its records go out one after another as long as each comes before
    // every other queue's head (fewer heap operations when a thread's records cluster).
    Queue& queue = queues_[index];
    for (;;) {
      const Entry& entry = queue.entries[queue.next];
      if (appended + entry.size > max_bytes) {
        full = true;
        break;
      }
      memcpy(out->data() + start + appended, queue.bytes.data() + entry.offset, entry.size);
      appended += entry.size;
      pending_bytes_ -= entry.size;
      if (++queue.next == queue.entries.size()) break;
      const Entry& following = queue.entries[queue.next];
      if (!everything && following.time >= watermark) break;
      if (!heads.empty() &&
          !(Head(following.time, following.takes_out ? 0u : 1u, index) < heads.top())) {
        break;
      }
    }
    push(index);
  }
  out->resize(start + appended);
  for (Queue& queue : queues_) Compact(queue);
  return appended;
}

void TimeMerge::Compact(Queue& queue) {
  if (queue.next == queue.entries.size()) {
    queue.entries.clear();
    queue.bytes.clear();
    queue.next = 0;
    queue.indexed = 0;
    return;
  }
  // Emitted records are dropped once they are most of the queue; after SortByTime the bytes
  // of the entries left are not in order, so the smallest offset bounds what can go.
  if (queue.next < 4096 || queue.next * 2 < queue.entries.size()) return;
  uint64_t first = UINT64_MAX;
  for (size_t i = queue.next; i < queue.entries.size(); ++i) {
    first = std::min(first, queue.entries[i].offset);
  }
  queue.entries.erase(queue.entries.begin(), queue.entries.begin() + std::ptrdiff_t(queue.next));
  queue.next = 0;
  queue.bytes.erase(queue.bytes.begin(), queue.bytes.begin() + std::ptrdiff_t(first));
  queue.indexed -= first;
  for (Entry& entry : queue.entries) entry.offset -= first;
}

}  // namespace memwrap
