// Turns a system call's raw arguments and result into strace-like text. The table
// (syscall_table.h) gives the name and argument count; per-area decoders
// (memory_decoders.cpp, file_decoders.cpp) know what the arguments mean; everything else is
// printed as numbers.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <string>

namespace memwrap {

// The arguments, comma-separated (not thread-safe: call from one thread, the tracer's), decoded while the thread is stopped at the call's entry
// (input strings are read from its memory; `tid` must be a ptrace-stopped tracee).
std::string DecodeArguments(pid_t tid, uint32_t number, const uint64_t args[6]);
// The result: "3", "0x7f0c2a000000", "-1 ENOENT (No such file or directory)".
std::string DecodeResult(uint32_t number, int64_t result);
// "ENOENT" for a failed call's result (-4095..-1), "" otherwise.
std::string ErrnoName(int64_t result);

// ---- for the per-area decoders ----
using ArgumentDecoder = std::string (*)(pid_t tid, const uint64_t args[6], int index);
// A number as strace would show an untyped argument: small values in decimal (an int that is
// negative in 32 bits, such as AT_FDCWD, as negative), large ones in hex.
std::string FormatNumber(uint64_t value);
std::string FormatHex(uint64_t value);
// Flags as NAME|NAME|0x..., from a {bit, name} list; `zero` is printed for 0.
struct FlagName {
  uint64_t bits;
  const char* name;
};
std::string FormatFlags(uint64_t value, const FlagName* names, size_t count, const char* zero);
// A quoted C string read from the tracee (cut at `limit` bytes, shown with "...").
std::string ReadQuotedString(pid_t tid, uint64_t address, size_t limit = 256);

// Decoder of argument `index` of syscall `name`, or nullptr (shown as a number).
ArgumentDecoder MemoryArgumentDecoder(const std::string& name, int index);
ArgumentDecoder FileArgumentDecoder(const std::string& name, int index);

}  // namespace memwrap
