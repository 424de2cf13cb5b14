// The one way memwrap reads /proc: procfs generates a file when it is read, so a file read in
// one go is one snapshot of the process. Every reader of /proc in the tracer, the system logger
// and the commands goes through these.
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include <string>

namespace memwrap {

// "/proc/PID/NAME".
std::string ProcPath(pid_t pid, const char* name);

// The whole file; false (and `text` empty) when it cannot be opened or read.
bool ReadProcFile(const std::string& path, std::string* text);
// The same for /proc/PID/NAME, "" when it cannot be read.
std::string ReadProcFile(pid_t pid, const char* name);

// A small file (status, smaps_rollup) in one read call, NUL-terminated in `buffer`, without
// allocating: for the samplers' frequent reads. False when it cannot be read or is empty.
bool ReadProcSnapshot(const std::string& path, char* buffer, size_t capacity, size_t* length);

// The text after "KEY:" on the line of `text` that starts with it (status, smaps_rollup), or
// nullptr when no line does.
const char* ProcField(const char* text, const char* key);

}  // namespace memwrap
