#include "tracefile/columnar_codec.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <unordered_map>
#include <vector>

#include "memwrap/records.h"
#include "tracefile/freed_blocks.h"
#include "tracefile/live_blocks.h"
#include "tracefile/record_cursor.h"
#include "tracefile/record_packing.h"
#include "tracefile/stack_frames.h"
#include "tracefile/varint.h"

namespace memwrap {
namespace {

// The columns, in the order they are stored. docs/trace-format.md says what each holds.
enum Stream : size_t {
  kOps,  // one byte per record: what it is and how its fields are coded
  // Heap events: zigzag(ts_ns - the previous heap event's) in codec 3, ts_ns - the thread's
  // previous heap event's in codec 4, in four streams by whether the previous event (of the
  // thread, in codec 4) and this one release a block (FREE, REALLOC_BEGIN) or not: the time
  // between two events depends on what the program did between them, and zstd codes each
  // stream with a table of its own.
  kTimes,
  kTimesLast = kTimes + 3,
  kTids,        // heap events on a thread not among the last three: the tid
  kTripleRefs,  // ALLOC / REALLOC_END not predicted: 0 new, else 1 + index of one seen before
  kSizes,       // a new triple's size
  kStacks,      // a new triple's stack: zigzag(stack - the previous new triple's)
  kFlags,       // a new triple's flags
  kReuse,       // ALLOC at a recently freed address: its place among them, minus 1
  kAddrs,       // ALLOC / REALLOC_END elsewhere: zigzag of the step from the predicted address
  kRanks,       // FREE / REALLOC_BEGIN of a block of the chunk: its rank among live blocks
  kFreeAddrs,   // FREE / REALLOC_BEGIN of another block: zigzag(addr - the previous such)
  kReallocOld,  // REALLOC_END whose old_addr is not its BEGIN's: the address
  kStackHeads,  // STACK: zigzag(id - previous id - 1), depth, shared, distance back
  kFrameRefs,   // STACK's new frames: 0 predicted, 1 new address, n >= 2 table index n - 2
  kFrameAddrs,  // STACK's new frame addresses: zigzag(frame - the previous new one)
  kOther,       // every other record, packed as codec 2 packs them
  kStreamCount,
};
// The columns of varints, kTimes to kFrameAddrs: in codec 4 each has a continuation column,
// stored after kOther in the same order (column kStreamCount + s - kTimes for stream s).
constexpr size_t kVarintStreams = kOther - kTimes;
size_t ColumnCount(ColumnarVersion version) {
  return version == ColumnarVersion::kCodec4 ? kStreamCount + kVarintStreams : kStreamCount;
}

// Op byte: bits 0-2 the kind.
enum Kind : uint8_t {
  kOtherKind = 0,
  kAllocKind = 1,
  kFreeKind = 2,
  kReallocBeginKind = 3,
  kReallocEndKind = 4,
  kStackKind = 5,
};
// Heap kinds, bits 3-4: the thread, as its place among the last three (3: in kTids).
constexpr int kTidShift = 3;
constexpr uint8_t kTidExplicit = 3;
// ALLOC and REALLOC_END, bit 5: the (size, stack, flags) is the one that followed the previous
// allocation's last time (loops allocate the same sequence again); else kTripleRefs says.
constexpr uint8_t kPredictedTriple = 0x20;
// ALLOC, bits 6-7: where the address is.
constexpr int kAddrShift = 6;
enum AddrMode : uint8_t {
  kFirstFreed = 0,  // the first candidate of freed_blocks.h
  kOtherFreed = 1,  // another candidate: its place minus 1 in kReuse
  kStep16 = 2,      // the predicted address plus 16 x a step (kAddrs)
  kStep = 3,        // the predicted address plus a step (kAddrs)
};
// FREE and REALLOC_BEGIN, bit 5: the address is in kFreeAddrs (not a live block of the chunk).
constexpr uint8_t kUnknownBlock = 0x20;
// REALLOC_END, bit 6: old_addr is in kReallocOld (not the last REALLOC_BEGIN's); bit 7:
// new_addr is old_addr (else a step from the predicted address in kAddrs).
constexpr uint8_t kOldExplicit = 0x40;
constexpr uint8_t kInPlace = 0x80;

// Where glibc's top chunk would place the next block: after this one, rounded as malloc
// rounds (8 bytes of header, 16-byte alignment, 32 bytes at least).
uint64_t NextAfter(uint64_t addr, uint64_t size) {
  const uint64_t chunk =
      size > (uint64_t(1) << 62) ? 0 : std::max<uint64_t>(32, (size + 8 + 15) & ~uint64_t(15));
  return addr + chunk;
}

// 32-bit fields (stack ids) as deltas modulo 2^32, zigzagged as signed 32-bit numbers.
uint64_t ZigZag32(uint32_t delta) {
  return ZigZag(uint64_t(int64_t(int32_t(delta))));
}
bool UnZigZag32(uint64_t value, uint32_t* delta) {
  const uint64_t wide = UnZigZag(value);
  *delta = uint32_t(wide);
  return int64_t(wide) == int64_t(int32_t(*delta));
}

struct Triple {
  uint64_t size;
  uint32_t stack;
  uint16_t flags;
  bool operator==(const Triple&) const = default;
};
// The encoder's index of the chunk's triples (std::unordered_map showed in profiles: one
// lookup per allocation). Open addressing, load factor at most 1/2, cleared per chunk.
class TripleIndex {
 public:
  void Clear() {
    for (uint32_t slot : used_) slots_[slot].index_plus_one = 0;
    used_.clear();
  }
  size_t size() const { return used_.size(); }
  // The index of `t`, added as the next index when it is new (`added` says so).
  uint32_t Intern(const Triple& t, bool* added) {
    if ((used_.size() + 1) * 2 > slots_.size()) Grow();
    size_t i = Hash(t);
    for (;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.index_plus_one == 0) break;
      if (slot.triple == t) {
        *added = false;
        return slot.index_plus_one - 1;
      }
    }
    slots_[i] = Slot{t, uint32_t(used_.size() + 1)};
    used_.push_back(uint32_t(i));
    *added = true;
    return uint32_t(used_.size() - 1);
  }

