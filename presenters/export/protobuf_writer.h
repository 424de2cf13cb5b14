// The protobuf wire format, the little of it a profile.proto needs: varint fields, length-
// delimited fields (strings, nested messages, packed repeated varints).
// https://protobuf.dev/programming-guides/encoding/
#pragma once

#include <stdint.h>

#include <string>
#include <vector>

namespace memwrap {

class ProtobufWriter {
 public:
  // A varint field (int64, uint64, bool). Zero is the default: left out, as protobuf does.
  void Varint(uint32_t field, uint64_t value) {
    if (value == 0) return;
    Key(field, 0);
    Raw(value);
  }
  // A length-delimited field: a string, bytes, or a nested message's bytes. Always written
  // (an empty string still takes its place in a repeated field such as a string table).
  void Bytes(uint32_t field, const std::string& bytes) {
    Key(field, 2);
    Raw(bytes.size());
    out_ += bytes;
  }
  void Message(uint32_t field, const ProtobufWriter& message) { Bytes(field, message.out_); }
  // A packed repeated varint field.
  void Packed(uint32_t field, const std::vector<uint64_t>& values) {
    if (values.empty()) return;
    ProtobufWriter packed;
    for (uint64_t value : values) packed.Raw(value);
    Bytes(field, packed.out_);
  }
  const std::string& bytes() const { return out_; }

 private:
  void Key(uint32_t field, uint32_t wire_type) { Raw(uint64_t(field) << 3 | wire_type); }
  void Raw(uint64_t value) {
    while (value >= 0x80) {
      out_ += char(value | 0x80);
      value >>= 7;
    }
    out_ += char(value);
  }
  std::string out_;
};

}  // namespace memwrap
