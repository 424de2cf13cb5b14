// LEB128 varints and zigzag, the integer encodings of the packed (record_packing.h) and
// columnar (columnar_codec.h) chunk codecs. Specified in docs/trace-format.md.
#pragma once

#include <stdint.h>

namespace memwrap {

inline constexpr int kMaxVarintBytes = 10;

// Writes through a raw pointer into space reserved up front: this runs for every field the
// collector writes, and vector::push_back's capacity check per byte showed in profiles.
inline uint8_t* PutVarint(uint64_t value, uint8_t* out) {
  while (value >= 0x80) {
    *out++ = uint8_t(value) | 0x80;
    value >>= 7;
  }
  *out++ = uint8_t(value);
  return out;
}

// false when the input ends inside the varint or it is longer than 10 bytes.
inline bool GetVarint(const uint8_t*& p, const uint8_t* end, uint64_t* value) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p == end) return false;
    uint8_t byte = *p++;
    result |= uint64_t(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;  // more than 10 bytes
}

// GetVarint without a bound check per byte, for input known to hold at least 10 more bytes
// (the longest varint). Accepts and rejects exactly what GetVarint does.
inline bool GetVarintUnchecked(const uint8_t*& p, uint64_t* value) {
  uint64_t byte = *p++;
  if (byte < 0x80) {  // most values fit in one byte
    *value = byte;
    return true;
  }
  uint64_t result = byte & 0x7f;
  for (int shift = 7; shift < 64; shift += 7) {
    byte = *p++;
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *value = result;
      return true;
    }
  }
  return false;  // more than 10 bytes
}

inline uint64_t ZigZag(uint64_t delta) {
  return (delta << 1) ^ uint64_t(int64_t(delta) >> 63);
}
inline uint64_t UnZigZag(uint64_t value) {
  return (value >> 1) ^ (0 - (value & 1));
}

}  // namespace memwrap
