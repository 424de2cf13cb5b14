// Writes a command's result to the file named by -o ("-": standard output).
#pragma once

#include <string>

namespace memwrap {

// Writes `data` to `path` (created, or an existing file of the caller's replaced whole, never
// through a symbolic link: fileio/output_file.h), or to standard output for "-". On failure
// returns false and sets *error to a message naming the path and the reason.
bool WriteOutput(const std::string& path, const std::string& data, std::string* error);

}  // namespace memwrap
