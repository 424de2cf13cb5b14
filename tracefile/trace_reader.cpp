#include "tracefile/trace_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>

#include "fileio/input_file.h"
#include "tracefile/column_frames.h"
#include "tracefile/columnar_codec.h"
#include "tracefile/file_header.h"
#include "tracefile/record_packing.h"
#include "tracefile/trace_error.h"

namespace memwrap {
namespace {

// Packed and columnar records are never much larger than the records themselves (a few bytes
// a record of varint framing at worst, and the columnar directory): a bound for what a chunk
// may decompress to.
uint64_t MaxPackedSize(uint32_t raw_size) {
  return uint64_t(raw_size) * 2 + 64;
}
uint64_t MaxColumnarSize(uint32_t raw_size) {
  return uint64_t(raw_size) * 2 + 256;
}

}  // namespace

TraceReader::TraceReader(const std::string& path) : path_(path) {
  std::string reason;
  fd_ = UniqueFd(OpenRegularFile(path, &reason));
  if (!fd_.valid()) {
    throw TraceError(TraceError::Kind::kIo, "cannot open trace '" + path + "': " + reason);
  }
  struct stat st {};
  if (fstat(fd_.get(), &st) != 0) {
    throw TraceError(TraceError::Kind::kIo, "cannot read trace '" + path + "': " + strerror(errno));
  }
  file_size_ = uint64_t(st.st_size);
  zstd_.reset(ZSTD_createDCtx());
  size_t got = 0;
  if (file_size_ == 0) {
    throw TraceError(TraceError::Kind::kNotATrace, "'" + path + "' is empty, not a memwrap trace");
  }
  if (!ReadExact(0, &header_, sizeof(header_), &got) ||
      memcmp(header_.magic, kTraceMagic, sizeof(kTraceMagic)) != 0) {
    if (got >= sizeof(kTraceMagic) &&
        memcmp(header_.magic, kTraceMagic, sizeof(kTraceMagic)) == 0) {
      throw TraceError(TraceError::Kind::kCorrupt, "trace '" + path +
                                                       "' is truncated inside its file header (" +
                                                       std::to_string(got) + " of " +
                                                       std::to_string(sizeof(header_)) + " bytes)");
    }
    throw TraceError(TraceError::Kind::kNotATrace,
                     "'" + path + "' is not a memwrap trace (no MWTRACE magic at offset 0)");
  }
  if (header_.format_major == 0) Corrupt(0, "format version 0 does not exist");
  if (header_.format_major > kTraceFormatMajor) {
    throw TraceError(TraceError::Kind::kNewerFormat,
                     "trace '" + path + "' has format version " +
                         std::to_string(header_.format_major) + "." +
                         std::to_string(header_.format_minor) + "; this memwrap reads up to " +
                         std::to_string(kTraceFormatMajor) + ".x: upgrade memwrap");
  }
  if (!FileHeaderChecksumMatches(header_)) {
    Corrupt(0,
            "file header checksum mismatch (a damaged header would change every time in "
            "the trace)");
  }
  if (header_.header_size < sizeof(FileHeader) || header_.header_size > file_size_) {
    Corrupt(0, "file header size " + std::to_string(header_.header_size) + " is impossible");
  }
  next_offset_ = header_.header_size;
}

TraceReader::~TraceReader() = default;

uint64_t TraceReader::chunk_bytes_allowed() const {
  return std::min(kMaxChunkBytesHeld,
                  kChunkBytesHeldBase + kChunkBytesHeldPerFileByte * file_size_);
}

void TraceReader::FreeZstd::operator()(ZSTD_DCtx_s* ctx) const {
  ZSTD_freeDCtx(ctx);
}

bool TraceReader::ReadExact(uint64_t offset, void* out, size_t size, size_t* got) {
  *got = 0;
  auto* p = static_cast<uint8_t*>(out);
  while (*got < size) {
    ssize_t n = pread(fd_.get(), p + *got, size - *got, off_t(offset + *got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw TraceError(TraceError::Kind::kIo,
                       "cannot read trace '" + path_ + "': " + strerror(errno));
    }
    if (n == 0) return false;
    *got += size_t(n);
  }
  return true;
}

void TraceReader::Corrupt(uint64_t offset, const std::string& what) const {
  throw TraceError(TraceError::Kind::kCorrupt, "trace '" + path_ + "' is corrupt at offset " +
                                                   std::to_string(offset) + ": " + what);
}

TraceReader::Status TraceReader::NextChunk(Chunk* chunk, bool with_data) {
  Status status = ReadChunkAt(next_offset_, chunk, with_data);
  if (status == Status::kChunk) next_offset_ = chunk->next_offset;
  return status;
}

TraceReader::Status TraceReader::ReadChunkAt(uint64_t offset, Chunk* chunk, bool with_data,
                                             bool defer_columns) {
  if (offset == file_size_) return Status::kEnd;
  ChunkHeader header{};
  size_t got = 0;
  auto truncated = [&](uint64_t have, uint64_t want) {
    truncation_message_ = "trace '" + path_ + "' is truncated at offset " + std::to_string(offset) +
                          ": the last chunk is incomplete (" + std::to_string(have) + " of " +
                          std::to_string(want) + " bytes); everything before it was read";
    return Status::kTruncated;
  };
  if (!ReadExact(offset, &header, sizeof(header), &got)) {
    // A partial header at the end is a torn write (memwrap was killed), unless what is there
    // is not even the start of a chunk header.
    if (got >= 4 && header.magic != kChunkMagic) Corrupt(offset, "no chunk magic");
    return truncated(got, sizeof(header));
  }
  if (header.magic != kChunkMagic) Corrupt(offset, "no chunk magic");
  uint32_t header_crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(&header), offsetof(ChunkHeader, header_crc32)));
  if (header_crc != header.header_crc32) Corrupt(offset, "chunk header checksum mismatch");
  if (header.stored_size > kMaxChunkStoredSize || header.raw_size > kMaxChunkRawSize) {
    Corrupt(offset, "chunk size " + std::to_string(header.stored_size) + "/" +
                        std::to_string(header.raw_size) + " exceeds the format limit");
  }
  uint64_t payload_offset = offset + sizeof(header);
  uint64_t end = payload_offset + header.stored_size;
  if (end > file_size_) return truncated(file_size_ - offset, end - offset);

