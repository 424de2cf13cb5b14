// Strings read from a stopped thread of another process (ltracedrv -S and -p).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <string>

namespace memwrap {

// Reads a string of the stopped tracee `tid`: up to its NUL, `bound` bytes, or `limit` bytes.
bool ReadTraceeText(pid_t tid, uint64_t address, uint64_t bound, size_t limit, std::string* out);

}  // namespace memwrap
