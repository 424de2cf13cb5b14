#include "tracefile/record_packing.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <memory>

#include "memwrap/records.h"
#include "tracefile/varint.h"

namespace memwrap {
namespace {

constexpr size_t kMaxWords = (kMaxRecordSize - sizeof(RecordHeader)) / 8;
constexpr size_t kTypes = 256;

// The previous record's words, per type. Grown to the words a type actually uses: a hostile
// file of many tiny chunks must not cost a full-size history per type per chunk.
class History {
 public:
  uint64_t* Of(uint8_t type, size_t words) {
    std::vector<uint64_t>& history = words_[type];
    if (history.size() < words) history.resize(words, 0);
    return history.data();
  }

 private:
  std::array<std::vector<uint64_t>, kTypes> words_;
};

// The packed form stores a record's type in one byte.
static_assert(uint16_t(RecordType::kMaxType) < kTypes);

}  // namespace

void RecordPacker::Pack(const uint8_t* records, size_t size, ByteBuffer* out) {
  History history;
  // Worst case: 10 bytes a word, and 1 + 3 + 2 bytes of framing for a record of >= 8 bytes.
  const size_t start = out->size();
  out->resize(start + size / 8 * 10 + size + 16);
  uint8_t* q = out->data() + start;
  size_t pos = 0;
  while (pos + sizeof(RecordHeader) <= size) {
    RecordHeader header;
    memcpy(&header, records + pos, sizeof(header));
    // The collector only packs records it validated; stop rather than loop on a bad one.
    if (header.size < sizeof(RecordHeader) || header.size > size - pos) break;
    const size_t words = (header.size - sizeof(RecordHeader)) / 8;
    *q++ = uint8_t(header.type);
    q = PutVarint(header.flags, q);
    q = PutVarint(words, q);
    uint64_t* previous = history.Of(uint8_t(header.type), words);
    const uint8_t* p = records + pos + sizeof(RecordHeader);
    for (size_t i = 0; i < words; ++i, p += 8) {
      uint64_t word;
      memcpy(&word, p, 8);
      q = PutVarint(ZigZag(word - previous[i]), q);
      previous[i] = word;
    }
    pos += header.size;
  }
  out->resize(size_t(q - out->data()));
}

bool RecordPacker::Unpack(const uint8_t* packed, size_t size, size_t max_size, ByteBuffer* out,
                          std::string* error) {
  History history;
  const uint8_t* p = packed;
  const uint8_t* end = packed + size;
  // Written through a pointer into space grown by doubling, not per record (that showed in
  // profiles of big reports), and never beyond max_size (which a hostile header may make large:
  // it is not allocated up front).
  const size_t start = out->size();
  out->resize(start + std::min(max_size, size * 4 + 64));
  uint8_t* q = out->data() + start;
  auto room = [&](size_t need) {
    const size_t used = size_t(q - out->data());
    if (out->size() - used >= need) return true;
    if (used - start + need > max_size) return false;
    const size_t grown = std::min(start + max_size, std::max(out->size() * 2, used + need));
    out->resize(grown);
    q = out->data() + used;
    return true;
  };
  auto fail = [&](const char* why) {
    *error = why;
    out->resize(start);
    return false;
  };
  while (p < end) {
    const uint8_t type = *p++;
    uint64_t flags = 0, words = 0;
    if (!GetVarint(p, end, &flags) || !GetVarint(p, end, &words)) {
      return fail("packed record header cut off");
    }
    if (type == 0 || flags > 0xffff || words > kMaxWords) {
      return fail("packed record with impossible type, flags or size");
    }
    const size_t record_size = sizeof(RecordHeader) + words * 8;
    if (!room(record_size)) {
      return fail("packed records unpack to more than the chunk's stated size");
    }
    RecordHeader header{uint32_t(record_size), type, uint16_t(flags)};
    memcpy(q, &header, sizeof(header));
    q += sizeof(header);
    uint64_t* previous = history.Of(type, words);
    if (size_t(end - p) >= words * 10) {  // the whole record is surely in the input
      for (size_t i = 0; i < words; ++i, q += 8) {
        uint64_t delta;
        if (!GetVarintUnchecked(p, &delta)) return fail("packed record cut off");
        previous[i] += UnZigZag(delta);
        memcpy(q, &previous[i], 8);
      }
      continue;
    }
    for (size_t i = 0; i < words; ++i, q += 8) {
      uint64_t delta;
      if (!GetVarint(p, end, &delta)) return fail("packed record cut off");
      previous[i] += UnZigZag(delta);
      memcpy(q, &previous[i], 8);
    }
  }
  out->resize(size_t(q - out->data()));
  return true;
}

}  // namespace memwrap
