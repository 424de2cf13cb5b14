// A compact encoding of records for the trace file, applied before zstd. Records are
// fixed-width for the ring (cheap to write in the traced program); in the file most of their
// bytes are predictable: timestamps grow by little, a thread id repeats, an address is near the
// last one. Packing stores each 8-byte word of a record as the zigzag varint of its difference
// to the same word of the previous record of the same type. A typical ALLOC shrinks from 40
// bytes to about 8, and zstd then has five times less to do: the collector spends most of its
// time compressing, on a core the traced program would otherwise use.
//
//   packed record := type:u8  flags:varint  words:varint  delta:varint{words}
//   words         := (RecordHeader::size - 8) / 8
//   delta         := zigzag(word - previous word at this index for this type)   (mod 2^64)
//
// Full specification: docs/trace-format.md.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "tracefile/byte_buffer.h"

namespace memwrap {

class RecordPacker {
 public:
  // Appends the packed form of `size` bytes of well-formed records (as RecordCursor accepts).
  // Each chunk is packed by a fresh packer: chunks decode independently.
  static void Pack(const uint8_t* records, size_t size, ByteBuffer* out);

  // Restores the records; false (with a reason) when the input is malformed or would unpack to
  // more than `max_size` bytes.
  static bool Unpack(const uint8_t* packed, size_t size, size_t max_size, ByteBuffer* out,
                     std::string* error);
};

}  // namespace memwrap
