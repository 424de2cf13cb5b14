#include "tracer/collector/process_ring_reader.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "memwrap/monotonic_clock.h"

namespace memwrap {

namespace {

// CLOCK_MONOTONIC, then a fence that keeps the shared-memory loads that follow from running
// before the clock was read (merge step a in ring.h): on x86-64 the vDSO's ordered TSC read
// keeps it after earlier loads, and lfence keeps later ones after it.
uint64_t OrderedMonotonicNs() {
  const uint64_t now = MonotonicNs();
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("lfence" ::: "memory");
#elif defined(__aarch64__)
  asm volatile("isb" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
  return now;
}

constexpr size_t kMaxHeadHistory = 1024;
// Records held back for a writer that stays busy (a thread stopped in the middle of a record,
// by a debugger say) are emitted anyway beyond this much, so the collector's memory stays
// bounded; their order against that thread's record is then not guaranteed.
constexpr uint64_t kMaxHeldBytes = 256ull << 20;

}  // namespace

ProcessRingReader::ProcessRingReader(void* mapping, uint64_t (*clock)())
    : header_(static_cast<RingHeader*>(mapping)),
      clock_(clock != nullptr ? clock : OrderedMonotonicNs),
      shared_(mapping) {
  // Read once: the shim could change the shared copies later (Validate checked these).
  const uint32_t count = header_->thread_ring_count;
  const uint64_t capacity = header_->capacity;
  const uint64_t thread_capacity = header_->thread_ring_capacity;
  smallest_capacity_ = count == 0 ? capacity : std::min(capacity, thread_capacity);
  if (count == 0) return;
  threads_.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    auto* ring = reinterpret_cast<ThreadRingHeader*>(
        static_cast<uint8_t*>(mapping) + ThreadRingOffset(capacity, thread_capacity, i));
    threads_.emplace_back(ring, thread_capacity);
  }
  merge_ = std::make_unique<TimeMerge>(size_t(count) + 1);
}

size_t ProcessRingReader::Drain(ByteBuffer* out, size_t max_bytes, bool final) {
  if (!per_thread()) return shared_.Drain(out, max_bytes);
  // a. The clock first: whatever is not read below carries a later time, or is held back by a
  // floor (ring.h).
  const uint64_t now = clock_();
  // b. The shared ring (threads without a ring of their own).
  const uint64_t shared_head = header_->head.load(std::memory_order_acquire);
  if (shared_.Drain(merge_->Incoming(0), max_bytes) > 0) {
    merge_->AddIncoming(0, now);
    merge_->SortByTime(0);
  }
  uint64_t watermark = now;
  if (!shared_.damaged()) watermark = std::min(watermark, SharedFloor(now, shared_head));
  // c. Every thread's ring: its state before its head. What is read from the rings in one
  // round is bounded like the output, so that records do not pile up here faster than they
  // leave (the writers wait for room instead); a ring left with unread records bounds the
  // watermark by the first of them.
  bool made_room = false;
  uint64_t intake = final ? UINT64_MAX : max_bytes;
  for (size_t i = 0; i < threads_.size(); ++i) {
    const ThreadRingConsumer::State state = threads_[i].ReadState();
    if (intake > 0) {
      const size_t got = threads_[i].Drain(merge_->Incoming(i + 1), intake);
      if (got > 0) {
        merge_->AddIncoming(i + 1, now);
        made_room = true;
        intake -= std::min<uint64_t>(intake, got);
      }
    }
    if (threads_[i].damaged()) continue;
    uint64_t first_unread = 0;
    if (threads_[i].Unread(&first_unread)) {
      watermark = std::min(watermark, std::max(first_unread, merge_->LastTime(i + 1)));
    }
    if (state.busy) watermark = std::min(watermark, state.floor_ts);
  }
  if (made_room) {
    // As RingConsumer does for the shared ring: a writer waiting for room in its ring sleeps
    // on consumer_seq (ring.h).
    header_->consumer_seq.fetch_add(1, std::memory_order_seq_cst);
    if (header_->waiters.load(std::memory_order_seq_cst) != 0) {
      syscall(SYS_futex, &header_->consumer_seq, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
    }
  }
  // d./e. What lies below the watermark, oldest first; at the end, everything.
  return merge_->Emit(watermark, final || merge_->pending_bytes() > kMaxHeldBytes, max_bytes, out);
}

uint64_t ProcessRingReader::SharedFloor(uint64_t now, uint64_t shared_head) {
  const uint64_t unread_from = shared_.tail();
  uint64_t floor = now;
  if (unread_from < shared_head) {
    // Some slot reserved before this round's head load is not read yet: its time is at least
    // the clock of the latest round whose head did not go beyond it.
    floor = 0;
    size_t latest = head_history_.size();
    for (size_t i = 0; i < head_history_.size(); ++i) {
      if (head_history_[i].first <= unread_from && head_history_[i].second >= floor) {
        floor = head_history_[i].second;
        latest = i;
      }
    }
    // Rounds before that one can bound nothing later.
    if (latest < head_history_.size()) {
      head_history_.erase(head_history_.begin(), head_history_.begin() + std::ptrdiff_t(latest));
    }
  } else {
    head_history_.clear();
  }
  // Dropping a round only lowers later floors, which stays safe (ring.h).
  if (head_history_.size() >= kMaxHeadHistory) {
    std::vector<std::pair<uint64_t, uint64_t>> thinned;
    for (size_t i = 0; i < head_history_.size(); i += 2) thinned.push_back(head_history_[i]);
    head_history_ = std::move(thinned);
  }
  head_history_.emplace_back(shared_head, now);
  return floor;
}

bool ProcessRingReader::damaged() const {
  if (shared_.damaged()) return true;
  return std::any_of(threads_.begin(), threads_.end(),
                     [](const ThreadRingConsumer& ring) { return ring.damaged(); });
}

std::string ProcessRingReader::damage() const {
  if (shared_.damaged()) return shared_.damage();
  for (const ThreadRingConsumer& ring : threads_) {
    if (ring.damaged()) return ring.damage();
  }
  return "";
}

uint64_t ProcessRingReader::UnreadBytes() const {
  uint64_t unread = shared_.UnreadBytes();
  for (const ThreadRingConsumer& ring : threads_) unread += ring.UnreadBytes();
  if (merge_ != nullptr) unread += merge_->pending_bytes();
  return unread;
}

}  // namespace memwrap
