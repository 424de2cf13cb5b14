// The columnar codec of records chunks (codec 3): exact round trips of heap streams as programs
// make them and as hostile or damaged ones look, compactness, and refusal of malformed input.
#include "tracefile/columnar_codec.h"

#include <gtest/gtest.h>
#include <string.h>

#include <algorithm>
#include <random>
#include <vector>

#include "memwrap/records.h"
#include "tracefile/live_blocks.h"
#include "tracefile/record_packing.h"
#include "tracefile/varint.h"

namespace memwrap {
namespace {

class Records {
 public:
  template <class T>
  void Add(const T& record) {
    const auto* p = reinterpret_cast<const uint8_t*>(&record);
    bytes.insert(bytes.end(), p, p + sizeof(record));
  }
  void Alloc(uint64_t ts, uint64_t addr, uint64_t size, uint32_t tid, uint32_t stack,
             uint16_t flags = 0) {
    AllocRecord r{};
    r.h = {sizeof(r), uint16_t(RecordType::kAlloc), flags};
    r.ts_ns = ts;
    r.addr = addr;
    r.size = size;
    r.tid = tid;
    r.stack = stack;
    Add(r);
  }
  void Free(uint64_t ts, uint64_t addr, uint32_t tid, RecordType type = RecordType::kFree) {
    FreeRecord r{};
    r.h = {sizeof(r), uint16_t(type), 0};
    r.ts_ns = ts;
    r.addr = addr;
    r.tid = tid;
    Add(r);
  }
  void ReallocEnd(uint64_t ts, uint64_t old_addr, uint64_t new_addr, uint64_t size, uint32_t tid,
                  uint32_t stack) {
    ReallocEndRecord r{};
    r.h = {sizeof(r), uint16_t(RecordType::kReallocEnd), uint16_t(AllocKind::kRealloc)};
    r.ts_ns = ts;
    r.old_addr = old_addr;
    r.new_addr = new_addr;
    r.size = size;
    r.tid = tid;
    r.stack = stack;
    Add(r);
  }
  void Stack(uint32_t id, const std::vector<uint64_t>& frames) {
    StackRecord s{};
    s.h = {uint32_t(sizeof(s) + frames.size() * 8), uint16_t(RecordType::kStack), 0};
    s.id = id;
    s.depth = uint32_t(frames.size());
    Add(s);
    for (uint64_t frame : frames) Add(frame);
  }
  void Sample(uint64_t ts, uint64_t rss) {
    MemorySampleRecord m{};
    m.h = {sizeof(m), uint16_t(RecordType::kMemorySample), 0};
    m.ts_ns = ts;
    m.rss = rss;
    Add(m);
  }
  ByteBuffer bytes;
};

ByteBuffer Encode(const ByteBuffer& records, ColumnarVersion version) {
  ByteBuffer encoded;
  ColumnarCodec::Encode(records.data(), records.size(), &encoded, version);
  return encoded;
}

// Encodes, decodes and expects every byte back; returns the encoded size.
size_t ExpectRoundTrip(const ByteBuffer& records, ColumnarVersion version) {
  ByteBuffer encoded = Encode(records, version);
  ByteBuffer decoded;
  std::string error;
  EXPECT_TRUE(ColumnarCodec::Decode(encoded.data(), encoded.size(), records.size(), &decoded,
                                    &error, version))
      << error;
  EXPECT_EQ(decoded.size(), records.size());
  if (decoded.size() == records.size()) {
    for (size_t i = 0; i < records.size(); ++i) {
      if (decoded[i] != records[i]) {
        ADD_FAILURE() << "first difference at byte " << i;
        break;
      }
    }
  }
  return encoded.size();
}

// A program's heap as glibc would serve it: threads allocating from a few call chains (stacks
// that share their outer frames), freeing mostly what they allocated last, reusing freed
// addresses, growing the heap at its top; reallocs in place, moved and failed; frees of
// blocks from before the chunk; memory samples in between.
ByteBuffer ProgramLike(int events, int threads, uint64_t seed) {
  std::mt19937_64 random(seed);
  Records r;
  uint64_t ts = 5'000'000'000;
  uint64_t top = 0x5555'5555'0000;
  std::vector<std::vector<uint64_t>> live{size_t(threads)};
  std::vector<uint64_t> freed;
  uint32_t next_stack = 1;
  std::vector<uint64_t> outer = {0x401000, 0x401200, 0x7f00'0010'0000};
  for (int i = 0; i < events; ++i) {
    ts += 20 + random() % 400;
    const uint32_t t = uint32_t(random() % uint64_t(threads));
    const uint32_t tid = 4000 + t;
    const uint64_t dice = random() % 100;
    if (dice < 3 && next_stack < 200) {
      std::vector<uint64_t> frames;
      const size_t depth = 1 + random() % 30;
      for (size_t d = 0; d < depth; ++d) frames.push_back(0x402000 + (random() % 64) * 0x10);
      frames.insert(frames.end(), outer.begin(), outer.end());
      r.Stack(next_stack++, frames);
    } else if (dice < 45 || live[t].empty()) {
      const uint64_t size = 8 * (1 + random() % 12);
      uint64_t addr;
      if (!freed.empty() && random() % 3 != 0) {
        addr = freed.back();
        freed.pop_back();
      } else {
        addr = top;
        top += (size + 8 + 15) & ~uint64_t(15);
      }
      r.Alloc(ts, addr, size, tid, 1 + uint32_t(random() % next_stack), uint16_t(random() % 3));
      live[t].push_back(addr);
    } else if (dice < 85) {
      // Mostly the newest block, sometimes an older one, sometimes one from before the chunk.
      uint64_t addr;
      if (random() % 10 == 0) {
        addr = 0x5555'4000'0000 + (random() % 100000) * 16;
      } else {
        const size_t back = random() % 4 == 0 ? random() % live[t].size() : 0;
        const size_t at = live[t].size() - 1 - back;
        addr = live[t][at];
        live[t].erase(live[t].begin() + ptrdiff_t(at));
      }
      r.Free(ts, addr, tid);
      freed.push_back(addr);
    } else if (dice < 97) {
      const uint64_t old_addr = live[t].back();
      live[t].pop_back();
      r.Free(ts, old_addr, tid, RecordType::kReallocBegin);
      const uint64_t choice = random() % 4;
      uint64_t new_addr = old_addr;  // in place
      if (choice == 1) {
        new_addr = top;  // moved
        top += 4096;
      } else if (choice == 2) {
        new_addr = 0;  // failed, or realloc(p, 0)
      }
      r.ReallocEnd(ts + 30, old_addr, new_addr, 100 + random() % 4000, tid, 1);
      live[t].push_back(new_addr != 0 ? new_addr : old_addr);
    } else {
      r.Sample(ts, 1 << 20);
    }
  }
  return std::move(r.bytes);
}

// Every round trip and refusal in both layouts: codec 3's whole varints, which traces of format
// 1.2 to 1.4 hold, and codec 4's split ones, which memwrap writes.
class ColumnarCodecLayouts : public testing::TestWithParam<ColumnarVersion> {};
INSTANTIATE_TEST_SUITE_P(WholeAndSplit, ColumnarCodecLayouts,
                         testing::Values(ColumnarVersion::kCodec3, ColumnarVersion::kCodec4),
                         [](const testing::TestParamInfo<ColumnarVersion>& version) {
                           return version.param == ColumnarVersion::kCodec3 ? "Codec3" : "Codec4";
                         });

TEST_P(ColumnarCodecLayouts, RoundTripsProgramLikeStreams) {
  for (int threads : {1, 4}) {
    ByteBuffer records = ProgramLike(30000, threads, uint64_t(threads));
    const size_t size = ExpectRoundTrip(records, GetParam());
    // Codec 2 packs the same records into more bytes: the columns must do better than it even
    // before zstd.
    ByteBuffer packed;
    RecordPacker::Pack(records.data(), records.size(), &packed);
    EXPECT_LT(size, packed.size() * 3 / 4) << threads << " threads";
  }
}

TEST_P(ColumnarCodecLayouts, RoundTripsAnEmptyChunk) {
  ByteBuffer none;
  ExpectRoundTrip(none, GetParam());
}

TEST_P(ColumnarCodecLayouts, RoundTripsManyThreads) {
  Records r;
  for (uint32_t i = 0; i < 3000; ++i) {
    const uint32_t tid = 100 + (i * 7919) % 257;  // 257 threads in no order
    r.Alloc(1000 + i, 0x10000 + i * 32, 24, tid, i % 5);
    if (i % 3 == 0) r.Free(1001 + i, 0x10000 + i * 32, tid);
  }
  ExpectRoundTrip(r.bytes, GetParam());
}

// Values at the edges of their fields: time going back, addresses 0 and 2^64 - 16, sizes
// whose rounding would overflow, every bit of tid, stack and flags.
TEST_P(ColumnarCodecLayouts, RoundTripsExtremeValues) {
  Records r;
  r.Alloc(~0ull, 0, ~0ull, ~0u, ~0u, 0xffff);
  r.Alloc(0, ~0ull - 15, (1ull << 62) + 1, 0, 0, 0);
  r.Alloc(1ull << 63, 8, 0, 1, 1, 0x1ff);
  r.Alloc(3, 0x7fff'ffff'ffff'fff1, 1, 1, 1, 0);
  r.Free(2, 0, ~0u);
  r.Free(~0ull, ~0ull - 15, 0);
  r.Free(0, ~0ull, 7);                  // never allocated
  r.Free(0, 0x7fff'ffff'ffff'fff1, 7);  // freed twice: the second is of an unknown block
  r.Free(0, 0x7fff'ffff'ffff'fff1, 7);
  r.Alloc(5, ~0ull - 15, 16, 3, 3);          // the address freed last, again
  r.ReallocEnd(9, ~0ull, 0, ~0ull, 9, ~0u);  // an END without its BEGIN
  r.Stack(~0u, {~0ull, 0, 1ull << 63});
  r.Stack(0, {});
  r.Stack(5, std::vector<uint64_t>(kMaxStackDepth, 0x401000));
  std::vector<uint64_t> longest((kMaxRecordSize - sizeof(StackRecord)) / 8);
  for (size_t i = 0; i < longest.size(); ++i) longest[i] = i * 0x1234567;
  r.Stack(6, longest);
  ExpectRoundTrip(r.bytes, GetParam());
}

// The same address allocated twice without a free between (the free was not recorded), and
// frees in every order.
TEST_P(ColumnarCodecLayouts, RoundTripsInconsistentHeapStreams) {
  Records r;
  for (uint64_t i = 0; i < 200; ++i) r.Alloc(i, 0x1000 + (i % 50) * 16, 8, 1, 1);
  for (uint64_t i = 0; i < 200; ++i) r.Free(300 + i, 0x1000 + ((i * 37) % 60) * 16, 1);
  for (uint64_t i = 0; i < 20; ++i) {
    r.Free(600 + i, 0x1000 + i * 16, 1, RecordType::kReallocBegin);
    r.Free(600 + i, 0x1000 + i * 16, 1, RecordType::kReallocBegin);  // a BEGIN without END
    r.ReallocEnd(600 + i, 0x1000 + i * 16, 0x1000 + i * 16, i, 1, 2);
  }
  ExpectRoundTrip(r.bytes, GetParam());
}

// Records the columns do not model are kept as they are: other types, heap records with
// unusual flags or reserved bytes, records that grew, STACKs whose size and depth disagree.
TEST_P(ColumnarCodecLayouts, RoundTripsRecordsOutsideTheColumns) {
  Records r;
  r.Sample(10, 1 << 20);
  FreeRecord odd{};
  odd.h = {sizeof(odd), uint16_t(RecordType::kFree), 3};
  odd.ts_ns = 11;
  odd.addr = 0x1000;
  odd.reserved = 0xdeadbeef;
  r.Add(odd);
  odd.h.flags = 0;
  r.Add(odd);
  struct Longer {
    AllocRecord a;
    uint64_t more;
  } longer{};
  longer.a.h = {sizeof(longer), uint16_t(RecordType::kAlloc), 0};
  longer.more = 42;
  r.Add(longer);
  StackRecord mismatch{};
  mismatch.h = {sizeof(mismatch) + 16, uint16_t(RecordType::kStack), 0};
  mismatch.depth = 1;
  r.Add(mismatch);
  r.Add(uint64_t(0x401000));
  r.Add(uint64_t(0x401001));
  RecordHeader bare{8, 200, 0xffff};
  r.Add(bare);
  r.Alloc(12, 0x2000, 16, 1, 1);
  ExpectRoundTrip(r.bytes, GetParam());
}

// A new stack stores the outer frames it shares with an earlier one as a reference: ten deep
// stacks that differ in their innermost frame only cost little more than one.
TEST_P(ColumnarCodecLayouts, SharesOuterFramesBetweenStacks) {
  std::vector<uint64_t> frames;
  for (uint64_t i = 0; i < 60; ++i) frames.push_back(0x400000 + i * 0x3456);
  Records one;
  one.Stack(1, frames);
  Records ten;
  for (uint32_t id = 1; id <= 10; ++id) {
    frames[0] = 0x500000 + id * 0x40;
    ten.Stack(id, frames);
  }
  const size_t single = ExpectRoundTrip(one.bytes, GetParam());
  EXPECT_LT(ExpectRoundTrip(ten.bytes, GetParam()), single + 10 * 12);
}

TEST_P(ColumnarCodecLayouts, RefusesEveryCutOffEncoding) {
  ByteBuffer records = ProgramLike(400, 3, 7);
  ByteBuffer encoded = Encode(records, GetParam());
  for (size_t size = 0; size < encoded.size(); ++size) {
    ByteBuffer out;
    std::string error;
    EXPECT_FALSE(
        ColumnarCodec::Decode(encoded.data(), size, records.size(), &out, &error, GetParam()))
        << size;
    EXPECT_FALSE(error.empty());
    EXPECT_TRUE(out.empty());
  }
}

TEST_P(ColumnarCodecLayouts, RefusesMoreRecordsThanTheChunkSays) {
  ByteBuffer records = ProgramLike(400, 3, 8);
  ByteBuffer encoded = Encode(records, GetParam());
  ByteBuffer out;
  std::string error;
  EXPECT_FALSE(ColumnarCodec::Decode(encoded.data(), encoded.size(), records.size() - 8, &out,
                                     &error, GetParam()));
  EXPECT_EQ(error, "columnar records decode to more than the chunk's stated size");
}

// Hand-made encodings, each wrong in one way, each refused with its reason.
TEST(ColumnarCodec, RefusesImpossibleReferences) {
  // The columns by number (docs/trace-format.md): 0 ops, 1-4 times, 5 tids, 6 triple
  // references, 7 sizes, 8 stacks, 9 flags, 12 ranks, 15 stack heads, 16 frame references.
  constexpr size_t kStreams = 19;
  // Builds an encoding from (stream, bytes) pairs.
  auto make = [&](std::vector<std::pair<size_t, std::vector<uint8_t>>> parts) {
    std::vector<std::vector<uint8_t>> streams(kStreams);
    for (auto& [stream, bytes] : parts) streams[stream] = bytes;
    ByteBuffer out;
    out.push_back(kStreams);
    for (auto& s : streams) out.push_back(uint8_t(s.size()));
    for (auto& s : streams) out.insert(out.end(), s.begin(), s.end());
    return out;
  };
  struct Case {
    const char* error;
    ByteBuffer encoded;
  };
  const uint8_t explicit_tid = 3 << 3;
  const Case cases[] = {
      {"columnar chunk with an unknown number of streams", ByteBuffer{15}},
      {"columnar record of an unknown kind", make({{0, {6}}})},
      // ALLOC on thread "second most recent" with no thread seen.
      {"columnar record names a thread not seen", make({{0, {1 | 1 << 3}}, {1, {0}}})},
      // ALLOC whose triple is "the one predicted", with no triple seen.
      {"columnar triple predicted from nothing",
       make({{0, {1 | explicit_tid | 0x20}}, {1, {0}}, {5, {1}}})},
      // ALLOC with a reference to triple 1 and no triple.
      {"columnar reference to a triple not seen",
       make({{0, {1 | explicit_tid}}, {1, {0}}, {5, {1}}, {6, {2}}})},
      // ALLOC of a new triple at "the first freed address" with nothing freed.
      {"columnar ALLOC reuses a free not seen",
       make({{0, {1 | explicit_tid}}, {1, {0}}, {5, {1}}, {6, {0}}, {7, {8}}, {8, {0}}, {9, {0}}})},
      // FREE of rank 0 with no live block (its time is in the alloc-free column).
      {"columnar FREE of a block not live",
       make({{0, {2 | explicit_tid}}, {2, {0}}, {5, {1}}, {12, {0}}})},
      {"columnar FREE with unknown bits", make({{0, {2 | 0x40}}})},
      // STACK sharing frames with a stack not seen.
      {"columnar STACK shares frames with a stack not seen", make({{0, {5}}, {15, {0, 2, 1, 1}}})},
      {"columnar STACK of an impossible depth", make({{0, {5}}, {15, {0, 1, 2}}})},
      // A frame predicted with nothing to predict it from.
      {"columnar frame predicted from nothing", make({{0, {5}}, {15, {0, 1, 0}}, {16, {0}}})},
      {"columnar reference to a frame not seen", make({{0, {5}}, {15, {0, 1, 0}}, {16, {2}}})},
      {"columnar stream 'times' has bytes left", make({{1, {0}}})},
      {"columnar chunk lacks a packed record", make({{0, {0}}})},
      // An ALLOC on a new thread (its tid read first), whose time is missing.
      {"columnar stream 'times' cut off", make({{0, {1 | explicit_tid}}, {5, {1}}})},
  };
  for (const Case& c : cases) {
    ByteBuffer out;
    std::string error;
    EXPECT_FALSE(ColumnarCodec::Decode(c.encoded.data(), c.encoded.size(), 1 << 16, &out, &error,
                                       ColumnarVersion::kCodec3))
        << c.error;
    EXPECT_EQ(error, c.error);
  }
}

// Codec 4's own refusals: its directory has 36 columns (the 19 of codec 3, then a continuation
// column for each of columns 1 to 17), and a varint whose first byte says "more" takes the rest
// from its continuation column.
TEST(ColumnarCodec, RefusesBrokenContinuationColumns) {
  constexpr size_t kColumns = 36, kTimesContinuation = 19;
  auto make = [&](std::vector<std::pair<size_t, std::vector<uint8_t>>> parts) {
    std::vector<std::vector<uint8_t>> columns(kColumns);
    for (auto& [column, bytes] : parts) columns[column] = bytes;
    ByteBuffer out;
    out.push_back(kColumns);
    for (auto& c : columns) out.push_back(uint8_t(c.size()));
    for (auto& c : columns) out.insert(out.end(), c.begin(), c.end());
    return out;
  };
  const uint8_t alloc_on_new_thread = 1 | 3 << 3;
  struct Case {
    const char* error;
    ByteBuffer encoded;
  };
  const Case cases[] = {
      // The time's first byte says more follows; its continuation column is empty.
      {"columnar stream 'times' cut off",
       make({{0, {alloc_on_new_thread}}, {5, {1}}, {1, {0x80}}})},
      // The continuation holds more than the 57 bits a varint's high part can have.
      {"columnar stream 'times' cut off",
       make({{0, {alloc_on_new_thread}},
             {5, {1}},
             {1, {0x80}},
             {kTimesContinuation, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}}})},
      {"columnar stream 'times continuation' has bytes left", make({{kTimesContinuation, {1}}})},
      // Codec 3's directory under codec 4 and the other way round.
      {"columnar chunk with an unknown number of streams",
       Encode(ByteBuffer{}, ColumnarVersion::kCodec3)},
  };
  for (const Case& c : cases) {
    ByteBuffer out;
    std::string error;
    EXPECT_FALSE(ColumnarCodec::Decode(c.encoded.data(), c.encoded.size(), 1 << 16, &out, &error,
                                       ColumnarVersion::kCodec4))
        << c.error;
    EXPECT_EQ(error, c.error);
  }
  const ByteBuffer split = Encode(ByteBuffer{}, ColumnarVersion::kCodec4);
  ByteBuffer out;
  std::string error;
  EXPECT_FALSE(ColumnarCodec::Decode(split.data(), split.size(), 1 << 16, &out, &error,
                                     ColumnarVersion::kCodec3));
  EXPECT_EQ(error, "columnar chunk with an unknown number of streams");
}

// A value's low 7 bits stay in its column and the bytes after them go to the continuation
// column, so a column of large numbers holds one byte per value.
TEST(ColumnarCodec, SplitsEachVarintAfterItsFirstByte) {
  Records r;
  // Codec 3 stores zigzag(time step): 600 (varint D8 04), then 1200 (B0 09). Codec 4 stores a
  // thread's step itself, which is never negative within a thread: 300 (AC 02), 600 (D8 04).
  r.Alloc(300, 0x10000, 64, 7, 1);
  r.Alloc(300 + 600, 0x10050, 64, 7, 1);
  // A form's columns by number, from its directory (every size here fits one byte).
  auto column = [](const ByteBuffer& form, size_t i) {
    const size_t count = form[0];
    size_t at = 1 + count;
    for (size_t k = 0; k < i; ++k) at += form[1 + k];
    return std::vector<uint8_t>(form.begin() + ptrdiff_t(at),
                                form.begin() + ptrdiff_t(at + form[1 + i]));
  };
  const ByteBuffer whole = Encode(r.bytes, ColumnarVersion::kCodec3);
  const ByteBuffer split = Encode(r.bytes, ColumnarVersion::kCodec4);
  ASSERT_EQ(whole[0], 19);
  ASSERT_EQ(split[0], 36);
  EXPECT_EQ(column(whole, 1), (std::vector<uint8_t>{0xd8, 0x04, 0xb0, 0x09}));
  EXPECT_EQ(column(split, 1), (std::vector<uint8_t>{0xac, 0xd8}));
  EXPECT_EQ(column(split, 19), (std::vector<uint8_t>{0x02, 0x04}));
  ExpectRoundTrip(r.bytes, ColumnarVersion::kCodec4);
}

// Two threads whose events alternate, each allocating its own sequence in its own arena:
// codec 4 predicts each event from its own thread's previous one (time, next triple, next
// address), codec 3 from whichever event came before. Both give every byte back; codec 4 stores
// each address as the zero step from its thread's previous block.
TEST(ColumnarCodec, Codec4PredictsEachThreadFromItsOwnEvents) {
  Records r;
  constexpr int kPairs = 1000;
  for (uint64_t i = 0; i < kPairs; ++i) {
    r.Alloc(100000 + 1000 * i, 0x100000 + 80 * i, 64, 1, 1);
    r.Alloc(100000 + 1000 * i + 400 + i % 3, 0x7f0000000000 + 144 * i, 128, 2, 2);
  }
  const size_t codec3 = ExpectRoundTrip(r.bytes, ColumnarVersion::kCodec3);
  const size_t codec4 = ExpectRoundTrip(r.bytes, ColumnarVersion::kCodec4);
  // At least a byte less per event: codec 3's address steps cross from one arena to the other.
  EXPECT_LT(codec4 + 2 * kPairs, codec3) << codec4 << " vs " << codec3;
}

// Damaged encodings are refused or decode to something within the stated size: never a
// crash, never more memory than the chunk allows (ASan and UBSan watch this test).
TEST_P(ColumnarCodecLayouts, SurvivesRandomDamage) {
  ByteBuffer records = ProgramLike(2000, 3, 9);
  const ByteBuffer encoded = Encode(records, GetParam());
  std::mt19937_64 random(3);
  for (int round = 0; round < 3000; ++round) {
    ByteBuffer damaged = encoded;
    for (int flips = 1 + int(random() % 4); flips > 0; --flips) {
      damaged[random() % damaged.size()] ^= uint8_t(1 + random() % 255);
    }
    ByteBuffer out;
    std::string error;
    if (ColumnarCodec::Decode(damaged.data(), damaged.size(), records.size(), &out, &error,
                              GetParam())) {
      EXPECT_LE(out.size(), records.size());
    } else {
      EXPECT_FALSE(error.empty());
      EXPECT_TRUE(out.empty());
    }
  }
}

TEST(LiveBlocks, RanksCountTheNewerLiveBlocks) {
  LiveBlocks encoder, decoder;
  encoder.IndexAddresses(true);
  encoder.Reset(10);
  decoder.Reset(10);
  for (uint64_t addr : {0x10, 0x20, 0x30, 0x40}) {
    ASSERT_TRUE(encoder.Add(addr, uint8_t(addr)));
    ASSERT_TRUE(decoder.Add(addr, uint8_t(addr)));
  }
  uint64_t rank = 99, addr = 0;
  uint8_t tag = 0;
  ASSERT_TRUE(encoder.TakeByAddress(0x20, &rank, &tag));
  EXPECT_EQ(rank, 2u);  // 0x30 and 0x40 are newer
  EXPECT_EQ(tag, 0x20);
  ASSERT_TRUE(decoder.TakeByRank(2, &addr, &tag));
  EXPECT_EQ(addr, 0x20u);
  EXPECT_EQ(tag, 0x20);
  EXPECT_FALSE(encoder.TakeByAddress(0x20, &rank, &tag));
  // 0x30 again while live: the address names the newer block; the older stays live.
  ASSERT_TRUE(encoder.Add(0x30, 0));
  EXPECT_EQ(encoder.live(), 4u);
  ASSERT_TRUE(encoder.TakeByAddress(0x30, &rank, &tag));
  EXPECT_EQ(rank, 0u);
  ASSERT_TRUE(encoder.TakeByAddress(0x10, &rank, &tag));
  EXPECT_EQ(rank, 2u);  // the older 0x30 and 0x40
  EXPECT_FALSE(encoder.TakeByAddress(0x30, &rank, &tag));
  EXPECT_FALSE(decoder.TakeByRank(3, &addr, &tag));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(encoder.Add(0x100 + uint64_t(i), 0));
  EXPECT_FALSE(encoder.Add(0x200, 0));  // ten added: full
  // A new chunk starts empty.
  encoder.Reset(10);
  EXPECT_EQ(encoder.live(), 0u);
  EXPECT_FALSE(encoder.TakeByAddress(0x40, &rank, &tag));
  EXPECT_TRUE(encoder.Add(0x40, 0));
}

// Many blocks (the arrays grow several times), freed in random order: the decoder finds by
// rank exactly the block the encoder ranked, chunk after chunk.
TEST(LiveBlocks, DecoderSelectsWhatTheEncoderRanked) {
  std::mt19937_64 random(11);
  LiveBlocks encoder, decoder;
  encoder.IndexAddresses(true);
  for (int chunk = 0; chunk < 3; ++chunk) {
    encoder.Reset(20000);
    decoder.Reset(20000);
    std::vector<uint64_t> live;
    for (int i = 0; i < 20000; ++i) {
      if (live.empty() || random() % 3 != 0) {
        const uint64_t addr = 0x1000 + uint64_t(i) * 16 + uint64_t(chunk);
        ASSERT_TRUE(encoder.Add(addr, uint8_t(i)));
        ASSERT_TRUE(decoder.Add(addr, uint8_t(i)));
        live.push_back(addr);
        continue;
      }
      const size_t at = random() % live.size();
      uint64_t rank, addr;
      uint8_t tag, decoded_tag;
      ASSERT_TRUE(encoder.TakeByAddress(live[at], &rank, &tag));
      EXPECT_EQ(rank, live.size() - 1 - at);
      ASSERT_TRUE(decoder.TakeByRank(rank, &addr, &decoded_tag));
      ASSERT_EQ(addr, live[at]);
      EXPECT_EQ(decoded_tag, tag);
      live.erase(live.begin() + ptrdiff_t(at));
    }
    EXPECT_EQ(decoder.live(), live.size());
  }
}

// Few live blocks far apart among many positions (a program that frees almost everything
// soon and keeps a few blocks for long), and ranks small and large: ranks count across many
// words and groups of words, and across positions that are no longer live.
TEST(LiveBlocks, RanksAcrossSparsePositions) {
  std::mt19937_64 random(3);
  LiveBlocks encoder, decoder;
  encoder.IndexAddresses(true);
  constexpr size_t kBlocks = 300000;
  encoder.Reset(kBlocks);
  decoder.Reset(kBlocks);
  std::vector<uint64_t> live;
  for (size_t i = 0; i < kBlocks; ++i) {
    const uint64_t addr = 0x10000 + uint64_t(i) * 32;
    ASSERT_TRUE(encoder.Add(addr, uint8_t(i)));
    ASSERT_TRUE(decoder.Add(addr, uint8_t(i)));
    live.push_back(addr);
    if (random() % 50 == 0) continue;  // kept for a while
    // The newest mostly, now and then one from anywhere.
    const size_t back =
        random() % 8 == 0 ? random() % live.size() : random() % std::min<size_t>(live.size(), 3);
    const size_t at = live.size() - 1 - back;
    uint64_t rank, addr_taken;
    uint8_t tag, decoded_tag;
    ASSERT_TRUE(encoder.TakeByAddress(live[at], &rank, &tag));
    ASSERT_EQ(rank, back);
    ASSERT_TRUE(decoder.TakeByRank(rank, &addr_taken, &decoded_tag));
    ASSERT_EQ(addr_taken, live[at]);
    ASSERT_EQ(decoded_tag, tag);
    live.erase(live.begin() + ptrdiff_t(at));
  }
  EXPECT_EQ(decoder.live(), live.size());
  EXPECT_EQ(encoder.live(), live.size());
  uint64_t addr;
  uint8_t tag;
  EXPECT_FALSE(decoder.TakeByRank(live.size(), &addr, &tag));
  // The oldest live block is the last rank.
  ASSERT_FALSE(live.empty());
  ASSERT_TRUE(decoder.TakeByRank(live.size() - 1, &addr, &tag));
  EXPECT_EQ(addr, live.front());
}

}  // namespace
}  // namespace memwrap
