// Writes a command's result to the file named by -o ("-": standard output).
#pragma once

#include <string>

#include "fileio/output_file.h"

namespace memwrap {

// Writes `data` to `path` (created, or an existing file of the caller's replaced whole, never
// through a symbolic link: fileio/output_file.h), or to standard output for "-". On failure
// returns false and sets *error to a message naming the path and the reason.
bool WriteOutput(const std::string& path, const std::string& data, std::string* error);

// An output opened before the work that fills it, so that a path that cannot be written is
// refused before a long run rather than after it (memwrap check --junit/--summary). Filled
// once with Write(); one never written is discarded: the path stays as it was.
class ReservedOutput {
 public:
  ReservedOutput() = default;
  ~ReservedOutput();
  ReservedOutput(const ReservedOutput&) = delete;
  ReservedOutput& operator=(const ReservedOutput&) = delete;

  // Opens `path` (fileio's rules; "-" is standard output, "" nothing at all). Returns "" or a
  // message naming the path and the reason.
  std::string Reserve(const std::string& path);
  // Writes `data` whole and puts the file at its path. Returns "" or a message naming the
  // path and the reason. Nothing is written for "".
  std::string Write(const std::string& data);

 private:
  std::string path_;
  OutputFile file_;
};

}  // namespace memwrap
