#include "syscalls/syscall_decoder.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include <vector>

#include "syscalls/syscall_table.h"

namespace memwrap {
namespace {

// The decoders of each call's arguments, looked up once per number (the per-area lookups go by
// name).
struct Decoders {
  ArgumentDecoder of[6] = {};
};

const Decoders& DecodersOf(uint32_t number) {
  static std::vector<Decoders> cache(kSyscallLimit);
  static std::vector<bool> known(kSyscallLimit, false);
  static const Decoders kNone;
  if (number >= kSyscallLimit) return kNone;
  if (!known[number]) {
    const std::string& name = Syscall(number).name;
    for (int i = 0; i < 6; ++i) {
      ArgumentDecoder decoder = MemoryArgumentDecoder(name, i);
      cache[number].of[i] = decoder != nullptr ? decoder : FileArgumentDecoder(name, i);
    }
    known[number] = true;
  }
  return cache[number];
}

}  // namespace

std::string FormatHex(uint64_t value) {
  char text[32];
  snprintf(text, sizeof(text), "%#llx", static_cast<unsigned long long>(value));
  return text;
}

std::string FormatNumber(uint64_t value) {
  const int64_t as_signed = int64_t(value);
  if (as_signed >= -4096 && as_signed <= (1 << 20)) return std::to_string(as_signed);
  if ((value >> 32) == 0 && int32_t(uint32_t(value)) < 0 && int32_t(uint32_t(value)) >= -4096) {
    return std::to_string(int32_t(uint32_t(value)));
  }
  return FormatHex(value);
}

std::string FormatFlags(uint64_t value, const FlagName* names, size_t count, const char* zero) {
  if (value == 0) return zero;
  std::string text;
  for (size_t i = 0; i < count; ++i) {
    if (names[i].bits != 0 && (value & names[i].bits) == names[i].bits) {
      text += (text.empty() ? "" : "|") + std::string(names[i].name);
      value &= ~names[i].bits;
    }
  }
  if (value != 0) text += (text.empty() ? "" : "|") + FormatHex(value);
  return text;
}

std::string ReadQuotedString(pid_t tid, uint64_t address, size_t limit) {
  if (address == 0) return "NULL";
  std::string bytes;
  char chunk[256];
  while (bytes.size() < limit) {
    // Page by page, so a string ending just before an unmapped page is still read.
    const uint64_t at = address + bytes.size();
    size_t want = std::min<size_t>(sizeof(chunk), 4096 - (at % 4096));
    iovec local{chunk, want};
    iovec remote{reinterpret_cast<void*>(at), want};
    ssize_t got = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (got <= 0) {
      if (bytes.empty()) return FormatHex(address);
      break;
    }
    const void* nul = memchr(chunk, '\0', size_t(got));
    if (nul != nullptr) {
      bytes.append(chunk, size_t(static_cast<const char*>(nul) - chunk));
      limit = 0;  // complete
      break;
    }
    bytes.append(chunk, size_t(got));
  }
  const bool cut = limit != 0 && bytes.size() >= limit;
  std::string text = "\"";
  for (unsigned char c : bytes.substr(0, std::min(bytes.size(), size_t(256)))) {
    if (c == '"' || c == '\\') {
      text += '\\';
      text += char(c);
    } else if (c == '\n') {
      text += "\\n";
    } else if (c == '\t') {
      text += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      char escaped[8];
      snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      text += escaped;
    } else {
      text += char(c);
    }
  }
  text += cut ? "\"..." : "\"";
  return text;
}

std::string DecodeArguments(pid_t tid, uint32_t number, const uint64_t args[6]) {
  const SyscallInfo& info = Syscall(number);
  std::string text;
  int count = info.arguments;
  // open/openat take a mode only when they may create a file (as strace shows them).
  if ((info.name == "open" || info.name == "openat") &&
      (args[info.name == "open" ? 1 : 2] & (O_CREAT | __O_TMPFILE)) == 0) {
    --count;
  }
  const Decoders& decoders = DecodersOf(number);
  for (int i = 0; i < count && i < 6; ++i) {
    ArgumentDecoder decoder = decoders.of[i];
    if (i > 0) text += ", ";
    text += decoder != nullptr ? decoder(tid, args, i) : FormatNumber(args[i]);
  }
  return text;
}

std::string ErrnoName(int64_t result) {
  if (result >= 0 || result < -4095) return "";
  const char* name = strerrorname_np(int(-result));
  return name != nullptr ? name : "E" + std::to_string(-result);
}

std::string DecodeResult(uint32_t number, int64_t result) {
  if (result < 0 && result >= -4095) {
    const int error = int(-result);
    // Restart codes never reach the program: the kernel restarts the call (as strace shows).
    if (error >= 512 && error <= 516) return "? ERESTART (To be restarted)";
    return "-1 " + ErrnoName(result) + " (" + strerror(error) + ")";
  }
  const std::string& name = Syscall(number).name;
  if (name == "mmap" || name == "mremap" || name == "brk" || name == "shmat") {
    return FormatHex(uint64_t(result));
  }
  return std::to_string(result);
}

}  // namespace memwrap