 private:
  struct Slot {
    Triple triple;
    uint32_t index_plus_one;  // 0: empty
  };
  size_t Hash(const Triple& t) const {
    const uint64_t h =
        (t.size * 0x9e3779b97f4a7c15ull) ^ (uint64_t(t.stack) * 0xc2b2ae3d27d4eb4full) ^ t.flags;
    return size_t(h ^ (h >> 29)) & mask_;
  }
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    std::vector<uint32_t> used;
    used.swap(used_);
    used_.resize(used.size());
    for (const uint32_t at : used) {
      const Slot& slot = old[at];
      size_t i = Hash(slot.triple);
      while (slots_[i].index_plus_one != 0) i = (i + 1) & mask_;
      slots_[i] = slot;
      used_[slot.index_plus_one - 1] = uint32_t(i);
    }
  }

  std::vector<Slot> slots_;
  std::vector<uint32_t> used_;  // by index: its slot
  size_t mask_ = 0;
};

// What one thread did last. A thread's allocations follow its own previous ones (a loop
// allocates the same sequence again; glibc serves each thread from an arena of its own), and
// when threads run at once their events interleave in the chunk: predictions from whichever
// thread came before would be another thread's.
struct ThreadState {
  uint64_t ts = 0;            // its previous heap event's time (at first: the chunk's latest)
  bool released = false;      // its previous heap event released a block
  uint32_t last_triple = 0;   // 1 + its previous allocation's triple, or 0
  uint64_t predicted = 0;     // where its next block would go (NextAfter its last one)
  uint64_t unknown_free = 0;  // the previous address it stored in kFreeAddrs
};

// State both sides keep, changed the same way by encoder and decoder.
class Context {
 public:
  // A new chunk, in which at most `max_blocks` blocks can be allocated; `per_thread`: codec
  // 4's predictions per thread, else codec 3's one state for all.
  void Reset(size_t max_blocks, bool per_thread) {
    ts = 0;
    tid_count = 0;
    threads.clear();
    shared_thread = ThreadState{};
    thread = per_thread ? nullptr : &shared_thread;
    thread_per_tid = per_thread;
    freed.Reset();
    successor.clear();
    realloc_old = 0;
    triple_stack = 0;
    stack_id = 0;
    frame_addr = 0;
    live.Reset(max_blocks);
    inner_of.clear();
  }

  // The thread's place among the last three (kTidExplicit: not among them); it becomes first.
  uint8_t TidCode(uint32_t tid) {
    uint8_t code = kTidExplicit;
    for (uint8_t i = 0; i < 3; ++i) {
      if (tid_count > i && tids[i] == tid) {
        code = i;
        break;
      }
    }
    UseTid(code, tid);
    return code;
  }
  void UseTid(uint8_t code, uint32_t tid) {
    size_t from = code == kTidExplicit ? std::min<size_t>(tid_count, 2) : code;
    if (code == kTidExplicit && tid_count < 3) ++tid_count;
    for (size_t i = from; i > 0; --i) tids[i] = tids[i - 1];
    tids[0] = tid;
    if (thread_per_tid && (thread == nullptr || thread_tid != tid)) {
      auto [it, added] = threads.try_emplace(tid);
      if (added) it->second.ts = ts;  // its first time is a step from the chunk's latest
      thread = &it->second;           // unordered_map: the reference stays valid as it grows
      thread_tid = tid;
    }
  }
  // The times stream of a heap event, by what it and its thread's previous one do (kTimes).
  Stream TimesFor(uint8_t kind) {
    const bool releases = kind == kFreeKind || kind == kReallocBeginKind;
    const Stream stream = Stream(kTimes + (thread->released ? 2 : 0) + (releases ? 1 : 0));
    thread->released = releases;
    return stream;
  }
  // The prediction of a thread's next allocation's triple: the one that followed its previous
  // one last time (in any thread).
  void Allocated(uint32_t triple) {
    if (thread->last_triple != 0) successor[thread->last_triple - 1] = triple + 1;
    thread->last_triple = triple + 1;
  }
  uint32_t Predicted() const {
    return thread->last_triple == 0 ? 0 : successor[thread->last_triple - 1];
  }

