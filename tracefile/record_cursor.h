// Walks the records of one decompressed chunk, checking each record's framing before handing
// it out: the bytes come from a file that may be damaged or hostile.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
    static_assert(FirstSizeOf<T>() == sizeof(T), "a record type that grew: read it with Copy");
    return size >= sizeof(T) ? reinterpret_cast<const T*>(data) : nullptr;
  }
  // A copy of the record as T, whatever size of T's it was written with (records.h,
  // CopyRecord); false when it is too short to be one.
  template <class T>
  bool Copy(T* out) const {
    return CopyRecord(data, size, out);
  }
};

// The name a MARK record of `size` bytes carries, up to its first NUL; false when the record
// cannot hold the name it says it has.
inline bool ReadMarkName(const uint8_t* record, uint32_t size, std::string* name) {
  MarkRecord mark;
  if (!CopyRecord(record, size, &mark) || mark.name_size == 0 ||
      mark.name_size > size - sizeof(mark)) {
    return false;
  }
  name->assign(reinterpret_cast<const char*>(record + sizeof(mark)), mark.name_size - 1);
  name->resize(strnlen(name->c_str(), name->size()));
  return true;
}

class RecordCursor {
 public:
  RecordCursor() = default;  // over no records
  RecordCursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // false at the end. Throws TraceError(kCorrupt) on a record whose size cannot be right;
  // `where` names the chunk in that message. Inline: the analyzer calls it for every record.
  bool Next(RecordView* view, const std::string& where) {
    if (pos_ == size_) return false;
    if (!TryNext(view)) Malformed(where);
    return true;
  }
  // Like Next, without the error: false at the end or at a record whose size cannot be right.
  bool TryNext(RecordView* view) {
    RecordHeader header;
    if (size_ - pos_ < sizeof(header)) return false;
    memcpy(&header, data_ + pos_, sizeof(header));
    if (header.size < sizeof(RecordHeader) || header.size % kRecordAlign != 0 ||
        header.size > size_ - pos_ || header.size > kMaxRecordSize) {
      return false;
    }
    view->type = static_cast<RecordType>(header.type);
    view->flags = header.flags;
    view->data = data_ + pos_;
    view->size = header.size;
    pos_ += header.size;
    return true;
  }
  size_t position() const { return pos_; }

 private:
  [[noreturn]] void Malformed(const std::string& where) const;

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
};

}  // namespace memwrap
