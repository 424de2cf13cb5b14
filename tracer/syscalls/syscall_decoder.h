// Turns a system call into strace's text, in strace's two phases: at the call's entry the
// arguments known then (paths, flags, input buffers: read while the thread is stopped there),
// at its exit what the call wrote back (buffers, structs) and the result. The printer
// (cli/strace_printer.cpp) prints the entry part at once, so that a call that blocks shows as
// `name(args <unfinished ...>` and later `<... name resumed>rest) = result`, as in strace.
//
// The table (syscall_table.h) names the calls; per-area decoders know what the arguments mean:
// file_decoders.cpp (paths, descriptors, open flags, stat), memory_decoders.cpp (mmap & co),
// process_decoders.cpp (execve, clone, wait4, prlimit64, ...), signal_decoders.cpp (signal
// numbers, sets, sigaction, siginfo), net_decoders.cpp (sockets, sockaddr), and
// signature_decoders.cpp gives every other call of the table typed arguments.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <initializer_list>
#include <map>
#include <span>
#include <string>

#include "tracer/syscalls/syscall_table.h"

namespace memwrap {

struct DecodeOptions {
  size_t string_limit = 32;  // -s: bytes of a buffer or string shown (paths: 4096)
  bool fd_paths = false;     // -y: a descriptor as 3</etc/passwd>
};

// How the result is shown when the call succeeded.
enum class ResultFormat { kDecimal, kUnsigned, kHex, kOctal, kFd, kNone };

// What one call's decoding keeps from its entry to its exit.
struct CallState {
  bool exit_pending = false;       // the decoder asked to be called again at the exit
  bool more_arguments = false;     // ... to print more arguments (the entry ends with ", ")
  bool separator_printed = false;  // that ", " is out: the next argument needs none
  int printed = 0;                 // arguments printed so far (for the separators)
  int resume = 0;                  // where a signature decoder goes on at the exit
  ResultFormat format = ResultFormat::kDecimal;
  std::string aux;         // " (text)" after the result, e.g. fcntl's flags
  uint64_t saved[4] = {};  // values read at the entry for the exit
};

// One call being decoded: its arguments, phase and the text produced so far.
class Call {
 public:
  Call(pid_t tid, uint32_t number, SyscallArch arch, const uint64_t args[6], int64_t result,
       bool exiting, const DecodeOptions& options, CallState* state, std::string* out)
      : tid_(tid),
        number_(number),
        arch_(arch),
        args_(args),
        result_(result),
        exiting_(exiting),
        options_(options),
        state_(state),
        out_(out) {}

  pid_t tid() const { return tid_; }
  uint32_t number() const { return number_; }
  SyscallArch arch() const { return arch_; }
  uint64_t arg(int i) const { return args_[i]; }
  int32_t int_arg(int i) const { return int32_t(uint32_t(args_[i])); }
  bool entering() const { return !exiting_; }
  bool exiting() const { return exiting_; }
  bool failed() const { return result_ < 0 && result_ >= -4095; }
  int64_t result() const { return result_; }
  const DecodeOptions& options() const { return options_; }
  CallState& state() { return *state_; }

  // Ask to be called again at the exit: output arguments follow (the entry's text ends with
  // ", ", as strace's does), or (ResultAtExit) only the result's form depends on the exit.
  void DecodeAtExit() {
    state_->exit_pending = true;
    state_->more_arguments = true;
  }
  void ResultAtExit() { state_->exit_pending = true; }
  void SetResultFormat(ResultFormat format) { state_->format = format; }

  // Appends one argument (", " before it unless it is the first).
  void Arg(const std::string& text);
  // Appends text to the current argument (no separator).
  void Append(const std::string& text) { *out_ += text; }

  // Common argument kinds.
  void Int(int i) { Arg(std::to_string(int_arg(i))); }
  void Unsigned(int i) { Arg(std::to_string(uint32_t(args_[i]))); }
  void Long(int i) { Arg(std::to_string(int64_t(args_[i]))); }
  void Ulong(int i) { Arg(std::to_string(args_[i])); }
  void Hex(int i);
  void Pointer(int i);
  void Fd(int i);
  void DirFd(int i);
  void Path(int i);
  void String(int i);  // NUL-terminated, cut at -s
  // A buffer of `length` bytes at argument i, quoted and cut at -s; hex: all bytes as \xNN.
  void Buffer(int i, uint64_t length, bool hex = false);
  // An output buffer at argument i holding the result's bytes (its address when it failed).
  void BufferOut(int i, bool hex = false) {
    if (failed()) {
      Pointer(i);
    } else {
      Buffer(i, uint64_t(result_), hex);
    }
  }

