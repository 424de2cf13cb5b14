#include "tests/fuzz/fuzz_targets.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "analyzer/report.h"
#include "analyzer/system_timeline.h"
#include "analyzer/trace_stream.h"
#include "memwrap/records.h"
#include "memwrap/ring.h"
#include "memwrap/trace_format.h"
#include "shim_link/ring_producer.h"
#include "tracefile/column_frames.h"
#include "tracefile/columnar_codec.h"
#include "tracefile/record_cursor.h"
#include "tracefile/record_packing.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_reader.h"
#include "tracer/collector/ring_consumer.h"

namespace memwrap::fuzz {
namespace {

// ---------------------------------------------------------------------------------------------
// trace_reader

// Each payload runs to the next chunk magic (see fuzz_targets.h, flags bit 1).
void Reframe(std::vector<uint8_t>* trace) {
  std::vector<uint8_t>& t = *trace;
  if (t.size() < sizeof(FileHeader)) return;
  FileHeader file;
  memcpy(&file, t.data(), sizeof(file));
  if (file.header_size < sizeof(FileHeader) || file.header_size > t.size()) return;
  const uint8_t magic[4] = {'M', 'W', 'C', 'K'};  // kChunkMagic as stored (little-endian)
  for (size_t offset = file.header_size; t.size() - offset >= sizeof(ChunkHeader);) {
    ChunkHeader chunk;
    memcpy(&chunk, t.data() + offset, sizeof(chunk));
    if (chunk.magic != kChunkMagic) return;
    const size_t payload = offset + sizeof(chunk);
    auto next = std::search(t.begin() + ptrdiff_t(payload), t.end(), magic, magic + 4);
    const size_t end = size_t(next - t.begin());
    chunk.stored_size = uint32_t(end - payload);
    if (chunk.codec == uint16_t(ChunkCodec::kNone)) chunk.raw_size = chunk.stored_size;
    memcpy(t.data() + offset, &chunk, sizeof(chunk));
    offset = end;
  }
}

// The longest prefix of `size` bytes that is whole records RecordPacker::Pack can take: framed
// as RecordCursor accepts, of a type that fits the packed form's type byte (and is not 0).
size_t PackablePrefix(const uint8_t* records, size_t size) {
  RecordCursor cursor(records, size);
  RecordView record;
  size_t good = 0;
  try {
    while (cursor.Next(&record, "fuzz input")) {
      const auto type = uint16_t(record.type);
      if (type == 0 || type > 0xff) break;
      good = cursor.position();
    }
  } catch (const TraceError&) {
  }
  return good;
}

// The chunk with this codec and payload (checksums are fixed later, when flags bit 0 says so).
void AppendChunk(std::vector<uint8_t>* out, ChunkHeader chunk, ChunkCodec codec,
                 const ByteBuffer& payload) {
  chunk.codec = uint16_t(codec);
  chunk.stored_size = uint32_t(payload.size());
  const auto* header = reinterpret_cast<const uint8_t*>(&chunk);
  out->insert(out->end(), header, header + sizeof(chunk));
  out->insert(out->end(), payload.begin(), payload.end());
}

struct Recoding {
  bool pack_stored;        // bit 2
  bool compress_packed;    // bit 3
  bool columnar_stored;    // bit 4
  bool compress_columnar;  // bit 5
};

// Flags bits 2 to 5 (fuzz_targets.h): records chunks re-encoded as codec 2 (packed + zstd) or
// codec 3 (columnar). Chunks are walked by their stored_size (after Reframe, when bit 1 is set
// too); what follows a chunk that runs past the end is kept as it is.
void Repack(std::vector<uint8_t>* trace, const Recoding& recoding) {
  const bool pack_stored = recoding.pack_stored;
  const bool compress_packed = recoding.compress_packed;
  static ZSTD_CCtx* const zstd = ZSTD_createCCtx();
  const std::vector<uint8_t>& t = *trace;
  if (t.size() < sizeof(FileHeader)) return;
  FileHeader file;
  memcpy(&file, t.data(), sizeof(file));
  if (file.header_size < sizeof(FileHeader) || file.header_size > t.size()) return;
  std::vector<uint8_t> out(t.begin(), t.begin() + file.header_size);
  size_t offset = file.header_size;
  while (t.size() - offset >= sizeof(ChunkHeader)) {
    ChunkHeader chunk;
    memcpy(&chunk, t.data() + offset, sizeof(chunk));
    const size_t payload = offset + sizeof(chunk);
    if (chunk.magic != kChunkMagic || chunk.stored_size > t.size() - payload) break;
    const uint8_t* data = t.data() + payload;
    const size_t stored = chunk.stored_size;
    size_t size = stored;
    ByteBuffer packed;
    const bool records_chunk = chunk.type == uint16_t(ChunkType::kRecords);
    if (records_chunk && !pack_stored && recoding.columnar_stored &&
        chunk.codec == uint16_t(ChunkCodec::kNone)) {
      // Mutated records, encoded the way TraceWriter encodes them: mutations reach the
      // columnar encoder, its decoder and everything after it.
      size = PackablePrefix(data, size);
      chunk.raw_size = uint32_t(size);
      ByteBuffer form;
      ColumnarCodec::Encode(data, size, &form);
      std::string error;
      if (!CompressColumns(zstd, form.data(), form.size(), &packed, &error)) {
        throw std::runtime_error("fuzz harness: CompressColumns failed: " + error);
      }
      AppendChunk(&out, chunk, ChunkCodec::kZstdColumnarSplit, packed);
      offset = payload + stored;
      continue;
    }
    const bool columnar_chunk = chunk.codec == uint16_t(ChunkCodec::kZstdColumnar) ||
                                chunk.codec == uint16_t(ChunkCodec::kZstdColumnarSplit);
    if (records_chunk && recoding.compress_columnar && columnar_chunk) {
      // The payload is a columnar form as the fuzzer wrote it (hostile directories, columns,
      // references): each column is compressed here, when the directory frames them. raw_size
      // is what they decode to, when they do.
      std::string error;
      ByteBuffer decoded;
      if (CompressColumns(zstd, data, size, &packed, &error)) {
        const ChunkCodec codec = ChunkCodec(chunk.codec);
        const ColumnarVersion version = codec == ChunkCodec::kZstdColumnar
                                            ? ColumnarVersion::kCodec3
                                            : ColumnarVersion::kCodec4;
        if (ColumnarCodec::Decode(data, size, kMaxChunkRawSize, &decoded, &error, version)) {
          chunk.raw_size = uint32_t(decoded.size());
        }
        AppendChunk(&out, chunk, codec, packed);
        offset = payload + stored;
        continue;
      }
    }
    if (records_chunk && pack_stored && chunk.codec == uint16_t(ChunkCodec::kNone)) {
      // Mutated records, packed the way TraceWriter packs them: mutations reach Unpack and
      // everything after it.
      size = PackablePrefix(data, size);
      chunk.raw_size = uint32_t(size);
      RecordPacker::Pack(data, size, &packed);
    } else if (compress_packed && chunk.codec == uint16_t(ChunkCodec::kZstdPacked)) {
      // The payload is packed records as the fuzzer wrote them (hostile varints, histories):
      // only compressed here. raw_size is what they unpack to, when they do.
      packed.assign(data, data + size);
      ByteBuffer records;
      std::string error;
      if (RecordPacker::Unpack(data, size, kMaxChunkRawSize, &records, &error)) {
        chunk.raw_size = uint32_t(records.size());
      }
    } else {
      out.insert(out.end(), t.begin() + ptrdiff_t(offset), t.begin() + ptrdiff_t(payload + stored));
      offset = payload + stored;
      continue;
    }
    ByteBuffer compressed(ZSTD_compressBound(packed.size()));
    const size_t n =
        ZSTD_compress(compressed.data(), compressed.size(), packed.data(), packed.size(), 1);
    if (ZSTD_isError(n)) throw std::runtime_error("fuzz harness: ZSTD_compress failed");
    compressed.resize(n);
    AppendChunk(&out, chunk, ChunkCodec::kZstdPacked, compressed);
    offset = payload + stored;
  }
  out.insert(out.end(), t.begin() + ptrdiff_t(offset), t.end());
  *trace = std::move(out);
}

// Valid CRC-32s for every chunk header, and for every payload that is complete.
void FixChecksums(std::vector<uint8_t>* trace) {
  std::vector<uint8_t>& t = *trace;
  if (t.size() < sizeof(FileHeader)) return;
  FileHeader file;
  memcpy(&file, t.data(), sizeof(file));
  if (file.header_size < sizeof(FileHeader) || file.header_size > t.size()) return;
  file.header_crc32 =
      uint32_t(crc32(0, reinterpret_cast<const Bytef*>(&file), offsetof(FileHeader, header_crc32)));
  memcpy(t.data(), &file, sizeof(file));
  for (uint64_t offset = file.header_size; t.size() - offset >= sizeof(ChunkHeader);) {
    ChunkHeader chunk;
    memcpy(&chunk, t.data() + offset, sizeof(chunk));
    if (chunk.magic != kChunkMagic) return;
    const uint64_t payload = offset + sizeof(chunk);
    const uint64_t end = payload + chunk.stored_size;
    if (end <= t.size()) {
      chunk.payload_crc32 = uint32_t(crc32(0, t.data() + payload, uInt(chunk.stored_size)));
    }
    chunk.header_crc32 = uint32_t(
        crc32(0, reinterpret_cast<const Bytef*>(&chunk), offsetof(ChunkHeader, header_crc32)));
    memcpy(t.data() + offset, &chunk, sizeof(chunk));
    if (end > t.size()) return;
    offset = end;
  }
}

// The trace lives in a memfd, read through /proc/self/fd/N: TraceReader takes a path, and this
// keeps the fuzzer off the disk. One per process, rewritten for every input.
int TraceFd() {
  static const int fd = [] {
    int created = memfd_create("memwrap-fuzz-trace", MFD_CLOEXEC);
    if (created < 0) throw std::runtime_error("fuzz harness: memfd_create failed");
    return created;
  }();
  return fd;
}

std::string WriteTrace(const std::vector<uint8_t>& trace) {
  const int fd = TraceFd();
  if (ftruncate(fd, 0) != 0) throw std::runtime_error("fuzz harness: ftruncate failed");
  for (size_t done = 0; done < trace.size();) {
    ssize_t n = pwrite(fd, trace.data() + done, trace.size() - done, off_t(done));
    if (n <= 0) throw std::runtime_error("fuzz harness: writing the memfd failed");
    done += size_t(n);
  }
  return "/proc/self/fd/" + std::to_string(fd);
}

void CheckReport(const Report& report) {
  // Every site was kept (top = all): together they are exactly what was live at the peak.
  // (Sums wrap like the replay's own arithmetic when a hostile trace overflows 64 bits.)
  uint64_t bytes = 0, blocks = 0;
  for (const CallSite& site : report.peak_sites) {
    bytes += site.bytes;
    blocks += site.allocations;
  }
  // With sampled stacks the sites are estimates (each sampled block weighed by its sampling
  // probability) and need not add up to the exact peak; their count still must.
  const bool exact = !report.peak_sites_estimated;
  if (report.peak_sites.size() != report.peak_site_count ||
      (exact && (bytes != report.peak_heap_bytes || blocks != report.peak_live_blocks))) {
    throw FuzzFailure("the call sites at the peak (" + std::to_string(bytes) + " bytes in " +
                      std::to_string(blocks) + " blocks) do not add up to the peak (" +
                      std::to_string(report.peak_heap_bytes) + " bytes in " +
                      std::to_string(report.peak_live_blocks) + " blocks)");
  }
  std::string text = FormatReportText(report);
  std::string summary = FormatRunSummary(report, 2);
  std::string json = FormatReportJson(report);
  if (!nlohmann::json::accept(json)) throw FuzzFailure("FormatReportJson wrote invalid JSON");
  (void)text;
  (void)summary;
}

void ReadSequentially(const std::string& path) {
  TraceReader reader(path);
  Chunk chunk;
  while (reader.NextChunk(&chunk) == TraceReader::Status::kChunk) {
    if (chunk.type == ChunkType::kSessionInfo) {
      ParseSessionInfo(chunk.data);
    } else if (chunk.type == ChunkType::kRecords) {
      RecordCursor cursor(chunk.data.data(), chunk.data.size());
      RecordView record;
      while (cursor.Next(&record, "chunk")) {
        uint64_t ts;
        RecordTimestamp(record, &ts);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// ring_consumer

constexpr uint64_t kCapacity = kMinRingCapacity;  // 64 KiB
constexpr uint64_t kMask = kCapacity - 1;
constexpr size_t kMappingSize = kRingHeaderSize + kCapacity;

struct RingParams {
  uint32_t drain_budget;
  uint16_t honest_records;
  uint16_t honest_seed;
};
static_assert(sizeof(RingParams) == 8);

// The ring as the collector maps it: page-aligned, and followed by a page that faults, so that
// a read past the end of the mapping crashes here as it would in memwrap (ASan alone misses
// an unaligned read that starts inside the buffer and ends past it). Made once, cleared for
// every input.
uint8_t* RingMapping() {
  static uint8_t* const mapping = [] {
    void* p = mmap(nullptr, kMappingSize + 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED ||
        mprotect(static_cast<uint8_t*>(p) + kMappingSize, 4096, PROT_NONE) != 0) {
      throw std::runtime_error("fuzz harness: cannot map the ring");
    }
    return static_cast<uint8_t*>(p);
  }();
  memset(mapping, 0, kMappingSize);
  return mapping;
}

// Checks what the consumer appended against the ring it read, from the position it started.
class RingChecker {
 public:
  RingChecker(const RingHeader* header, const uint8_t* ring, uint64_t position)
      : header_(header), ring_(ring), position_(position) {}

  // out[from, end) must be whole records, each the exact copy of the record in the committed
  // slot at the current position, in ring order; but while the ring says it has clockless
  // threads, a record with time 0 gets the time the consumer read it (ring.h).
  void Check(const ByteBuffer& out, size_t from) {
    RecordCursor cursor(out.data() + from, out.size() - from);
    RecordView record;
    for (;;) {
      try {
        if (!cursor.Next(&record, "Drain output")) break;
      } catch (const TraceError& error) {
        throw FuzzFailure(std::string("RingConsumer::Drain appended a malformed record: ") +
                          error.what());
      }
      uint64_t tag;
      Copy(position_, &tag, sizeof(tag));
      if (tag != CommitTag(position_)) {
        throw FuzzFailure("Drain returned a record from the uncommitted slot at ring position " +
                          std::to_string(position_));
      }
      std::vector<uint8_t> expected(record.size);
      Copy(position_ + kSlotTagSize, expected.data(), expected.size());
      const size_t ts_at = sizeof(RecordHeader);
      if (header_->clockless_threads.load() != 0 && record.type != RecordType::kStack &&
          record.size >= ts_at + sizeof(uint64_t)) {
        uint64_t ts_in_ring = 0, ts_out = 0;
        memcpy(&ts_in_ring, expected.data() + ts_at, sizeof(ts_in_ring));
        memcpy(&ts_out, record.data + ts_at, sizeof(ts_out));
        if (ts_in_ring == 0 && ts_out == 0) {
          throw FuzzFailure("a clockless thread's record came out without a time");
        }
        if (ts_in_ring == 0) memcpy(expected.data() + ts_at, &ts_out, sizeof(ts_out));
      }
      if (memcmp(expected.data(), record.data, record.size) != 0) {
        throw FuzzFailure("Drain returned a record that differs from the ring at position " +
                          std::to_string(position_));
      }
      position_ += kSlotTagSize + record.size;
      ++records_;
    }
  }

  uint64_t position() const { return position_; }
  uint64_t records() const { return records_; }

 private:
  void Copy(uint64_t position, void* out, size_t size) const {
    auto* dst = static_cast<uint8_t*>(out);
    for (size_t i = 0; i < size; ++i) dst[i] = ring_[(position + i) & kMask];
  }

  const RingHeader* header_;
  const uint8_t* ring_;
  uint64_t position_;
  uint64_t records_ = 0;
};

void CheckUnread(const RingConsumer& consumer, const RingHeader* header, uint64_t tail) {
  const uint64_t head = header->head.load();
  const uint64_t expected = head > tail ? head - tail : 0;
  if (consumer.UnreadBytes() != expected) {
    throw FuzzFailure("UnreadBytes() is " + std::to_string(consumer.UnreadBytes()) + ", head " +
                      std::to_string(head) + " and tail " + std::to_string(tail) + " say " +
                      std::to_string(expected));
  }
}

// A well-formed record of each kind the shim sends; its shape comes from `seed`.
std::vector<uint8_t> HonestRecord(uint32_t seed, uint64_t stamp) {
  std::vector<uint8_t> record;
  auto finish = [&](RecordType type, size_t used) {
    record.resize(AlignRecordSize(used), 0);
    RecordHeader h{uint32_t(record.size()), uint16_t(type), 0};
    memcpy(record.data(), &h, sizeof(h));
  };
  switch (seed % 6) {
    case 0: {
      AllocRecord alloc{};
      alloc.ts_ns = stamp;
      alloc.addr = 0x10000 + stamp * 16;
      alloc.size = seed;
      alloc.stack = seed % 7;
      record.assign(reinterpret_cast<uint8_t*>(&alloc), reinterpret_cast<uint8_t*>(&alloc + 1));
      finish(RecordType::kAlloc, sizeof(alloc));
      break;
    }
    case 1: {
      FreeRecord free_record{};
      free_record.ts_ns = stamp;
      free_record.addr = 0x10000 + stamp * 16;
      record.assign(reinterpret_cast<uint8_t*>(&free_record),
                    reinterpret_cast<uint8_t*>(&free_record + 1));
      finish(RecordType::kFree, sizeof(free_record));
      break;
    }
    case 2: {
      StackRecord stack{};
      stack.id = seed;
      stack.depth = (seed / 5) % (kMaxStackDepth + 1);
      record.resize(sizeof(stack) + stack.depth * 8u);
      for (size_t i = sizeof(stack); i < record.size(); ++i) record[i] = uint8_t(i * 31 + seed);
      memcpy(record.data(), &stack, sizeof(stack));
      finish(RecordType::kStack, record.size());
      break;
    }
    case 3: {
      ModuleRecord module{};
      module.ts_ns = stamp;
      module.base = 0x7f0000000000ull + seed;
      module.segment_count = uint16_t((seed / 5) % (kMaxModuleSegments + 1));
      module.build_id_size = uint16_t((seed / 7) % (kMaxBuildIdSize + 1));
      module.path_size = 1 + (seed / 11) % 300;
      record.resize(sizeof(module) + module.segment_count * sizeof(ModuleSegment) +
                        module.build_id_size + module.path_size,
                    'm');
      record.back() = '\0';
      memcpy(record.data(), &module, sizeof(module));
      finish(RecordType::kModule, record.size());
      break;
    }
    case 4: {
      // Sampled mode's eviction of a caller table entry (the shim sends flags 0 only).
      CallerTotalsRecord caller{};
      caller.ts_ns = stamp;
      caller.address = 0x400000 + seed;
      caller.calls = 1 + seed % 9;
      caller.bytes = seed;
      record.assign(reinterpret_cast<uint8_t*>(&caller), reinterpret_cast<uint8_t*>(&caller + 1));
      finish(RecordType::kCallerTotals, sizeof(caller));
      break;
    }
    default: {
      ReallocEndRecord end{};
      end.ts_ns = stamp;
      end.old_addr = 0x10000;
      end.new_addr = 0x20000 + seed;
      end.size = seed;
      record.assign(reinterpret_cast<uint8_t*>(&end), reinterpret_cast<uint8_t*>(&end + 1));
      finish(RecordType::kReallocEnd, sizeof(end));
      break;
    }
  }
  return record;
}

}  // namespace

void InitEnvironment() {
  // Module paths in a fuzzed trace are arbitrary; never let a lookup go to a debuginfod server.
  unsetenv("DEBUGINFOD_URLS");
}

std::vector<uint8_t> TraceFileOfInput(const uint8_t* data, size_t size) {
  if (size == 0) return {};
  const uint8_t flags = data[0];
  std::vector<uint8_t> trace(data + 1, data + size);
  if (flags & 2) Reframe(&trace);
  if (flags & 0x3c) {
    Repack(&trace,
           Recoding{(flags & 4) != 0, (flags & 8) != 0, (flags & 0x10) != 0, (flags & 0x20) != 0});
  }
  if (flags & 1) FixChecksums(&trace);
  return trace;
}

void TraceReaderTarget(const uint8_t* data, size_t size) {
  const std::string path = WriteTrace(TraceFileOfInput(data, size));
  try {
    Report report =
        BuildReport(path, ReportOptions{.top = SIZE_MAX, .process = 0, .suppressions = ""});
    CheckReport(report);
  } catch (const TraceError&) {
    // A clear refusal: what a damaged or hostile trace must get.
  }
  try {
    ReadSequentially(path);
  } catch (const TraceError&) {
  }
  try {
    // What memwrap timeline and report read of a system log (dlogger), whatever the session
    // info says.
    TraceReader reader(path);
    TraceStream stream(&reader);
    ReadSystemSamples(stream);
    FormatSystemLogReport(path, stream, "json");
  } catch (const TraceError&) {
  }
}

void ColumnarCodecTarget(const uint8_t* data, size_t size) {
  if (size == 0) return;
  static ZSTD_CCtx* const compress = ZSTD_createCCtx();
  static ZSTD_DCtx* const decompress = ZSTD_createDCtx();
  static ColumnarEncoder whole_encoder(ColumnarVersion::kCodec3);
  static ColumnarEncoder split_encoder(ColumnarVersion::kCodec4);
  static ColumnarDecoder decoder;
  constexpr size_t kStated = 1 << 20;
  const uint8_t mode = data[0] % 3;
  const ColumnarVersion version =
      (data[0] / 3) % 2 == 0 ? ColumnarVersion::kCodec3 : ColumnarVersion::kCodec4;
  ColumnarEncoder& encoder = version == ColumnarVersion::kCodec3 ? whole_encoder : split_encoder;
  ++data;
  --size;
  std::string error;
  ByteBuffer form, records;
  if (mode == 0 || mode == 1) {
    if (mode == 0 && !DecompressColumns(decompress, data, size, 2 * kStated + 256, &form, &error)) {
      return;
    }
    const uint8_t* input = mode == 0 ? form.data() : data;
    const size_t input_size = mode == 0 ? form.size() : size;
    if (decoder.Decode(version, input, input_size, kStated, &records, &error)) {
      if (records.size() > kStated) throw FuzzFailure("decoded more than the stated size");
    } else if (error.empty() || !records.empty()) {
      throw FuzzFailure("a refused columnar form left no reason, or records behind");
    }
    return;
  }
  const size_t good = PackablePrefix(data, size);
  encoder.Encode(data, good, &form);
  ByteBuffer stored, again;
  if (!CompressColumns(compress, form.data(), form.size(), &stored, &error) ||
      !DecompressColumns(decompress, stored.data(), stored.size(), 2 * good + 256, &again,
                         &error) ||
      !decoder.Decode(version, again.data(), again.size(), good, &records, &error)) {
    throw FuzzFailure("records did not round-trip through the columnar codec: " + error);
  }
  if (records.size() != good || (good > 0 && memcmp(records.data(), data, good) != 0)) {
    throw FuzzFailure("the columnar codec changed the records");
  }
}

void RingConsumerTarget(const uint8_t* data, size_t size) {
  RingParams params{};
  size_t used = std::min(size, sizeof(params));
  memcpy(&params, data, used);
  data += used;
  size -= used;

  uint8_t* const mapping = RingMapping();
  used = std::min(size, sizeof(RingHeader));
  memcpy(mapping, data, used);
  data += used;
  size -= used;
  auto* header = reinterpret_cast<RingHeader*>(mapping);
  if (!RingConsumer::Validate(mapping, kMappingSize).empty()) return;
  if (header->capacity != kCapacity) {
    throw FuzzFailure("Validate accepted capacity " + std::to_string(header->capacity) +
                      " for a mapping of " + std::to_string(kMappingSize) + " bytes");
  }
  uint8_t* ring = mapping + kRingHeaderSize;
  const uint64_t start = header->tail.load();
  const size_t laid = std::min<size_t>(size, kCapacity);
  for (size_t i = 0; i < laid; ++i) ring[(start + i) & kMask] = data[i];

  // Phase 1: drain what the hostile shim left. Nobody writes the ring meanwhile, so each 8-byte
  // word can be the commit tag of at most one position: more records than that is a loop.
  RingConsumer consumer(mapping);
  RingChecker checker(header, ring, start);
  ByteBuffer out;
  const size_t budget = params.drain_budget == 0 ? SIZE_MAX : params.drain_budget;
  for (uint64_t calls = 0;; ++calls) {
    const size_t before = out.size();
    const size_t got = consumer.Drain(&out, budget);
    if (got != out.size() - before) {
      throw FuzzFailure("Drain returned " + std::to_string(got) + " but appended " +
                        std::to_string(out.size() - before) + " bytes");
    }
    checker.Check(out, before);
    if (got == 0) break;
    if (checker.records() > kCapacity / kSlotTagSize) {
      throw FuzzFailure("Drain keeps returning records from a ring nobody writes");
    }
  }
  if (checker.records() > 0 && header->tail.load() != checker.position()) {
    throw FuzzFailure("the shared tail is " + std::to_string(header->tail.load()) +
                      " after the consumer read up to " + std::to_string(checker.position()));
  }
  CheckUnread(consumer, header, checker.position());
  if (consumer.damaged()) {
    if (consumer.Drain(&out, SIZE_MAX) != 0) throw FuzzFailure("a damaged ring was read again");
    return;
  }

  // Phase 2: an honest producer takes over where the consumer stopped; every record it writes
  // must come out exactly, wherever in the ring it lands.
  header->head.store(checker.position());
  // Whether the shim has clockless threads (ring.h) is the fuzzer's choice: a record with
  // time 0 then comes out with the time the consumer read it, all else as written.
  const bool clockless = (params.honest_seed & 1) != 0;
  header->clockless_threads.store(clockless ? 1 : 0);
  RingProducer producer;
  producer.Attach(mapping, [] { return false; });
  for (uint32_t i = 0; i < params.honest_records % 64; ++i) {
    std::vector<uint8_t> record = HonestRecord(params.honest_seed + i * 7919u, i);
    if (!producer.Write(record.data(), uint32_t(record.size()))) {
      throw FuzzFailure("the honest producer found no space after a full drain");
    }
    const size_t before = out.size();
    consumer.Drain(&out, SIZE_MAX);
    std::vector<uint8_t> expected = record;
    RecordHeader written;
    memcpy(&written, record.data(), sizeof(written));
    uint64_t ts_written = 0, ts_read = 0;
    const size_t ts_at = sizeof(RecordHeader);
    if (clockless && written.type != uint16_t(RecordType::kStack) &&
        record.size() >= ts_at + sizeof(uint64_t) && out.size() - before >= record.size()) {
      memcpy(&ts_written, record.data() + ts_at, sizeof(ts_written));
      memcpy(&ts_read, out.data() + before + ts_at, sizeof(ts_read));
      if (ts_written == 0) {
        if (ts_read == 0) throw FuzzFailure("a clockless thread's record came out without a time");
        memcpy(expected.data() + ts_at, &ts_read, sizeof(ts_read));
      }
    }
    if (out.size() - before < record.size() ||
        memcmp(out.data() + before, expected.data(), expected.size()) != 0) {
      throw FuzzFailure("an honest record written at ring position " +
                        std::to_string(checker.position()) + " did not come out as written" +
                        (consumer.damaged() ? " (" + consumer.damage() + ")" : ""));
    }
    checker.Check(out, before);
    // Bytes the fuzzer left behind our record may form further committed records (checked
    // above); the producer cannot follow from there, so stop.
    if (out.size() - before != record.size() || consumer.damaged()) return;
  }
  CheckUnread(consumer, header, checker.position());
}

}  // namespace memwrap::fuzz