  uint64_t ts = 0;
  std::array<uint32_t, 3> tids{};
  size_t tid_count = 0;
  std::unordered_map<uint32_t, ThreadState> threads;  // codec 4
  ThreadState shared_thread;                          // codec 3: every thread's
  ThreadState* thread = nullptr;  // the current heap event's thread's state (set by UseTid)
  uint32_t thread_tid = 0;
  bool thread_per_tid = false;
  FreedBlocks freed;
  std::vector<uint32_t> successor;  // per triple: 1 + the triple allocated after it last, or 0
  uint64_t realloc_old = 0;         // the old_addr of the last REALLOC_BEGIN
  uint32_t triple_stack = 0;        // the stack of the previous new triple
  uint32_t stack_id = 0;            // the previous STACK's id
  uint64_t frame_addr = 0;          // the previous frame stored in kFrameAddrs
  LiveBlocks live;
  std::unordered_map<uint64_t, uint64_t> inner_of;  // frame -> the frame right inside it last
};

class Writer {
 public:
  // Split layout: the bytes after each varint's first go to `rest`.
  void SplitInto(Writer* rest) { rest_ = rest; }
  void Clear() { pos_ = data_.data(); }
  void Put(uint64_t value) {
    Room();
    if (rest_ == nullptr || value < 0x80) {
      pos_ = PutVarint(value, pos_);
      return;
    }
    *pos_++ = uint8_t(value) | 0x80;
    rest_->Put(value >> 7);
  }
  void Byte(uint8_t value) {
    Room();
    *pos_++ = value;
  }
  size_t size() const { return data_.empty() ? 0 : size_t(pos_ - data_.data()); }
  const uint8_t* data() const { return data_.data(); }

 private:
  void Room() {
    if (!data_.empty() && size_t(data_.data() + data_.size() - pos_) >= kMaxVarintBytes) return;
    const size_t used = size();
    data_.resize(std::max<size_t>(256, data_.size() * 2));
    pos_ = data_.data() + used;
  }
  ByteBuffer data_;
  uint8_t* pos_ = nullptr;
  Writer* rest_ = nullptr;
};

bool IsColumnar(const RecordHeader& h, const uint8_t* record) {
  switch (RecordType(h.type)) {
    case RecordType::kAlloc:
      return h.size == sizeof(AllocRecord);
    case RecordType::kReallocEnd:
      return h.size == sizeof(ReallocEndRecord);
    case RecordType::kFree:
    case RecordType::kReallocBegin: {
      uint32_t reserved;
      memcpy(&reserved, record + offsetof(FreeRecord, reserved), 4);
      static_assert(offsetof(FreeRecord, reserved) == offsetof(ReallocBeginRecord, reserved));
      return h.size == sizeof(FreeRecord) && h.flags == 0 && reserved == 0;
    }
    case RecordType::kStack: {
      uint32_t depth;
      memcpy(&depth, record + offsetof(StackRecord, depth), 4);
      return h.flags == 0 && h.size >= sizeof(StackRecord) &&
             (h.size - sizeof(StackRecord)) / 8 == depth && (h.size - sizeof(StackRecord)) % 8 == 0;
    }
    default:
      return false;
  }
}

}  // namespace

// The encoder's state; kept from chunk to chunk so that its memory is allocated once.
class ColumnarEncoder::State {
 public:
  explicit State(ColumnarVersion version) : version_(version) {
    c_.live.IndexAddresses(true);
    if (version == ColumnarVersion::kCodec4) {
      for (size_t i = kTimes; i < kOther; ++i) s_[i].SplitInto(&rest_[i - kTimes]);
    }
  }

