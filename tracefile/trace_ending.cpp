#include "tracefile/trace_ending.h"

namespace memwrap {

TraceEnding JudgeEnding(const std::string& path, const FileHeader& header,
                        std::optional<ChunkType> last_chunk_type, uint64_t last_chunk_offset,
                        const std::string& truncation_message) {
  TraceEnding ending;
  if (!truncation_message.empty()) {
    // The writer writes a chunk with one write(): only a killed writer or a full disk leaves
    // part of one.
    ending.kind = TraceEnding::Kind::kIncomplete;
    ending.message = truncation_message;
  } else if (last_chunk_type == ChunkType::kEndOfTrace) {
    return ending;
  } else if (header.format_minor >= kFirstMinorWithEndOfTrace) {
    // Chunks are whole but the last one is not the end: the writer stopped between two chunks
    // (killed, a write error) or is still writing.
    ending.kind = TraceEnding::Kind::kIncomplete;
    ending.message =
        "trace '" + path + "' is incomplete: no end-of-trace chunk follows " +
        (last_chunk_type ? "its last chunk (at offset " + std::to_string(last_chunk_offset) + ")"
                         : std::string("its file header")) +
        ": its recording was cut short (memwrap killed, a write error) or is still "
        "being written; everything in it was read";
  } else {
    ending.kind = TraceEnding::Kind::kUnverifiable;
    ending.message = "trace '" + path + "' has format version " +
                     std::to_string(header.format_major) + "." +
                     std::to_string(header.format_minor) +
                     ", older than the end-of-trace chunk (1.1): whether it holds the whole "
                     "recording cannot be told";
  }
  return ending;
}

}  // namespace memwrap
