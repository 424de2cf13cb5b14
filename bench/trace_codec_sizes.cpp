// Re-encodes the records chunks of existing traces with codec 2 (packed), codec 3 (columnar)
// and codec 4 (columnar, varints split: what memwrap writes) and prints what each costs, per
// heap event and per column of codec 4 (a varint column with its continuation), with the CPU
// time of encoding and decoding codec 4: the measurements behind docs/performance.md ("Trace
// size").
//
// usage: trace_codec_sizes [--chunk-mib N] TRACE...
//        trace_codec_sizes --store TRACE OUT
//        trace_codec_sizes --columns TRACE OUT
//        trace_codec_sizes --pack TRACE OUT
//   --chunk-mib N: join each process's consecutive chunks up to N MiB of records first (to
//   see what a larger chunk would gain; the collector writes about 1 MiB).
//   --store: writes TRACE again with every chunk stored as is (codec 0), which any version of
//   the codecs reads: a fixed input while the codec changes.
//   --columns: writes TRACE again with every records chunk marked codec 4 but holding its
//   columnar form uncompressed (the fuzzer's seeds: tests/fuzz/make-seeds).
//   --recode: writes TRACE again with every records chunk as codec 4, as memwrap writes it now
//   (the report's time on the same records in codec 3 and codec 4).
//   --pack: writes TRACE again with every records chunk as codec 2 (packed, zstd -3), which
//   is what memwrap before format 1.2 wrote for the same records: the report's time on both.
// Every columnar chunk is decoded again and compared with the records, byte for byte.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include <map>
#include <string>
#include <vector>

#include "memwrap/records.h"
#include "tracefile/byte_buffer.h"
#include "tracefile/column_frames.h"
#include "tracefile/columnar_codec.h"
#include "tracefile/record_cursor.h"
#include "tracefile/record_packing.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_reader.h"
#include "tracefile/varint.h"

