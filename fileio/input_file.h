// The one way memwrap opens a file it reads (a trace, a baseline, a suppressions file): only a
// regular file is read. A FIFO would block the open (or the first read) for ever, a device
// could be endless, a directory fails late with a confusing error: each is refused at once.
#pragma once

#include <string>

namespace memwrap {

// Opens `path` read-only (close-on-exec) and returns the descriptor, or -1 with the reason in
// *reason ("No such file or directory", "it is a FIFO, not a regular file", ...), without the
// path, for the caller's one line.
int OpenRegularFile(const std::string& path, std::string* reason);

// Reads the whole of a regular file (a baseline, a suppressions list) into *text. Returns false
// with the reason in *reason, as OpenRegularFile.
bool ReadRegularFile(const std::string& path, std::string* text, std::string* reason);

// Appends everything left to read from `fd` to *text (reads interrupted by a signal are
// retried). On a read error returns false with errno as the read left it; `fd` stays open.
bool ReadAll(int fd, std::string* text);

}  // namespace memwrap
