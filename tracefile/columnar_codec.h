// Codec 3 of records chunks: the chunk's records split into columns (streams), each field
// encoded from what came before it in the chunk, then zstd. Specified in docs/trace-format.md
// ("Columnar records").
//
// A heap event costs a few bits where its fixed-width record takes 32 to 48 bytes: the time
// is a delta from the previous event; the thread is "the same as before" or one of the last
// three; the (size, stack, flags) of an allocation is an index into the chunk's table of
// those seen already; a FREE names the rank of its block among the blocks of the chunk still
// live (live_blocks.h) instead of its address, and an ALLOC's address is one of the addresses
// freed last (the allocator hands them out again) or a small step from where the previous
// block ended. A STACK shares its outermost frames with an earlier stack of the chunk and
// stores only the new ones (stack_frames.h). Any other record, or a heap record with bytes
// the columns do not model, is stored as codec 2 stores it (record_packing.h): every record
// decodes to exactly its bytes.
//
// Chunks decode independently: the analyzer reads and decompresses a process's next chunk on
// another thread while it replays this one, and a trace cut short reads up to the cut.
//
// Codec 4 (format 1.5) is codec 3 with two changes (ColumnarVersion::kCodec4): each column of
// varints is stored as two columns, and the predictions that follow a thread's own previous
// event are kept per thread.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <memory>
#include <string>

#include "tracefile/byte_buffer.h"

namespace memwrap {

// The two versions of the columnar codec (docs/trace-format.md, "Codec 4"); the chunk's codec
// says which.
//  * Split varints. zstd codes each column's bytes with one entropy table, and a varint's
//    first byte (its low 7 bits: a near-uniform number when the value is large) and its later
//    bytes (its high bits: a few small numbers) follow different distributions. In one column
//    they share a table that fits neither; codec 4 keeps the bytes after the first in a
//    continuation column of their own.
//  * Per-thread predictions. When threads run at once their events interleave in a chunk;
//    codec 3 predicts each event from whichever event came before it, codec 4 from its own
//    thread's previous one (time stream, next triple, next address, freed-block address). A
//    thread's time step is never negative (its clock does not go back): codec 4 stores it
//    without zigzag, which would double every value and spill more of them past one byte.
// Measured in docs/performance.md ("Trace size").
enum class ColumnarVersion : uint8_t {
  kCodec3,  // each varint's bytes together; predictions from the previous event
  kCodec4,  // varints split, predictions per thread
};

// One per writer: its memory is allocated once and kept for the next chunk (the encoder's state
// itself starts afresh with each chunk).
class ColumnarEncoder {
 public:
  explicit ColumnarEncoder(ColumnarVersion version = ColumnarVersion::kCodec4);
  ~ColumnarEncoder();
  ColumnarEncoder(const ColumnarEncoder&) = delete;
  ColumnarEncoder& operator=(const ColumnarEncoder&) = delete;

  // Appends the columnar form (before zstd, see column_frames.h) of `size` bytes of
  // well-formed records (as RecordCursor accepts; the encoder stops at a record that is not).
  void Encode(const uint8_t* records, size_t size, ByteBuffer* out);

 private:
  class State;
  std::unique_ptr<State> state_;
};

// One per reader, like the encoder.
class ColumnarDecoder {
 public:
  ColumnarDecoder();
  ~ColumnarDecoder();
  ColumnarDecoder(const ColumnarDecoder&) = delete;
  ColumnarDecoder& operator=(const ColumnarDecoder&) = delete;

  // Appends the records of a columnar form of `version` (the chunk's codec);
  // false (with a reason, and nothing appended) when the input is malformed or would decode to
  // more than `max_size` bytes. Memory stays within a small multiple of max_size.
  bool Decode(ColumnarVersion version, const uint8_t* data, size_t size, size_t max_size,
              ByteBuffer* out, std::string* error);

 private:
  class State;
  std::unique_ptr<State> state_;
};

// For a chunk now and then (tests, tools): a fresh encoder or decoder each time.
struct ColumnarCodec {
  static void Encode(const uint8_t* records, size_t size, ByteBuffer* out,
                     ColumnarVersion version = ColumnarVersion::kCodec4) {
    ColumnarEncoder(version).Encode(records, size, out);
  }
  static bool Decode(const uint8_t* data, size_t size, size_t max_size, ByteBuffer* out,
                     std::string* error, ColumnarVersion version = ColumnarVersion::kCodec4) {
    return ColumnarDecoder().Decode(version, data, size, max_size, out, error);
  }
};

}  // namespace memwrap
