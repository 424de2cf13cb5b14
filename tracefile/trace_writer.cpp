#include "tracefile/trace_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "memwrap/monotonic_clock.h"
#include "tracefile/column_frames.h"
#include "tracefile/columnar_codec.h"
#include "tracefile/file_header.h"
#include "tracefile/trace_error.h"

namespace memwrap {
namespace {

// The level of the session-info chunk (a few hundred bytes, once). Records chunks are encoded
// as columns and each column compressed at its own level (column_frames.h).
constexpr int kZstdLevel = -3;

std::string ErrnoText(int err) {
  return strerror(err);
}

ChunkHeader ChunkHeaderFor(ChunkType type, ChunkCodec codec, uint32_t pid, const uint8_t* payload,
                           size_t stored, size_t raw_size) {
  ChunkHeader header{};
  header.magic = kChunkMagic;
  header.type = static_cast<uint16_t>(type);
  header.codec = static_cast<uint16_t>(codec);
  header.pid = pid;
  header.stored_size = static_cast<uint32_t>(stored);
  header.raw_size = static_cast<uint32_t>(raw_size);
  header.payload_crc32 = static_cast<uint32_t>(crc32(0, payload, uInt(stored)));
  header.header_crc32 = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(&header), offsetof(ChunkHeader, header_crc32)));
  return header;
}

// Another appender (an overlapping cron job) finishes its chunks first; a writer that holds
// the file longer (a dlogger still running on it) makes this one give up rather than pile up
// blocked cron jobs.
void LockForAppend(int fd, const std::string& path) {
  constexpr int kLockTries = 40;  // x 50 ms
  for (int tries = 0; flock(fd, LOCK_EX | LOCK_NB) != 0; ++tries) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      throw TraceError(TraceError::Kind::kIo,
                       "cannot lock trace '" + path + "': " + ErrnoText(errno));
    }
    if (tries == kLockTries) {
      throw TraceError(TraceError::Kind::kIo, "cannot append to trace '" + path +
                                                  "': another process has been writing it for "
                                                  "over 2 s (a dlogger still running on it?)");
    }
    usleep(50000);
  }
}

// Reads up to `want` bytes at `offset` of the trace being appended to; returns how many.
size_t ReadAt(int fd, const std::string& path, uint64_t offset, void* out, size_t want) {
  size_t got = 0;
  while (got < want) {
    ssize_t n = pread(fd, static_cast<uint8_t*>(out) + got, want - got, off_t(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw TraceError(TraceError::Kind::kIo,
                       "cannot read trace '" + path + "': " + ErrnoText(errno));
    }
    if (n == 0) break;
    got += size_t(n);
  }
  return got;
}

TraceError AppendCorrupt(const std::string& path, uint64_t offset, const std::string& what) {
  return TraceError(TraceError::Kind::kCorrupt,
                    "cannot append to trace '" + path + "': it is corrupt at offset " +
                        std::to_string(offset) + ": " + what + " (the file was left unchanged)");
}

// The file header of a trace to append to (`size` bytes long), if this memwrap can append.
FileHeader CheckedFileHeader(int fd, const std::string& path, uint64_t size) {
  FileHeader header{};
  const size_t got = ReadAt(fd, path, 0, &header, sizeof(header));
  if (got < sizeof(kTraceMagic) || memcmp(header.magic, kTraceMagic, sizeof(kTraceMagic)) != 0) {
    throw TraceError(TraceError::Kind::kNotATrace,
                     "cannot append to '" + path + "': it is not a memwrap trace");
  }
  if (got < sizeof(header) || header.format_major == 0 || header.header_size < sizeof(FileHeader) ||
      header.header_size > size) {
    throw AppendCorrupt(path, 0, "impossible file header");
  }
  if (header.format_major > kTraceFormatMajor) {
    throw TraceError(TraceError::Kind::kNewerFormat,
                     "cannot append to trace '" + path + "': it has format version " +
                         std::to_string(header.format_major) + "." +
                         std::to_string(header.format_minor) + " (newer than this memwrap)");
  }
  if (!FileHeaderChecksumMatches(header)) {
    throw AppendCorrupt(path, 0, "file header checksum mismatch");
  }
  return header;
}

// Walks the chunk headers from `offset` (no payload is read) to the end of the last complete
// chunk, and returns it. The writer writes each chunk with one write(), so only the last one
// can be incomplete. *end_of_trace_offset: where the last complete chunk starts if it ends the
// trace, else 0.
uint64_t EndOfCompleteChunks(int fd, const std::string& path, uint64_t offset, uint64_t size,
                             uint64_t* end_of_trace_offset) {
  while (offset < size) {
    ChunkHeader chunk{};
    const size_t have = ReadAt(fd, path, offset, &chunk, sizeof(chunk));
    if (have < sizeof(chunk)) {
      if (have >= 4 && chunk.magic != kChunkMagic) {
        throw AppendCorrupt(path, offset, "no chunk magic");
      }
      break;  // a torn chunk header
    }
    if (chunk.magic != kChunkMagic) throw AppendCorrupt(path, offset, "no chunk magic");
    const uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(&chunk), offsetof(ChunkHeader, header_crc32)));
    if (crc != chunk.header_crc32) {
      throw AppendCorrupt(path, offset, "chunk header checksum mismatch");
    }
    const uint64_t end = offset + sizeof(chunk) + chunk.stored_size;
    if (end > size) break;  // a torn payload
    *end_of_trace_offset = chunk.type == uint16_t(ChunkType::kEndOfTrace) ? offset : 0;
    offset = end;
  }
  return offset;
}

}  // namespace

