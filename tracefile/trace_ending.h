// Whether a trace holds the whole recording: the reader's side of the end-of-trace chunk
// (docs/trace-format.md, "Complete traces"). A trace cut short (memwrap killed, a full disk, a
// recorder still writing) is read up to where it stops; this says so, and why, in one line.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>

#include "memwrap/trace_format.h"

namespace memwrap {

struct TraceEnding {
  enum class Kind {
    kComplete,      // its last chunk is the end-of-trace chunk
    kIncomplete,    // cut inside a chunk, or a format 1.1+ file without the end-of-trace chunk
    kUnverifiable,  // format 1.0: written before end-of-trace chunks existed
  };
  Kind kind = Kind::kComplete;
  std::string message;  // one line naming the file; "" when complete
};

// What a walk over a file's chunk headers found: the header, the type and offset of its last
// complete chunk (none: the file holds no complete chunk), and the reader's truncation message
// when the file ends inside a chunk ("" otherwise).
TraceEnding JudgeEnding(const std::string& path, const FileHeader& header,
                        std::optional<ChunkType> last_chunk_type, uint64_t last_chunk_offset,
                        const std::string& truncation_message);

}  // namespace memwrap
