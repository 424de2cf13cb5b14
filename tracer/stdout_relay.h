// memwrap run --stdout: the program's standard output goes through a small relay process,
// not through memwrap itself. The relay copies every byte, unchanged, to memwrap's standard
// output, and sends memwrap a stamped copy of each read (for the trace's stdout lines).
//
// Why a process of its own: were memwrap the pipe's only reader, a `kill -9` of memwrap would
// leave the program writing into a pipe nobody reads, and its next line would kill it with
// SIGPIPE. The relay outlives memwrap; once memwrap is gone the copies stop and the bytes
// still pass through. It is detached (reparented to init at once, never memwrap's zombie)
// and ends when the program's pipe ends: when the program and every descendant that
// inherited its standard output have closed it.
//
// The relay ignores the terminal's and a job's signals (SIGINT, SIGQUIT, SIGHUP, SIGTERM):
// they are meant for the program, which may still print after them. When memwrap's standard
// output has no reader any more (`memwrap --stdout PROG | head -1`), the relay ends, so the
// program meets the broken pipe it would have met without memwrap (SIGPIPE, or EPIPE if it
// ignores that); other write errors are the relay's alone, and it goes on draining.
#pragma once

#include <stdint.h>

namespace memwrap {

// One read of the program's output, as the relay sends it to memwrap: this header, then
// `size` bytes.
struct RelayedChunk {
  uint64_t ts_ns;  // CLOCK_MONOTONIC when the relay read the bytes
  uint32_t size;
  uint32_t reserved;
};
static_assert(sizeof(RelayedChunk) == 16);

struct StdoutRelay {
  int program_stdout = -1;  // the write end, for the program (close-on-exec)
  int copies = -1;          // memwrap's end: RelayedChunk + bytes, EOF when the relay ends
};

// Starts the relay. Throws std::runtime_error when a pipe or fork fails.
StdoutRelay StartStdoutRelay();

}  // namespace memwrap