namespace memwrap {
namespace {

constexpr int kPackedLevel = -3;  // what the writer used for codec 2
constexpr size_t kChunkHeader = 32;

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

size_t Zstd(const uint8_t* data, size_t size, int level = kColumnZstdLevel,
            std::vector<uint8_t>* keep = nullptr) {
  std::vector<uint8_t> out(ZSTD_compressBound(size));
  size_t n = ZSTD_compress(out.data(), out.size(), data, size, level);
  if (ZSTD_isError(n)) abort();
  if (keep != nullptr) keep->assign(out.begin(), out.begin() + ptrdiff_t(n));
  return n;
}

const char* const kStreamNames[] = {
    "ops",         "times",       "times a-f",  "times f-a",   "times f-f", "tids",  "triple refs",
    "sizes",       "stacks",      "flags",      "reuse",       "addrs",     "ranks", "free addrs",
    "realloc old", "stack heads", "frame refs", "frame addrs", "other"};
constexpr size_t kStreams = sizeof(kStreamNames) / sizeof(kStreamNames[0]);
// Codec 4's continuation columns, after the streams: one for each of "times" to "frame addrs".
constexpr size_t kFirstVarintStream = 1, kVarintStreams = kStreams - 2;

struct Totals {
  uint64_t file = 0, chunks = 0, other_chunk_bytes = 0;
  uint64_t packed = 0, columnar = 0, columnar_whole = 0, columnar_split = 0, columnar_one_frame = 0;
  uint64_t stream_bytes[kStreams] = {}, stream_raw[kStreams] = {};
  std::map<int, uint64_t> types;
  double pack_cpu = 0, columnar_cpu = 0, unpack_cpu = 0, decode_cpu = 0;
};

void Measure(const ByteBuffer& records, Totals* t) {
  ++t->chunks;
  std::string error;
  double start = CpuSeconds();
  ByteBuffer packed;
  RecordPacker::Pack(records.data(), records.size(), &packed);
  std::vector<uint8_t> packed_frame;
  const size_t packed_size = Zstd(packed.data(), packed.size(), kPackedLevel, &packed_frame);
  t->pack_cpu += CpuSeconds() - start;
  t->packed += kChunkHeader + packed_size;

  ByteBuffer whole_form, whole_stored;
  static ColumnarEncoder whole_encoder(ColumnarVersion::kCodec3);
  whole_encoder.Encode(records.data(), records.size(), &whole_form);
  static ZSTD_CCtx* whole_cctx = ZSTD_createCCtx();
  if (!CompressColumns(whole_cctx, whole_form.data(), whole_form.size(), &whole_stored, &error))
    abort();
  t->columnar_whole += kChunkHeader + whole_stored.size();

  start = CpuSeconds();
  ByteBuffer columnar;
  static ColumnarEncoder encoder(ColumnarVersion::kCodec4);
  encoder.Encode(records.data(), records.size(), &columnar);
  static ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ByteBuffer stored;
  if (!CompressColumns(cctx, columnar.data(), columnar.size(), &stored, &error)) abort();
  t->columnar_cpu += CpuSeconds() - start;
  t->columnar += kChunkHeader + stored.size();
  const size_t one_frame = Zstd(columnar.data(), columnar.size());
  t->columnar_one_frame += kChunkHeader + one_frame;

  start = CpuSeconds();
  ByteBuffer unzstd(packed.size());
  if (ZSTD_decompress(unzstd.data(), unzstd.size(), packed_frame.data(), packed_frame.size()) !=
      packed.size()) {
    abort();
  }
  ByteBuffer again;
  again.reserve(records.size());
  if (!RecordPacker::Unpack(unzstd.data(), unzstd.size(), records.size(), &again, &error)) abort();
  t->unpack_cpu += CpuSeconds() - start;
  start = CpuSeconds();
  static ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ByteBuffer form;
  if (!DecompressColumns(dctx, stored.data(), stored.size(), records.size() * 2 + 256, &form,
                         &error)) {
    fprintf(stderr, "columns do not decompress: %s\n", error.c_str());
    exit(1);
  }
  ByteBuffer decoded;
  decoded.reserve(records.size());
  static ColumnarDecoder decoder;
  if (!decoder.Decode(ColumnarVersion::kCodec4, form.data(), form.size(), records.size(), &decoded,
                      &error)) {
    fprintf(stderr, "columnar decode failed: %s\n", error.c_str());
    exit(1);
  }
  t->decode_cpu += CpuSeconds() - start;
  if (decoded.size() != records.size() ||
      memcmp(decoded.data(), records.data(), records.size()) != 0) {
    size_t i = 0;
    while (i < decoded.size() && i < records.size() && decoded[i] == records[i]) ++i;
    fprintf(stderr, "columnar round trip differs at byte %zu of %zu (decoded %zu)\n", i,
            records.size(), decoded.size());
    exit(1);
  }

  // Each column compressed on its own, to see what it costs.
  const uint8_t* p = columnar.data();
  const uint8_t* end = p + columnar.size();
  constexpr size_t kColumns = kStreams + kVarintStreams;
  uint64_t count, sizes[kColumns];
  if (!GetVarint(p, end, &count) || count != kColumns) abort();
  for (size_t i = 0; i < kColumns; ++i) GetVarint(p, end, &sizes[i]);
  t->columnar_split += kChunkHeader;
  for (size_t i = 0; i < kColumns; ++i) {
    const size_t z = sizes[i] == 0 ? 0 : Zstd(p, sizes[i]);
    const size_t stream = i < kStreams ? i : i - kStreams + kFirstVarintStream;
    t->stream_bytes[stream] += z;
    t->stream_raw[stream] += sizes[i];
    t->columnar_split += z;
    p += sizes[i];
  }

  RecordCursor cursor(records.data(), records.size());
  RecordView view;
  while (cursor.TryNext(&view)) ++t->types[int(view.type)];
}

enum class Form { kStored, kColumns, kRecoded, kPacked };

int Store(const char* in, const char* out, Form form) {
  TraceReader reader(in);
  FILE* f = fopen(out, "wb");
  if (f == nullptr) return 1;
  fwrite(&reader.header(), sizeof(FileHeader), 1, f);
  Chunk chunk;
  while (reader.NextChunk(&chunk) == TraceReader::Status::kChunk) {
    ChunkHeader h{};
    h.magic = kChunkMagic;
    h.type = uint16_t(chunk.type);
    h.codec = uint16_t(ChunkCodec::kNone);
    h.pid = chunk.pid;
    h.stored_size = h.raw_size = uint32_t(chunk.data.size());
    ByteBuffer payload(chunk.data.begin(), chunk.data.end());
    if (form == Form::kColumns && chunk.type == ChunkType::kRecords) {
      payload.clear();
      ColumnarCodec::Encode(chunk.data.data(), chunk.data.size(), &payload);
      h.codec = uint16_t(ChunkCodec::kZstdColumnarSplit);
      h.stored_size = uint32_t(payload.size());
    } else if (form == Form::kRecoded && chunk.type == ChunkType::kRecords) {
      ByteBuffer columns;
      ColumnarCodec::Encode(chunk.data.data(), chunk.data.size(), &columns);
      static ZSTD_CCtx* cctx = ZSTD_createCCtx();
      std::string error;
      payload.clear();
      if (!CompressColumns(cctx, columns.data(), columns.size(), &payload, &error)) abort();
      h.codec = uint16_t(ChunkCodec::kZstdColumnarSplit);
      h.stored_size = uint32_t(payload.size());
    } else if (form == Form::kPacked && chunk.type == ChunkType::kRecords) {
      ByteBuffer packed;
      RecordPacker::Pack(chunk.data.data(), chunk.data.size(), &packed);
      std::vector<uint8_t> frame;
      Zstd(packed.data(), packed.size(), kPackedLevel, &frame);
      payload.assign(frame.begin(), frame.end());
      h.codec = uint16_t(ChunkCodec::kZstdPacked);
      h.stored_size = uint32_t(payload.size());
    }
    h.payload_crc32 = uint32_t(crc32(0, payload.data(), uInt(payload.size())));
    h.header_crc32 = uint32_t(crc32(0, reinterpret_cast<const Bytef*>(&h), 28));
    fwrite(&h, sizeof(h), 1, f);
    fwrite(payload.data(), 1, payload.size(), f);
  }
  return fclose(f) == 0 ? 0 : 1;
}

int Run(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "--store") == 0) return Store(argv[2], argv[3], Form::kStored);
  if (argc == 4 && strcmp(argv[1], "--columns") == 0)
    return Store(argv[2], argv[3], Form::kColumns);
  if (argc == 4 && strcmp(argv[1], "--recode") == 0) return Store(argv[2], argv[3], Form::kRecoded);
  if (argc == 4 && strcmp(argv[1], "--pack") == 0) return Store(argv[2], argv[3], Form::kPacked);
  size_t join = 0;
  int first = 1;
  if (argc > 2 && strcmp(argv[1], "--chunk-mib") == 0) {
    join = size_t(atoi(argv[2])) << 20;
    first = 3;
  }
  if (first >= argc) {
    fprintf(stderr, "usage: trace_codec_sizes [--chunk-mib N] TRACE...\n");
    return 2;
  }
  for (int a = first; a < argc; ++a) {
    TraceReader reader(argv[a]);
    Totals t;
    std::map<uint32_t, ByteBuffer> pending;
    Chunk chunk;
    t.file = sizeof(FileHeader);
    while (reader.NextChunk(&chunk) == TraceReader::Status::kChunk) {
      if (chunk.type != ChunkType::kRecords) {
        t.other_chunk_bytes += chunk.next_offset - chunk.offset;
        continue;
      }
      ByteBuffer& joined = pending[chunk.pid];
      if (join != 0 && joined.size() + chunk.data.size() <= join) {
        joined.insert(joined.end(), chunk.data.begin(), chunk.data.end());
        continue;
      }
      if (!joined.empty()) Measure(joined, &t);
      joined.assign(chunk.data.begin(), chunk.data.end());
      if (join == 0) {
        Measure(joined, &t);
        joined.clear();
      }
    }
    for (auto& [pid, joined] : pending) {
      if (!joined.empty()) Measure(joined, &t);
    }
    const uint64_t events = t.types[int(RecordType::kAlloc)] + t.types[int(RecordType::kFree)] +
                            t.types[int(RecordType::kReallocBegin)] +
                            t.types[int(RecordType::kReallocEnd)];
    const double e = double(events ? events : 1);
    const uint64_t base = sizeof(FileHeader) + t.other_chunk_bytes;
    printf("%s: %zu records chunks, %llu heap events\n", argv[a], size_t(t.chunks),
           (unsigned long long)events);
    for (const auto& [type, n] : t.types) printf("  type %2d: %llu\n", type, (unsigned long long)n);
    printf("  codec 2 file %llu bytes, %.3f bytes/event\n", (unsigned long long)(base + t.packed),
           double(base + t.packed) / e);
    printf("  codec 3 file %llu bytes, %.3f bytes/event\n",
           (unsigned long long)(base + t.columnar_whole), double(base + t.columnar_whole) / e);
    printf("  codec 4 file %llu bytes, %.3f bytes/event (all columns in one frame: %.3f)\n",
           (unsigned long long)(base + t.columnar), double(base + t.columnar) / e,
           double(base + t.columnar_one_frame) / e);
    printf("  other chunks and header: %llu bytes\n", (unsigned long long)base);
    for (size_t i = 0; i < kStreams; ++i) {
      printf("    %-12s %10llu raw %10llu zstd  %.3f bytes/event\n", kStreamNames[i],
             (unsigned long long)t.stream_raw[i], (unsigned long long)t.stream_bytes[i],
             double(t.stream_bytes[i]) / e);
    }
    printf(
        "  cpu: pack+zstd %.3f s, columnar+zstd %.3f s, unzstd+unpack %.3f s, unzstd+decode %.3f "
        "s\n",
        t.pack_cpu, t.columnar_cpu, t.unpack_cpu, t.decode_cpu);
  }
  return 0;
}

}  // namespace
}  // namespace memwrap

int main(int argc, char** argv) {
  try {
    return memwrap::Run(argc, argv);
  } catch (const memwrap::TraceError& error) {
    fprintf(stderr, "trace_codec_sizes: %s\n", error.what());
    return 1;
  }
}
