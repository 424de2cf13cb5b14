#include "record_cursor.h"

#include <string.h>

#include "trace_error.h"

namespace memwrap {

bool RecordCursor::Next(RecordView* view, const std::string& where) {
  if (pos_ == size_) return false;
  RecordHeader header{};
  if (size_ - pos_ < sizeof(header)) {
    throw TraceError(TraceError::Kind::kCorrupt,
                     where + ": a record header is cut off at byte " + std::to_string(pos_));
  }
  memcpy(&header, data_ + pos_, sizeof(header));
  if (header.size < sizeof(RecordHeader) || header.size % kRecordAlign != 0 ||
      header.size > size_ - pos_ || header.size > kMaxRecordSize) {
    throw TraceError(TraceError::Kind::kCorrupt, where + ": record at byte " +
                                                     std::to_string(pos_) + " has impossible size " +
                                                     std::to_string(header.size));
  }
  view->type = static_cast<RecordType>(header.type);
  view->flags = header.flags;
  view->data = data_ + pos_;
  view->size = header.size;
  pos_ += header.size;
  return true;
}

}  // namespace memwrap