  void Encode(const uint8_t* records, size_t size, ByteBuffer* out) {
    c_.Reset(size / sizeof(AllocRecord) + 1, version_ == ColumnarVersion::kCodec4);
    for (Writer& w : s_) w.Clear();
    for (Writer& w : rest_) w.Clear();
    triples_.Clear();
    frame_index_.clear();
    trie_.Reset();
    stacks_ = 0;
    ByteBuffer& others = others_;
    others.clear();
    size_t pos = 0;
    while (size - pos >= sizeof(RecordHeader)) {
      RecordHeader h;
      memcpy(&h, records + pos, sizeof(h));
      // The collector only writes records it validated; stop rather than loop on a bad one.
      if (h.size < sizeof(RecordHeader) || h.size > size - pos || h.size % kRecordAlign != 0 ||
          h.size > kMaxRecordSize || h.type == 0 || h.type > 0xff) {
        break;
      }
      const uint8_t* record = records + pos;
      if (!IsColumnar(h, record)) {
        s_[kOps].Byte(kOtherKind);
        others.insert(others.end(), record, record + h.size);
      } else {
        switch (RecordType(h.type)) {
          case RecordType::kAlloc:
            Alloc(record);
            break;
          case RecordType::kFree:
            Free(record, kFreeKind);
            break;
          case RecordType::kReallocBegin:
            Free(record, kReallocBeginKind);
            break;
          case RecordType::kReallocEnd:
            ReallocEnd(record);
            break;
          default:
            Stack(record);
            break;
        }
      }
      pos += h.size;
    }
    ByteBuffer& packed = packed_;
    packed.clear();
    RecordPacker::Pack(others.data(), others.size(), &packed);
    // The directory: the number of columns, then each one's size.
    const bool split = version_ == ColumnarVersion::kCodec4;
    uint8_t directory[kMaxVarintBytes * (kStreamCount + kVarintStreams + 1)];
    uint8_t* d = PutVarint(ColumnCount(version_), directory);
    for (size_t i = 0; i < kOther; ++i) d = PutVarint(s_[i].size(), d);
    d = PutVarint(packed.size(), d);
    if (split) {
      for (const Writer& w : rest_) d = PutVarint(w.size(), d);
    }
    out->insert(out->end(), directory, d);
    for (size_t i = 0; i < kOther; ++i)
      out->insert(out->end(), s_[i].data(), s_[i].data() + s_[i].size());
    out->insert(out->end(), packed.begin(), packed.end());
    if (split) {
      for (const Writer& w : rest_) out->insert(out->end(), w.data(), w.data() + w.size());
    }
  }

 private:
  uint8_t Heap(uint8_t kind, uint64_t ts, uint32_t tid) {
    const uint8_t code = c_.TidCode(tid);  // selects the thread's state
    if (code == kTidExplicit) s_[kTids].Put(tid);
    // Codec 4: a thread's own step, not negative (its clock does not go back): no zigzag.
    const uint64_t step = ts - c_.thread->ts;
    s_[c_.TimesFor(kind)].Put(c_.thread_per_tid ? step : ZigZag(step));
    c_.thread->ts = ts;
    c_.ts = ts;
    return uint8_t(kind | code << kTidShift);
  }

  uint8_t TripleOf(uint64_t size, uint32_t stack, uint16_t flags) {
    bool inserted;
    const uint32_t index = triples_.Intern(Triple{size, stack, flags}, &inserted);
    const bool predicted = !inserted && c_.Predicted() == index + 1;
    if (inserted) c_.successor.push_back(0);
    c_.Allocated(index);
    if (predicted) return kPredictedTriple;
    if (!inserted) {
      s_[kTripleRefs].Put(uint64_t(index) + 1);
      return 0;
    }
    s_[kTripleRefs].Put(0);
    s_[kSizes].Put(size);
    s_[kStacks].Put(ZigZag32(stack - c_.triple_stack));
    c_.triple_stack = stack;
    s_[kFlags].Put(flags);
    return 0;
  }

  // The address as the predicted address plus a step: in 16-byte units when it can be.
  uint8_t Step(uint64_t addr) {
    const uint64_t step = addr - c_.thread->predicted;
    if ((step & 15) == 0) {
      s_[kAddrs].Put(ZigZag(uint64_t(int64_t(step) >> 4)));
      return kStep16;
    }
    s_[kAddrs].Put(ZigZag(step));
    return kStep;
  }

  void Alloc(const uint8_t* record) {
    AllocRecord r;
    memcpy(&r, record, sizeof(r));
    uint8_t op = Heap(kAllocKind, r.ts_ns, r.tid);
    op |= TripleOf(r.size, r.stack, r.h.flags);
    uint8_t mode = 0;
    const uint32_t size_class = FreedBlocks::ClassOf(r.size);
    uint64_t place;
    if (c_.freed.Find(r.addr, size_class, &place)) {
      mode = place == 0 ? kFirstFreed : kOtherFreed;
      if (place > 0) s_[kReuse].Put(place - 1);
    } else {
      mode = Step(r.addr);
    }
    c_.thread->predicted = NextAfter(r.addr, r.size);
    c_.live.Add(r.addr, uint8_t(size_class));
    s_[kOps].Byte(uint8_t(op | mode << kAddrShift));
  }

  void Free(const uint8_t* record, uint8_t kind) {
    FreeRecord r;
    memcpy(&r, record, sizeof(r));
    uint8_t op = Heap(kind, r.ts_ns, r.tid);
    uint64_t rank;
    uint8_t size_class = 0;
    if (c_.live.TakeByAddress(r.addr, &rank, &size_class)) {
      s_[kRanks].Put(rank);
    } else {
      op |= kUnknownBlock;
      s_[kFreeAddrs].Put(ZigZag(r.addr - c_.thread->unknown_free));
      c_.thread->unknown_free = r.addr;
    }
    if (kind == kFreeKind) {
      c_.freed.Freed(r.addr, size_class);
    } else {
      c_.realloc_old = r.addr;
    }
    s_[kOps].Byte(op);
  }

