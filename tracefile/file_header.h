// The trace's file header: made by the writer, checked by the reader and by an appender, with
// one rule for its checksum (trace_format.h, FileHeader::header_crc32).
#pragma once

#include <stdint.h>

#include "memwrap/trace_format.h"

namespace memwrap {

// A header of the current version with its clock pair and checksum.
FileHeader MakeFileHeader(uint64_t created_realtime_ns, uint64_t created_monotonic_ns);

// True when `header` carries no checksum (a minor before kFirstMinorWithHeaderCrc) or its
// checksum matches. Call after the magic and the major version were checked.
bool FileHeaderChecksumMatches(const FileHeader& header);

}  // namespace memwrap
