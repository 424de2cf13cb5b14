#include "tracefile/file_header.h"

#include <stddef.h>
#include <string.h>
#include <zlib.h>

namespace memwrap {
namespace {

uint32_t HeaderCrc(const FileHeader& header) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(&header), offsetof(FileHeader, header_crc32)));
}

}  // namespace

FileHeader MakeFileHeader(uint64_t created_realtime_ns, uint64_t created_monotonic_ns) {
  FileHeader header{};
  memcpy(header.magic, kTraceMagic, sizeof(header.magic));
  header.format_major = kTraceFormatMajor;
  header.format_minor = kTraceFormatMinor;
  header.header_size = sizeof(FileHeader);
  header.created_realtime_ns = created_realtime_ns;
  header.created_monotonic_ns = created_monotonic_ns;
  header.header_crc32 = HeaderCrc(header);
  return header;
}

bool FileHeaderChecksumMatches(const FileHeader& header) {
  // A later major keeps the checksum (a reader refuses newer majors before asking anyway).
  const bool has_crc = header.format_major > 1 || header.format_minor >= kFirstMinorWithHeaderCrc;
  return !has_crc || header.header_crc32 == HeaderCrc(header);
}

}  // namespace memwrap