  void ReallocEnd(const uint8_t* record) {
    ReallocEndRecord r;
    memcpy(&r, record, sizeof(r));
    uint8_t op = Heap(kReallocEndKind, r.ts_ns, r.tid);
    op |= TripleOf(r.size, r.stack, r.h.flags);
    if (r.old_addr != c_.realloc_old) {
      op |= kOldExplicit;
      s_[kReallocOld].Put(r.old_addr);
    }
    if (r.new_addr == r.old_addr) {
      op |= kInPlace;
    } else {
      // 0 (failure) is rare enough to cost a long step.
      s_[kAddrs].Put(ZigZag(r.new_addr - c_.thread->predicted));
    }
    if (r.new_addr != 0) {
      c_.thread->predicted = NextAfter(r.new_addr, r.size);
      c_.live.Add(r.new_addr, uint8_t(FreedBlocks::ClassOf(r.size)));
    }
    s_[kOps].Byte(op);
  }

  void Stack(const uint8_t* record) {
    StackRecord r;
    memcpy(&r, record, sizeof(r));
    const auto* frames = reinterpret_cast<const uint8_t*>(record + sizeof(r));
    frame_buffer_.resize(r.depth);
    if (r.depth > 0) memcpy(frame_buffer_.data(), frames, size_t(r.depth) * 8);
    uint32_t shared, parent;
    trie_.Add(frame_buffer_.data(), r.depth, &shared, &parent);
    s_[kStackHeads].Put(ZigZag32(r.id - c_.stack_id - 1));
    c_.stack_id = r.id;
    s_[kStackHeads].Put(r.depth);
    s_[kStackHeads].Put(shared);
    if (shared > 0) s_[kStackHeads].Put(stacks_ - parent);
    ++stacks_;
    // The new frames, outermost first (the order they are predicted in).
    for (uint32_t i = r.depth - shared; i > 0; --i) {
      const uint64_t frame = frame_buffer_[i - 1];
      const bool has_outer = i < r.depth;
      const uint64_t outer = has_outer ? frame_buffer_[i] : 0;
      auto predicted = has_outer ? c_.inner_of.find(outer) : c_.inner_of.end();
      if (predicted != c_.inner_of.end() && predicted->second == frame) {
        s_[kFrameRefs].Put(0);
      } else {
        auto [it, inserted] = frame_index_.try_emplace(frame, uint32_t(frame_index_.size()));
        if (inserted) {
          s_[kFrameRefs].Put(1);
          s_[kFrameAddrs].Put(ZigZag(frame - c_.frame_addr));
          c_.frame_addr = frame;
        } else {
          s_[kFrameRefs].Put(uint64_t(it->second) + 2);
        }
      }
      if (has_outer) c_.inner_of[outer] = frame;
    }
    s_[kOps].Byte(kStackKind);
  }

  const ColumnarVersion version_;
  Context c_;
  std::array<Writer, kOther> s_;
  std::array<Writer, kVarintStreams> rest_;  // the split layout's continuation columns
  TripleIndex triples_;
  std::unordered_map<uint64_t, uint32_t> frame_index_;
  SharedFrames trie_;
  uint32_t stacks_ = 0;
  std::vector<uint64_t> frame_buffer_;
  ByteBuffer others_;
  ByteBuffer packed_;
};

namespace {

class Reader {
 public:
  const uint8_t* p = nullptr;
  const uint8_t* end = nullptr;
  Reader* rest = nullptr;  // split layout: the continuation column
  bool Get(uint64_t* value) {
    if (rest == nullptr) return GetWhole(value);
    *value = 0;
    if (p == end) return false;
    const uint8_t first = *p++;
    if (first < 0x80) {
      *value = first;
      return true;
    }
    // The continuation holds value >> 7, which has 57 bits at most.
    uint64_t high;
    if (!rest->GetWhole(&high) || (high >> 57) != 0) return false;
    *value = (first & 0x7f) | high << 7;
    return true;
  }
  bool GetWhole(uint64_t* value) {
    *value = 0;  // defined on failure too (inlined, GCC cannot tell it is never read then)
    if (size_t(end - p) >= kMaxVarintBytes) return GetVarintUnchecked(p, value);
    return GetVarint(p, end, value);
  }
};

const char* const kStreamNames[kStreamCount] = {"ops",
                                                "times",
                                                "times alloc-free",
                                                "times free-alloc",
                                                "times free-free",
                                                "tids",
                                                "triple references",
                                                "sizes",
                                                "stacks",
                                                "flags",
                                                "reuse",
                                                "addresses",
                                                "ranks",
                                                "free addresses",
                                                "realloc old addresses",
                                                "stack heads",
                                                "frame references",
                                                "frame addresses",
                                                "other records"};

// A column's name in messages: its stream's, or "<stream> continuation" in the split layout.
std::string ColumnName(size_t column) {
  if (column < kStreamCount) return kStreamNames[column];
  return std::string(kStreamNames[column - kStreamCount + kTimes]) + " continuation";
}

}  // namespace

