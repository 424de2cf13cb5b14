#include "time_merge.h"

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

void TimeMerge::Add(size_t queue_index, const uint8_t* records, size_t size,
                    uint64_t zero_time) {
  if (queue_index >= queues_.size()) return;
  Queue& queue = queues_[queue_index];
  size_t at = 0;
  while (at + sizeof(RecordHeader) <= size) {
    RecordHeader header;
    memcpy(&header, records + at, sizeof(header));
    // The rings' consumers validated these; a short or empty one still must not loop.
    if (header.size < sizeof(RecordHeader) || header.size > size - at) break;
    const bool timed = header.type != uint16_t(RecordType::kStack) &&
                       header.size >= sizeof(RecordHeader) + sizeof(uint64_t);
    uint64_t time = queue.last_time;
    bool stamp = false;
    if (timed) {
      memcpy(&time, records + at + sizeof(RecordHeader), sizeof(time));
      if (time == 0) {
        time = zero_time;
        stamp = true;
      }
      queue.last_time = time;
    }
    const Entry entry{time, queue.bytes.size(), header.size, TakesOut(header.type) ? 1u : 0u};
    queue.bytes.insert(queue.bytes.end(), records + at, records + at + header.size);
    // The trace gets the time the record was ordered by.
    if (stamp) memcpy(queue.bytes.data() + entry.offset + sizeof(RecordHeader), &time, sizeof(time));
    queue.entries.push_back(entry);
    pending_bytes_ += header.size;
    at += header.size;
  }
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
  size_t appended = 0;
  while (!heads.empty()) {
    const auto [time, order, index] = heads.top();
    if (!everything && time >= watermark) break;
    Queue& queue = queues_[index];
    const Entry& entry = queue.entries[queue.next];
    if (appended + entry.size > max_bytes) break;
    heads.pop();
    const uint8_t* bytes = queue.bytes.data() + entry.offset;
    out->insert(out->end(), bytes, bytes + entry.size);
    appended += entry.size;
    pending_bytes_ -= entry.size;
    ++queue.next;
    push(index);
  }
  for (Queue& queue : queues_) Compact(queue);
  return appended;
}

void TimeMerge::Compact(Queue& queue) {
  if (queue.next == queue.entries.size()) {
    queue.entries.clear();
    queue.bytes.clear();
    queue.next = 0;
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
  for (Entry& entry : queue.entries) entry.offset -= first;
}

}  // namespace memwrap
