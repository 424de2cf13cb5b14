// How a columnar chunk (codec 3, columnar_codec.h) is stored: each column compressed on its own
// zstd frame. Columns differ in what their bytes look like (near-random time deltas, one op
// byte per record, small ranks); a frame each gives each its own entropy tables and keeps their
// matches apart. Measured on real traces (docs/performance.md, "Trace size"), that is 3 to 9%
// smaller than one frame over all columns.
//
//   columnar form := count:varint  raw_size:varint{count}  column bytes{count}
//   stored form   := count:varint  stored_size:varint{count}  frame{count}
//   frame         := nothing when the column is empty; else one zstd frame stating its content
//                    size (the column's raw_size)
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>

#include "tracefile/byte_buffer.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace memwrap {

// zstd level of the columns. Levels below 1 leave literals uncompressed (no Huffman stage),
// which is where most of a column's shrinking comes from: at level -3 the columns were 27 to
// 33% larger. Level 3 saved 1 to 3% more for about 20% more encoding time.
inline constexpr int kColumnZstdLevel = 1;

// Compresses a columnar form into its stored form (appended to `out`). Returns false on a
// zstd error or a form that is not well framed (a bug: the encoder writes it), with a reason.
bool CompressColumns(ZSTD_CCtx_s* zstd, const uint8_t* form, size_t size, ByteBuffer* out,
                     std::string* error);

// The columnar form back from a stored form (appended to `out`); false with a reason when it is
// malformed or the columns would exceed `max_form_size` bytes in all (checked before anything
// is decompressed).
bool DecompressColumns(ZSTD_DCtx_s* zstd, const uint8_t* stored, size_t size, size_t max_form_size,
                       ByteBuffer* out, std::string* error);

}  // namespace memwrap
