// Walks the records of one decompressed chunk, checking each record's framing before handing
// it out: the bytes come from a file that may be damaged or hostile.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>

#include "memwrap/records.h"

namespace memwrap {

struct RecordView {
  RecordType type = RecordType::kInvalid;
  uint16_t flags = 0;
  const uint8_t* data = nullptr;  // starts with the RecordHeader
  uint32_t size = 0;

  // The record as T, or nullptr when it is too short to be one.
  template <class T>
  const T* As() const {
    return size >= sizeof(T) ? reinterpret_cast<const T*>(data) : nullptr;
  }
};

class RecordCursor {
 public:
  RecordCursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // false at the end. Throws TraceError(kCorrupt) on a record whose size cannot be right;
  // `where` names the chunk in that message.
  bool Next(RecordView* view, const std::string& where);
  size_t position() const { return pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace memwrap
