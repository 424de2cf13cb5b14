// The delta-varint packing of trace chunks: exact round trips, compactness on typical records,
// and refusal of malformed input.
#include "tracefile/record_packing.h"

#include <gtest/gtest.h>
#include <string.h>

#include <random>

#include "memwrap/records.h"

namespace memwrap {
namespace {

template <class T>
void Append(ByteBuffer* out, const T& record) {
  const auto* p = reinterpret_cast<const uint8_t*>(&record);
  out->insert(out->end(), p, p + sizeof(record));
}

ByteBuffer MixedRecords(int count) {
  std::mt19937_64 random(42);
  ByteBuffer records;
  uint64_t ts = 1'000'000'000;
  for (int i = 0; i < count; ++i) {
    ts += random() % 500;
    if (i % 3 == 0) {
      FreeRecord r{};
      r.h = {sizeof(r), uint16_t(RecordType::kFree), 0};
      r.ts_ns = ts;
      r.addr = 0x5555'0000'0000 + (random() % (1 << 20)) * 16;
      r.tid = 1000 + uint32_t(random() % 4);
      Append(&records, r);
    } else if (i % 17 == 0) {
      StackRecord s{};
      const uint32_t depth = 1 + uint32_t(random() % 40);
      s.h = {uint32_t(sizeof(s) + depth * 8), uint16_t(RecordType::kStack), 0};
      s.id = uint32_t(i);
      s.depth = depth;
      Append(&records, s);
      for (uint32_t d = 0; d < depth; ++d) Append(&records, uint64_t(random()));
    } else {
      AllocRecord r{};
      r.h = {sizeof(r), uint16_t(RecordType::kAlloc), uint16_t(i % 9)};
      r.ts_ns = ts;
      r.addr = 0x5555'0000'0000 + (random() % (1 << 20)) * 16;
      r.size = 16 + random() % 4096;
      r.tid = 1000 + uint32_t(random() % 4);
      r.stack = 1 + uint32_t(random() % 10);
      Append(&records, r);
    }
  }
  return records;
}

// Packs `records`, unpacks them again and expects every byte back; returns the packed size.
size_t ExpectRoundTrip(const ByteBuffer& records) {
  ByteBuffer packed;
  RecordPacker::Pack(records.data(), records.size(), &packed);
  ByteBuffer unpacked;
  std::string error;
  EXPECT_TRUE(RecordPacker::Unpack(packed.data(), packed.size(), records.size(), &unpacked, &error))
      << error;
  EXPECT_EQ(unpacked.size(), records.size());
  if (unpacked.size() == records.size()) {
    EXPECT_EQ(memcmp(unpacked.data(), records.data(), records.size()), 0);
  }
  return packed.size();
}

TEST(RecordPacking, RoundTripsEveryByte) {
  ByteBuffer records = MixedRecords(20000);
  // Heap events dominate: they must shrink well below their fixed width.
  EXPECT_LT(ExpectRoundTrip(records), records.size() / 2);
}

TEST(RecordPacking, RefusesMalformedInput) {
  ByteBuffer records = MixedRecords(100);
  ByteBuffer packed;
  RecordPacker::Pack(records.data(), records.size(), &packed);
  ByteBuffer out;
  std::string error;
  // Cut off.
  EXPECT_FALSE(
      RecordPacker::Unpack(packed.data(), packed.size() - 1, records.size(), &out, &error));
  // More than the chunk said.
  out.clear();
  EXPECT_FALSE(
      RecordPacker::Unpack(packed.data(), packed.size(), records.size() - 8, &out, &error));
  // Type 0, and a record claiming more words than any record has.
  const uint8_t zero_type[] = {0, 0, 1, 0};
  out.clear();
  EXPECT_FALSE(RecordPacker::Unpack(zero_type, sizeof(zero_type), 1 << 20, &out, &error));
  const uint8_t too_long[] = {4, 0, 0xff, 0x7f};
  out.clear();
  EXPECT_FALSE(RecordPacker::Unpack(too_long, sizeof(too_long), 1 << 20, &out, &error));
  // An endless varint.
  const uint8_t endless[] = {4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  out.clear();
  EXPECT_FALSE(RecordPacker::Unpack(endless, sizeof(endless), 1 << 20, &out, &error));
  // An endless word, with room for the longest varint after it (the unchecked path), and the
  // same word cut short (the checked path).
  const uint8_t endless_word[] = {4,    0,    1,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  for (size_t size : {sizeof(endless_word), size_t(9)}) {
    out.clear();
    EXPECT_FALSE(RecordPacker::Unpack(endless_word, size, 1 << 20, &out, &error)) << size;
    EXPECT_EQ(error, "packed record cut off");
  }
}

// Words whose deltas take every varint length (1 to 10 bytes) come back exactly, whether the
// input left after them is long (unchecked decoding) or just enough (checked).
TEST(RecordPacking, RoundTripsEveryVarintLength) {
  ByteBuffer records;
  uint64_t word = 0;
  for (int bits = 0; bits <= 64; ++bits) {
    const uint64_t delta = bits == 64 ? ~0ull : (1ull << bits) - 1;
    for (uint64_t sign : {0ull, 1ull}) {
      word += sign != 0 ? 0 - delta : delta;
      RecordHeader header{uint32_t(sizeof(RecordHeader) + 8), 4, 0};
      const size_t at = records.size();
      records.resize(at + header.size);
      memcpy(records.data() + at, &header, sizeof(header));
      memcpy(records.data() + at + sizeof(header), &word, 8);
    }
  }
  ExpectRoundTrip(records);
}

}  // namespace
}  // namespace memwrap
