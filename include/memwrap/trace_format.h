// The .mwt trace file: a FileHeader, then self-delimiting chunks. Prose: docs/trace-format.md.
//
//   FileHeader (64 bytes)
//   ChunkHeader (32 bytes) | payload (stored_size bytes)   -- repeated until end of file
//
// A chunk's payload, once decompressed, is raw_size bytes of records (records.h), all of one
// process (`pid`; 0 for session-wide chunks). Each chunk is checksummed twice: the header
// (header_crc32) and the stored payload (payload_crc32), both zlib CRC-32. A reader can
// therefore tell a truncated tail (the file ends inside a chunk) from corruption (a checksum
// or a magic that does not match) and names the offset of either.
#pragma once

#include <stdint.h>

namespace memwrap {

// The one version constant of the format. A reader refuses a newer major; a newer minor adds
// record types or chunk types, which older readers skip, or a codec, which an older reader
// names as unknown (docs/trace-format.md, "Version history").
inline constexpr uint16_t kTraceFormatMajor = 1;
inline constexpr uint16_t kTraceFormatMinor = 8;
// From this minor on, an image recorded with --stacks=sampled holds only its sampled
// allocations and their frees, plus HEAP_COUNTERS records with the exact totals; older
// sampled traces hold every event (docs/trace-format.md, "Sampled traces").
inline constexpr uint16_t kFirstMinorWithSampledOnly = 4;
// From this minor on, a writer that finishes ends the file with a kEndOfTrace chunk, so a file
// without one is incomplete; older files cannot say (docs/trace-format.md, "Complete traces").
inline constexpr uint16_t kFirstMinorWithEndOfTrace = 1;
// From this minor on, FileHeader::header_crc32 holds a checksum a reader verifies; older files
// have zero there and are read without it (docs/trace-format.md, "File header").
inline constexpr uint16_t kFirstMinorWithHeaderCrc = 3;

inline constexpr char kTraceMagic[8] = {'M', 'W', 'T', 'R', 'A', 'C', 'E', '\n'};
inline constexpr uint32_t kChunkMagic = 0x4b43574d;  // "MWCK"

struct FileHeader {
  char magic[8];
  uint16_t format_major;
  uint16_t format_minor;
  uint32_t header_size;           // sizeof(FileHeader); a reader skips anything beyond it
  uint64_t created_realtime_ns;   // CLOCK_REALTIME when the trace was created
  uint64_t created_monotonic_ns;  // CLOCK_MONOTONIC at the same instant: every ts_ns in the file
                                  // is CLOCK_MONOTONIC; add (realtime - monotonic) for wall time
  uint8_t reserved[28];
  uint32_t header_crc32;  // since 1.3: CRC-32 of the 60 bytes before this field; one flipped
                          // bit would otherwise silently move every time in the trace
};
static_assert(sizeof(FileHeader) == 64);

enum class ChunkType : uint16_t {
  kRecords = 1,      // records.h records of process `pid`
  kSessionInfo = 2,  // UTF-8 "key=value" lines (docs/trace-format.md lists the keys); in a
                     // value, a backslash is written as two, a newline as backslash + 'n'
  kEndOfTrace = 3,   // empty; written last, once everything the recording produced is written
};

enum class ChunkCodec : uint16_t {
  kNone = 0,
  kZstd = 1,               // zstd(payload)
  kZstdPacked = 2,         // zstd(packed records), see tracefile/record_packing.h; records only
  kZstdColumnar = 3,       // zstd(columnar records), see tracefile/columnar_codec.h; records
                           // only; since 1.2
  kZstdColumnarSplit = 4,  // codec 3 with its varints split in two columns each and its
                           // predictions per thread (ColumnarVersion::kCodec4); records only;
                           // since 1.5
};

struct ChunkHeader {
  uint32_t magic;  // kChunkMagic
  uint16_t type;   // ChunkType
  uint16_t codec;  // ChunkCodec
  uint32_t pid;
  uint32_t stored_size;  // bytes that follow this header
  uint32_t raw_size;     // bytes after decompression
  uint32_t payload_crc32;
  uint32_t reserved;
  uint32_t header_crc32;  // CRC-32 of the 28 bytes before this field
};
static_assert(sizeof(ChunkHeader) == 32);

// Bounds a reader enforces before allocating anything (hostile files). The collector writes
// chunks of a few MiB (tracer/collector/collector.cpp checks that it stays within these).
inline constexpr uint32_t kMaxChunkRawSize = 16u << 20;
inline constexpr uint32_t kMaxChunkStoredSize = 16u << 20;
// A reader follows every process of a trace side by side, one decompressed chunk each (and the
// next one, decoded ahead). What that takes at once is known from the chunk headers before
// anything is decompressed; past min(kMaxChunkBytesHeld, kChunkBytesHeldBase +
// kChunkBytesHeldPerFileByte x file size) the reader refuses the trace rather than exhaust
// memory: a small hostile file (many processes, each a tiny chunk that claims 16 MiB) cannot
// make it take gigabytes. The base alone holds one process's two largest chunks (2 x 16 MiB).
inline constexpr uint64_t kMaxChunkBytesHeld = 4ull << 30;
inline constexpr uint64_t kChunkBytesHeldBase = 32ull << 20;
inline constexpr uint64_t kChunkBytesHeldPerFileByte = 64;

}  // namespace memwrap
