#include "tracefile/record_cursor.h"

#include <string.h>

#include "tracefile/trace_error.h"

namespace memwrap {

void RecordCursor::Malformed(const std::string& where) const {
  if (size_ - pos_ < sizeof(RecordHeader)) {
    throw TraceError(TraceError::Kind::kCorrupt,
                     where + ": a record header is cut off at byte " + std::to_string(pos_));
  }
  RecordHeader header;
  memcpy(&header, data_ + pos_, sizeof(header));
  throw TraceError(TraceError::Kind::kCorrupt, where + ": record at byte " + std::to_string(pos_) +
                                                   " has impossible size " +
                                                   std::to_string(header.size));
}

}  // namespace memwrap