TraceWriter::ClockOrigin TraceWriter::Now() {
  ClockOrigin origin;
  origin.realtime_ns = ClockNs(CLOCK_REALTIME);
  origin.monotonic_ns = ClockNs(CLOCK_MONOTONIC);
  return origin;
}

TraceWriter::TraceWriter(const std::string& path, Existing existing)
    : TraceWriter(path, existing, Now()) {}

TraceWriter::TraceWriter(const std::string& path, Existing existing, ClockOrigin origin)
    : path_(path) {
  zstd_.reset(ZSTD_createCCtx());
  if (existing == Existing::kAppend) {
    OpenForAppend(origin);
    return;
  }
  const ExistingFile rule =
      existing == Existing::kReplace ? ExistingFile::kReplace : ExistingFile::kRefuse;
  if (std::string error = file_.Open(path, rule, 0600); !error.empty()) {
    throw TraceError(TraceError::Kind::kIo, "cannot create trace '" + path + "': " + error);
  }
  // Held while the writer lives, so an appender (cronlogger) never writes into a trace that
  // is still being written. Nobody else holds it on a file just created.
  flock(file_.fd(), LOCK_EX | LOCK_NB);
  try {
    WriteFileHeader(origin);
  } catch (const TraceError&) {
    file_.Discard();  // a 0-byte file would block the rerun ("the file exists")
    throw;
  }
}

void TraceWriter::WriteFileHeader(ClockOrigin origin) {
  const FileHeader header = MakeFileHeader(origin.realtime_ns, origin.monotonic_ns);
  WriteAll(&header, sizeof(header));
}

