// Errors of the trace library. Each carries a one-line message that names the file and, where
// it helps, the byte offset; callers print it as is.
#pragma once

#include <stdexcept>
#include <string>

namespace memwrap {

class TraceError : public std::runtime_error {
 public:
  enum class Kind {
    kIo,           // open/read/write failed (errno text in the message)
    kNotATrace,    // no memwrap magic at offset 0
    kNewerFormat,  // written by a newer memwrap; this one refuses to guess
    kCorrupt,      // a checksum, magic or size that cannot be right, at a named offset
  };
  TraceError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

}  // namespace memwrap