// The decoder's state; kept from chunk to chunk so that its memory is allocated once.
class ColumnarDecoder::State {
 public:
  bool Decode(ColumnarVersion version, const uint8_t* data, size_t size, size_t max_size,
              ByteBuffer* out, std::string* error) {
    max_size_ = max_size;
    max_triples_ = max_size / sizeof(AllocRecord) + 1;
    out_ = out;
    error_ = error;
    c_.Reset(max_size / sizeof(AllocRecord) + 1, version == ColumnarVersion::kCodec4);
    triples_.clear();
    frames_.clear();
    stacks_.clear();
    others_.clear();
    const uint8_t* p = data;
    const uint8_t* end = data + size;
    const size_t columns = ColumnCount(version);
    uint64_t count;
    if (!GetVarint(p, end, &count) || count != columns) {
      return Fail("columnar chunk with an unknown number of streams");
    }
    uint64_t sizes[kStreamCount + kVarintStreams];
    for (size_t i = 0; i < columns; ++i) {
      if (!GetVarint(p, end, &sizes[i])) return Fail("columnar chunk's directory cut off");
    }
    for (size_t i = 0; i < columns; ++i) {
      if (sizes[i] > size_t(end - p)) {
        error_->assign("columnar stream '" + ColumnName(i) + "' cut off");
        return false;
      }
      Reader& column = i < kStreamCount ? s_[i] : rest_[i - kStreamCount];
      column.p = p;
      column.end = p + sizes[i];
      p += sizes[i];
    }
    if (p != end) return Fail("bytes after the columnar streams");
    for (size_t i = kTimes; i < kOther; ++i) {
      s_[i].rest = version == ColumnarVersion::kCodec4 ? &rest_[i - kTimes] : nullptr;
    }
    if (!RecordPacker::Unpack(s_[kOther].p, size_t(s_[kOther].end - s_[kOther].p), max_size_,
                              &others_, error_)) {
      return false;
    }
    // Records are written through a pointer into space for max_size bytes (not zeroed, not
    // grown per record: that showed in profiles), cut to what was written at the end.
    start_ = out_->size();
    out_->resize(start_ + max_size_);
    q_ = out_->data() + start_;
    limit_ = q_ + max_size_;
    others_cursor_ = std::make_unique<RecordCursor>(others_.data(), others_.size());
    for (const uint8_t* op = s_[kOps].p; op != s_[kOps].end; ++op) {
      bool ok = false;
      switch (*op & 7) {
        case kOtherKind:
          ok = *op == kOtherKind && Other();
          break;
        case kAllocKind:
          ok = Alloc(*op);
          break;
        case kFreeKind:
          ok = Free(*op, RecordType::kFree);
          break;
        case kReallocBeginKind:
          ok = Free(*op, RecordType::kReallocBegin);
          break;
        case kReallocEndKind:
          ok = ReallocEnd(*op);
          break;
        case kStackKind:
          ok = *op == kStackKind && Stack();
          break;
        default:
          return Fail("columnar record of an unknown kind");
      }
      if (!ok) {
        if (error_->empty()) error_->assign("malformed columnar record");
        return false;
      }
    }
    for (size_t i = kTimes; i < columns; ++i) {
      if (i == kOther) continue;
      const Reader& column = i < kStreamCount ? s_[i] : rest_[i - kStreamCount];
      if (column.p != column.end) {
        error_->assign("columnar stream '" + ColumnName(i) + "' has bytes left");
        return false;
      }
    }
    RecordView rest;
    if (others_cursor_->TryNext(&rest)) return Fail("packed records left after the columns");
    out_->resize(size_t(q_ - out_->data()));
    return true;
  }

 private:
  bool Fail(const char* why) {
    error_->assign(why);
    return false;
  }
  // Every field goes through here: the message is built out of line.
  __attribute__((always_inline)) bool Get(Stream s, uint64_t* value) {
    if (__builtin_expect(s_[s].Get(value), 1)) return true;
    return CutOff(s);
  }
  __attribute__((noinline, cold)) bool CutOff(Stream s) {
    error_->assign(std::string("columnar stream '") + kStreamNames[s] + "' cut off");
    return false;
  }
  uint8_t* Room(size_t size) {
    if (size_t(limit_ - q_) < size) {
      error_->assign("columnar records decode to more than the chunk's stated size");
      return nullptr;
    }
    uint8_t* at = q_;
    q_ += size;
    return at;
  }

  // Inlined in its three callers: a call per heap event showed in profiles.
  __attribute__((always_inline)) bool Heap(uint8_t op, uint64_t* ts, uint32_t* tid) {
    const uint8_t code = (op >> kTidShift) & 3;
    if (code == kTidExplicit) {
      uint64_t value;
      if (!Get(kTids, &value)) return false;
      if (value > UINT32_MAX) return Fail("columnar tid out of range");
      *tid = uint32_t(value);
    } else {
      if (code >= c_.tid_count) return Fail("columnar record names a thread not seen");
      *tid = c_.tids[code];
    }
    c_.UseTid(code, *tid);  // selects the thread's state, which the time's stream depends on
    uint64_t delta;
    if (!Get(c_.TimesFor(op & 7), &delta)) return false;
    c_.thread->ts += c_.thread_per_tid ? delta : UnZigZag(delta);
    c_.ts = c_.thread->ts;
    *ts = c_.ts;
    return true;
  }