  chunk->offset = offset;
  chunk->next_offset = end;
  chunk->type = static_cast<ChunkType>(header.type);
  chunk->pid = header.pid;
  chunk->raw_size = header.raw_size;
  chunk->data.clear();
  chunk->columns = false;
  chunk->raw_size = header.raw_size;
  if (!with_data) return Status::kChunk;

  stored_.resize(header.stored_size);
  if (!ReadExact(payload_offset, stored_.data(), stored_.size(), &got)) {
    return truncated(sizeof(header) + got, end - offset);
  }
  uint32_t payload_crc = static_cast<uint32_t>(crc32(0, stored_.data(), uInt(stored_.size())));
  if (payload_crc != header.payload_crc32) Corrupt(offset, "chunk payload checksum mismatch");
  DecodePayload(offset, header, defer_columns, chunk);
  return Status::kChunk;
}

void TraceReader::DecodePayload(uint64_t offset, const ChunkHeader& header, bool defer_columns,
                                Chunk* chunk) {
  switch (static_cast<ChunkCodec>(header.codec)) {
    case ChunkCodec::kNone:
      if (header.raw_size != header.stored_size) Corrupt(offset, "raw chunk size mismatch");
      chunk->data.assign(stored_.begin(), stored_.end());
      break;
    case ChunkCodec::kZstd: {
      chunk->data.resize(header.raw_size);
      size_t n = ZSTD_decompressDCtx(zstd_.get(), chunk->data.data(), chunk->data.size(),
                                     stored_.data(), stored_.size());
      if (ZSTD_isError(n)) {
        Corrupt(offset, std::string("zstd: ") + ZSTD_getErrorName(n));
      }
      if (n != header.raw_size) Corrupt(offset, "decompressed size differs from the header");
      break;
    }
    case ChunkCodec::kZstdPacked: {
      if (chunk->type != ChunkType::kRecords) Corrupt(offset, "packed chunk that holds no records");
      // Packed records are never larger than the records themselves (plus a few bytes a
      // record for the varint framing): a bound for the decompression buffer.
      unsigned long long packed_size = ZSTD_getFrameContentSize(stored_.data(), stored_.size());
      if (packed_size == ZSTD_CONTENTSIZE_ERROR || packed_size == ZSTD_CONTENTSIZE_UNKNOWN ||
          packed_size > MaxPackedSize(header.raw_size)) {
        Corrupt(offset, "packed chunk has an impossible size");
      }
      packed_.resize(size_t(packed_size));
      size_t n = ZSTD_decompressDCtx(zstd_.get(), packed_.data(), packed_.size(), stored_.data(),
                                     stored_.size());
      if (ZSTD_isError(n)) Corrupt(offset, std::string("zstd: ") + ZSTD_getErrorName(n));
      if (n != packed_.size()) Corrupt(offset, "decompressed size differs from the frame's");
      chunk->data.clear();
      chunk->data.reserve(header.raw_size);
      std::string error;
      if (!RecordPacker::Unpack(packed_.data(), packed_.size(), header.raw_size, &chunk->data,
                                &error)) {
        Corrupt(offset, error);
      }
      if (chunk->data.size() != header.raw_size) {
        Corrupt(offset, "unpacked size differs from the header");
      }
      break;
    }
    case ChunkCodec::kZstdColumnar:
    case ChunkCodec::kZstdColumnarSplit: {
      if (chunk->type != ChunkType::kRecords) {
        Corrupt(offset, "columnar chunk that holds no records");
      }
      ByteBuffer& columns = defer_columns ? chunk->data : packed_;
      columns.clear();
      std::string error;
      if (!DecompressColumns(zstd_.get(), stored_.data(), stored_.size(),
                             MaxColumnarSize(header.raw_size), &columns, &error)) {
        Corrupt(offset, error);
      }
      chunk->columns = defer_columns;
      chunk->columnar_version = header.codec == uint16_t(ChunkCodec::kZstdColumnar)
                                    ? ColumnarVersion::kCodec3
                                    : ColumnarVersion::kCodec4;
      if (!defer_columns) DecodeColumns(path_, *chunk, packed_, &columnar_, &chunk->data);
      break;
    }
    default:
      Corrupt(offset, "unknown codec " + std::to_string(header.codec));
  }
}