 private:
  pid_t tid_;
  uint32_t number_;
  SyscallArch arch_;
  const uint64_t* args_;
  int64_t result_;
  bool exiting_;
  const DecodeOptions& options_;
  CallState* state_;
  std::string* out_;
};

// The shape of calls the kernel answers by writing memory: their inputs are printed at entry,
// the rest at exit, once written. Each of these prints its inputs at entry and asks for the
// exit; true while entering, so a decoder starts with `if (EnterWithFd(c)) return;`.
inline bool EnterWithNothing(Call& c) {
  if (!c.entering()) return false;
  c.DecodeAtExit();
  return true;
}
inline bool EnterWithFd(Call& c) {  // argument 0 a descriptor
  if (c.entering()) c.Fd(0);
  return EnterWithNothing(c);
}
inline bool EnterWithPath(Call& c) {  // argument 0 a path
  if (c.entering()) c.Path(0);
  return EnterWithNothing(c);
}
inline bool EnterWithDirFdAndPath(Call& c) {  // arguments 0 and 1: the *at calls
  if (c.entering()) {
    c.DirFd(0);
    c.Path(1);
  }
  return EnterWithNothing(c);
}

using SyscallDecoderFn = void (*)(Call& call);

// The text after "name(" at the entry, and what follows at the exit (without the ")").
std::string DecodeEntry(pid_t tid, uint32_t number, SyscallArch arch, const uint64_t args[6],
                        const DecodeOptions& options, CallState* state);
std::string DecodeExit(pid_t tid, uint32_t number, SyscallArch arch, const uint64_t args[6],
                       int64_t result, const DecodeOptions& options, CallState* state);
// The result as strace shows it after "= ": "3", "0x7f0c2a000000", "-1 ENOENT (No such file or
// directory)", "? ERESTARTSYS (To be restarted if SA_RESTART is set)".
std::string DecodeResult(pid_t tid, int64_t result, const CallState& state,
                         const DecodeOptions& options);
// "ENOENT" for a failed call's result (-4095..-1), "" otherwise (also the kernel's restart codes).
std::string ErrnoName(int64_t result);

// ---- shared by the decoders ----
std::string FormatHex(uint64_t value);
// Flags as NAME|NAME|0x..., from a {bits, name} list tried in order (a name whose bits are all
// set takes them); `zero` is printed for 0.
struct FlagName {
  uint64_t bits;
  const char* name;
};
std::string FormatFlags(uint64_t value, const FlagName* names, size_t count, const char* zero);
template <size_t N>
std::string FormatFlags(uint64_t value, const FlagName (&names)[N], const char* zero) {
  return FormatFlags(value, names, N, zero);
}
// One value's name from a list; else "0x12 /* PREFIX_??? */", or the decimal number when
// `unknown_prefix` is null.
std::string FormatValue(uint64_t value, const FlagName* names, size_t count,
                        const char* unknown_prefix);
template <size_t N>
std::string FormatValue(uint64_t value, const FlagName (&names)[N], const char* unknown_prefix) {
  return FormatValue(value, names, N, unknown_prefix);
}
// Reads `size` bytes of the tracee's memory; false if any is unreadable.
bool ReadMemory(pid_t tid, uint64_t address, void* out, size_t size);
// Reads a NUL-terminated string of at most `limit` bytes; *complete says if its NUL was found.
bool ReadString(pid_t tid, uint64_t address, size_t limit, std::string* out, bool* complete);
// A quoted string from the tracee as strace prints it: "text", "text"... when cut at `limit`,
// the address in hex when unreadable, NULL for 0.
std::string QuotedString(pid_t tid, uint64_t address, size_t limit);
// A descriptor, with its path (-y) when `fd_paths`.
std::string FormatFd(pid_t tid, int fd, bool fd_paths);
// An address: NULL or 0x....
std::string FormatAddress(uint64_t value);

// The decoder of a call, or nullptr (then its arguments are printed in hex, as strace does for
// a call it cannot decode).
SyscallDecoderFn FileDecoder(const std::string& name);
SyscallDecoderFn MemoryDecoder(const std::string& name);
SyscallDecoderFn ProcessDecoder(const std::string& name);
SyscallDecoderFn SignalDecoder(const std::string& name);
SyscallDecoderFn NetDecoder(const std::string& name);
// A call's decoder under its name, in the per-area tables the decoders above look in.
struct NamedDecoder {
  const char* name;
  SyscallDecoderFn decode;
};
// The decoders of the tables by name (a name in two tables keeps its first decoder).
std::map<std::string, SyscallDecoderFn> DecodersByName(
    std::initializer_list<std::span<const NamedDecoder>> tables);
// A decoder from a call's typed signature (signature_decoders.cpp).
bool DecodeBySignature(Call& call, const std::string& name);

// Signal names as strace prints them: "SIGTERM", "SIGRT_1"; sets: "[CHLD USR1]", "~[RTMIN]".
std::string SignalName(int signal);
std::string FormatSignalSet(const uint8_t* bytes, size_t size);
std::string SignalSetAt(pid_t tid, uint64_t address, size_t size);
// A siginfo as strace prints it: {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=..., ...}.
std::string FormatSiginfo(const void* siginfo);

}  // namespace memwrap