  bool TripleOf(uint8_t op, Triple* t) {
    uint64_t value = 0;
    if (op & kPredictedTriple) {
      const uint32_t predicted = c_.Predicted();
      if (predicted == 0) return Fail("columnar triple predicted from nothing");
      value = predicted;
    } else if (!Get(kTripleRefs, &value)) {
      return false;
    }
    if (value == 0) {
      uint64_t stack, flags;
      uint32_t delta;
      if (!Get(kSizes, &t->size) || !Get(kStacks, &stack) || !Get(kFlags, &flags)) return false;
      if (!UnZigZag32(stack, &delta) || flags > 0xffff) {
        return Fail("columnar stack or flags out of range");
      }
      t->stack = c_.triple_stack + delta;
      t->flags = uint16_t(flags);
      c_.triple_stack = t->stack;
      if (triples_.size() >= max_triples_)
        return Fail("columnar chunk with more triples than fit its size");
      triples_.push_back(*t);
      c_.successor.push_back(0);
      c_.Allocated(uint32_t(triples_.size() - 1));
      return true;
    }
    if (value > triples_.size()) return Fail("columnar reference to a triple not seen");
    *t = triples_[value - 1];
    c_.Allocated(uint32_t(value - 1));
    return true;
  }

  bool Alloc(uint8_t op) {
    AllocRecord r{};
    Triple t;
    if (!Heap(op, &r.ts_ns, &r.tid) || !TripleOf(op, &t)) return false;
    r.h = {sizeof(r), uint16_t(RecordType::kAlloc), t.flags};
    r.size = t.size;
    r.stack = t.stack;
    uint64_t value;
    const uint32_t size_class = FreedBlocks::ClassOf(r.size);
    switch (op >> kAddrShift) {
      case kFirstFreed:
        if (!c_.freed.Take(0, size_class, &r.addr))
          return Fail("columnar ALLOC reuses a free not seen");
        break;
      case kOtherFreed:
        if (!Get(kReuse, &value)) return false;
        if (value == UINT64_MAX || !c_.freed.Take(value + 1, size_class, &r.addr)) {
          return Fail("columnar ALLOC reuses a free not seen");
        }
        break;
      case kStep16:
        if (!Get(kAddrs, &value)) return false;
        r.addr = c_.thread->predicted + (UnZigZag(value) << 4);
        break;
      default:
        if (!Get(kAddrs, &value)) return false;
        r.addr = c_.thread->predicted + UnZigZag(value);
        break;
    }
    c_.thread->predicted = NextAfter(r.addr, r.size);
    if (!c_.live.Add(r.addr, uint8_t(size_class))) {
      return Fail("columnar chunk with more blocks than fit its size");
    }
    uint8_t* q = Room(sizeof(r));
    if (q == nullptr) return false;
    memcpy(q, &r, sizeof(r));
    return true;
  }

  bool Free(uint8_t op, RecordType type) {
    FreeRecord r{};
    if ((op & 0xc0) != 0) return Fail("columnar FREE with unknown bits");
    if (!Heap(op, &r.ts_ns, &r.tid)) return false;
    r.h = {sizeof(r), uint16_t(type), 0};
    uint64_t value;
    uint8_t size_class = 0;
    if (op & kUnknownBlock) {
      if (!Get(kFreeAddrs, &value)) return false;
      r.addr = c_.thread->unknown_free + UnZigZag(value);
      c_.thread->unknown_free = r.addr;
    } else {
      if (!Get(kRanks, &value)) return false;
      if (!c_.live.TakeByRank(value, &r.addr, &size_class)) {
        return Fail("columnar FREE of a block not live");
      }
    }
    if (type == RecordType::kFree) {
      c_.freed.Freed(r.addr, size_class);
    } else {
      c_.realloc_old = r.addr;
    }
    uint8_t* q = Room(sizeof(r));
    if (q == nullptr) return false;
    memcpy(q, &r, sizeof(r));
    return true;
  }

  bool ReallocEnd(uint8_t op) {
    ReallocEndRecord r{};
    Triple t;
    if (!Heap(op, &r.ts_ns, &r.tid) || !TripleOf(op, &t)) return false;
    r.h = {sizeof(r), uint16_t(RecordType::kReallocEnd), t.flags};
    r.size = t.size;
    r.stack = t.stack;
    r.old_addr = c_.realloc_old;
    if ((op & kOldExplicit) && !Get(kReallocOld, &r.old_addr)) return false;
    if (op & kInPlace) {
      r.new_addr = r.old_addr;
    } else {
      uint64_t value;
      if (!Get(kAddrs, &value)) return false;
      r.new_addr = c_.thread->predicted + UnZigZag(value);
    }
    if (r.new_addr != 0) {
      c_.thread->predicted = NextAfter(r.new_addr, r.size);
      if (!c_.live.Add(r.new_addr, uint8_t(FreedBlocks::ClassOf(r.size)))) {
        return Fail("columnar chunk with more blocks than fit its size");
      }
    }
    uint8_t* q = Room(sizeof(r));
    if (q == nullptr) return false;
    memcpy(q, &r, sizeof(r));
    return true;
  }