void TraceReader::DecodeColumns(const std::string& path, const Chunk& chunk,
                                ColumnarDecoder* decoder, ByteBuffer* records) {
  DecodeColumns(path, chunk, chunk.data, decoder, records);
}

void TraceReader::DecodeColumns(const std::string& path, const Chunk& chunk,
                                const ByteBuffer& columns, ColumnarDecoder* decoder,
                                ByteBuffer* records) {
  auto corrupt = [&](const std::string& what) {
    throw TraceError(TraceError::Kind::kCorrupt, "trace '" + path + "' is corrupt at offset " +
                                                     std::to_string(chunk.offset) + ": " + what);
  };
  records->clear();
  records->reserve(chunk.raw_size);
  std::string error;
  if (!decoder->Decode(chunk.columnar_version, columns.data(), columns.size(), chunk.raw_size,
                       records, &error)) {
    corrupt(error);
  }
  if (records->size() != chunk.raw_size) corrupt("decoded size differs from the header");
}

std::map<std::string, std::string> ParseSessionInfo(const ByteBuffer& data) {
  std::map<std::string, std::string> info;
  std::string text(data.begin(), data.end());
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    size_t eq = line.find('=');
    if (eq != std::string::npos) {
      std::string value;
      for (size_t i = eq + 1; i < line.size(); ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          value += line[i] == 'n' ? '\n' : line[i];
        } else {
          value += line[i];
        }
      }
      info[line.substr(0, eq)] = value;
    }
    start = end + 1;
  }
  return info;
}

}  // namespace memwrap