void TraceWriter::OpenForAppend(ClockOrigin origin) {
  if (std::string error = file_.Open(path_, ExistingFile::kAppend, 0600, /*readable=*/true);
      !error.empty()) {
    throw TraceError(TraceError::Kind::kIo,
                     "cannot open trace '" + path_ + "' for appending: " + error);
  }
  LockForAppend(file_.fd(), path_);
  struct stat st {};
  if (fstat(file_.fd(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw TraceError(TraceError::Kind::kIo, "cannot append to '" + path_ + "': not a regular file");
  }
  const uint64_t size = uint64_t(st.st_size);
  if (size == 0) {
    WriteFileHeader(origin);
    return;
  }
  const FileHeader header = CheckedFileHeader(file_.fd(), path_, size);
  uint64_t end_of_trace_offset = 0;
  uint64_t offset =
      EndOfCompleteChunks(file_.fd(), path_, header.header_size, size, &end_of_trace_offset);
  if (offset < size) torn_tail_bytes_ = size - offset;
  // The earlier writer's end-of-trace chunk goes too: this writer's Finish() ends the file
  // again after its own chunks, so the file has one, last, and reads as incomplete while an
  // appender is still writing.
  if (end_of_trace_offset != 0) offset = end_of_trace_offset;
  if (offset < size) {
    if (ftruncate(file_.fd(), off_t(offset)) != 0) {
      throw TraceError(TraceError::Kind::kIo, "cannot cut the end of '" + path_ +
                                                  "' before appending: " + ErrnoText(errno));
    }
  }
  if (lseek(file_.fd(), off_t(offset), SEEK_SET) < 0) {
    throw TraceError(TraceError::Kind::kIo, "cannot seek in '" + path_ + "': " + ErrnoText(errno));
  }
  offset_ = offset;
  appended_ = true;
}

TraceWriter::~TraceWriter() {
  if (!file_.is_open()) return;
  // The one place a replacing writer can fail after the recording: the caller has no more
  // use for the writer, so the failure and where the trace is are said here.
  if (std::string error = file_.Commit(); !error.empty()) {
    fprintf(stderr, "memwrap: cannot replace '%s': %s; the trace is in '%s'\n", path_.c_str(),
            error.c_str(), file_.written_path().c_str());
  }
}

void TraceWriter::Discard() {
  file_.Discard();
}

void TraceWriter::FreeZstd::operator()(ZSTD_CCtx_s* ctx) const {
  ZSTD_freeCCtx(ctx);
}

void TraceWriter::WriteSessionInfo(const std::map<std::string, std::string>& info) {
  // Values may hold anything (a program argument with a newline): escape so that each entry
  // stays one line. Keys are memwrap's own identifiers.
  std::string text;
  for (const auto& [key, value] : info) {
    text += key + "=";
    for (char c : value) {
      if (c == '\\') {
        text += "\\\\";
      } else if (c == '\n') {
        text += "\\n";
      } else {
        text += c;
      }
    }
    text += "\n";
  }
  WriteChunk(ChunkType::kSessionInfo, ChunkCodec::kZstd, 0, text.data(), text.size(), text.size());
}

void TraceWriter::WriteRecords(uint32_t pid, const void* records, size_t size) {
  if (size > kMaxChunkRawSize) {
    throw TraceError(TraceError::Kind::kIo, "internal: chunk of " + std::to_string(size) +
                                                " bytes exceeds the format limit");
  }
  packed_.clear();
  encoder_.Encode(static_cast<const uint8_t*>(records), size, &packed_);
  scratch_.resize(sizeof(ChunkHeader));
  std::string error;
  if (!CompressColumns(zstd_.get(), packed_.data(), packed_.size(), &scratch_, &error)) {
    throw TraceError(TraceError::Kind::kIo, "cannot compress a records chunk: " + error);
  }
  WriteStored(ChunkType::kRecords, ChunkCodec::kZstdColumnarSplit, pid, size);
}

void TraceWriter::Finish() {
  // An empty chunk, stored as is: the last thing a finished recording writes.
  ChunkHeader header = ChunkHeaderFor(ChunkType::kEndOfTrace, ChunkCodec::kNone, 0, nullptr, 0, 0);
  WriteAll(&header, sizeof(header));
}

// `data` is what zstd compresses; `raw_size` what the reader gets back in the end (the records
// before packing).
void TraceWriter::WriteChunk(ChunkType type, ChunkCodec codec, uint32_t pid, const void* data,
                             size_t size, size_t raw_size) {
  if (raw_size > kMaxChunkRawSize) {
    throw TraceError(TraceError::Kind::kIo, "internal: chunk of " + std::to_string(raw_size) +
                                                " bytes exceeds the format limit");
  }
  // Header and payload go out in one write, so a crash leaves at most one partial chunk.
  scratch_.resize(sizeof(ChunkHeader) + ZSTD_compressBound(size));
  uint8_t* payload = scratch_.data() + sizeof(ChunkHeader);
  size_t stored = ZSTD_compressCCtx(zstd_.get(), payload, scratch_.size() - sizeof(ChunkHeader),
                                    data, size, kZstdLevel);
  if (ZSTD_isError(stored)) {
    throw TraceError(TraceError::Kind::kIo,
                     std::string("zstd compression failed: ") + ZSTD_getErrorName(stored));
  }
  scratch_.resize(sizeof(ChunkHeader) + stored);
  WriteStored(type, codec, pid, raw_size);
}

// scratch_ holds room for the chunk header, then the stored payload.
void TraceWriter::WriteStored(ChunkType type, ChunkCodec codec, uint32_t pid, size_t raw_size) {
  uint8_t* payload = scratch_.data() + sizeof(ChunkHeader);
  const size_t stored = scratch_.size() - sizeof(ChunkHeader);
  if (stored > kMaxChunkStoredSize) {
    throw TraceError(TraceError::Kind::kIo, "internal: stored chunk of " + std::to_string(stored) +
                                                " bytes exceeds the format limit");
  }
  ChunkHeader header = ChunkHeaderFor(type, codec, pid, payload, stored, raw_size);
  memcpy(scratch_.data(), &header, sizeof(header));
  WriteAll(scratch_.data(), sizeof(header) + stored);
}

void TraceWriter::WriteAll(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    ssize_t n = write(file_.fd(), p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      throw TraceError(TraceError::Kind::kIo,
                       "cannot write trace '" + path_ + "': " + ErrnoText(err));
    }
    p += n;
    size -= size_t(n);
    offset_ += uint64_t(n);
  }
}

}  // namespace memwrap