  bool Stack() {
    uint64_t id, depth, shared, distance = 0;
    if (!Get(kStackHeads, &id) || !Get(kStackHeads, &depth) || !Get(kStackHeads, &shared)) {
      return false;
    }
    uint32_t delta;
    if (!UnZigZag32(id, &delta)) return Fail("columnar stack id out of range");
    id = c_.stack_id + 1 + delta;  // modulo 2^32
    c_.stack_id = uint32_t(id);
    if (depth > (kMaxRecordSize - sizeof(StackRecord)) / 8 || shared > depth) {
      return Fail("columnar STACK of an impossible depth");
    }
    const uint8_t* parent = nullptr;
    uint32_t parent_depth = 0;
    if (shared > 0) {
      if (!Get(kStackHeads, &distance)) return false;
      if (distance == 0 || distance > stacks_.size())
        return Fail("columnar STACK shares frames with a stack not seen");
      memcpy(&parent_depth,
             out_->data() + stacks_[stacks_.size() - distance] + offsetof(StackRecord, depth), 4);
      if (shared > parent_depth) return Fail("columnar STACK shares more frames than there are");
    }
    const size_t size = sizeof(StackRecord) + depth * 8;
    uint8_t* q = Room(size);
    if (q == nullptr) return false;
    const size_t at = size_t(q - out_->data());
    if (shared > 0)
      parent = out_->data() + stacks_[stacks_.size() - distance] + sizeof(StackRecord);
    StackRecord r{};
    r.h = {uint32_t(size), uint16_t(RecordType::kStack), 0};
    r.id = uint32_t(id);
    r.depth = uint32_t(depth);
    memcpy(q, &r, sizeof(r));
    uint8_t* frames = q + sizeof(r);
    if (shared > 0)
      memcpy(frames + (depth - shared) * 8, parent + (parent_depth - shared) * 8, shared * 8);
    stacks_.push_back(at);
    for (size_t i = depth - shared; i > 0; --i) {
      uint64_t ref, frame;
      if (!Get(kFrameRefs, &ref)) return false;
      const bool has_outer = i < depth;
      uint64_t outer = 0;
      if (has_outer) memcpy(&outer, frames + i * 8, 8);
      if (ref == 0) {
        auto predicted = has_outer ? c_.inner_of.find(outer) : c_.inner_of.end();
        if (predicted == c_.inner_of.end()) return Fail("columnar frame predicted from nothing");
        frame = predicted->second;
      } else if (ref == 1) {
        uint64_t value;
        if (!Get(kFrameAddrs, &value)) return false;
        frame = c_.frame_addr + UnZigZag(value);
        c_.frame_addr = frame;
        frames_.push_back(frame);
      } else {
        if (ref - 2 >= frames_.size()) return Fail("columnar reference to a frame not seen");
        frame = frames_[ref - 2];
      }
      if (has_outer) c_.inner_of[outer] = frame;
      memcpy(frames + (i - 1) * 8, &frame, 8);
    }
    return true;
  }

  bool Other() {
    RecordView record;
    if (!others_cursor_->TryNext(&record)) return Fail("columnar chunk lacks a packed record");
    uint8_t* q = Room(record.size);
    if (q == nullptr) return false;
    memcpy(q, record.data, record.size);
    return true;
  }

  Context c_;
  size_t max_size_ = 0;
  size_t max_triples_ = 0;  // each new triple comes with an allocation record
  ByteBuffer* out_ = nullptr;
  std::string* error_ = nullptr;
  size_t start_ = 0;
  uint8_t* q_ = nullptr;      // where the next record goes
  uint8_t* limit_ = nullptr;  // start + max_size
  std::array<Reader, kStreamCount> s_;
  std::array<Reader, kVarintStreams> rest_;  // the split layout's continuation columns
  ByteBuffer others_;
  std::unique_ptr<RecordCursor> others_cursor_;
  std::vector<Triple> triples_;
  std::vector<uint64_t> frames_;
  std::vector<size_t> stacks_;  // offsets of the chunk's STACK records in out_
};

ColumnarEncoder::ColumnarEncoder(ColumnarVersion version)
    : state_(std::make_unique<State>(version)) {}
ColumnarEncoder::~ColumnarEncoder() = default;

void ColumnarEncoder::Encode(const uint8_t* records, size_t size, ByteBuffer* out) {
  state_->Encode(records, size, out);
}

ColumnarDecoder::ColumnarDecoder() : state_(std::make_unique<State>()) {}
ColumnarDecoder::~ColumnarDecoder() = default;

bool ColumnarDecoder::Decode(ColumnarVersion version, const uint8_t* data, size_t size,
                             size_t max_size, ByteBuffer* out, std::string* error) {
  const size_t start = out->size();
  error->clear();
  if (!state_->Decode(version, data, size, max_size, out, error)) {
    out->resize(start);
    return false;
  }
  return true;
}

}  // namespace memwrap
