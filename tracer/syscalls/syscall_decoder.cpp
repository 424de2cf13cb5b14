#include "tracer/syscalls/syscall_decoder.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "text/quoted_bytes.h"

namespace memwrap {
namespace {

// The kernel's restart codes (never seen by programs; strace names them).
constexpr int kErestartsys = 512;
constexpr int kErestartnointr = 513;
constexpr int kErestartnohand = 514;
constexpr int kEnoioctlcmd = 515;
constexpr int kErestartRestartblock = 516;

const char* KernelErrorName(int error) {
  static const char* const kNames[] = {
      "ERESTARTSYS",           "ERESTARTNOINTR", "ERESTARTNOHAND", "ENOIOCTLCMD",
      "ERESTART_RESTARTBLOCK", "EPROBE_DEFER",   "EOPENSTALE",     "ENOPARAM"};
  if (error >= 512 && error < 512 + int(std::size(kNames))) return kNames[error - 512];
  static const char* const kNfs[] = {"EBADHANDLE",  "ENOTSYNC",       "EBADCOOKIE", "ENOTSUPP",
                                     "ETOOSMALL",   "ESERVERFAULT",   "EBADTYPE",   "EJUKEBOX",
                                     "EIOCBQUEUED", "ERECALLCONFLICT"};
  if (error >= 521 && error < 521 + int(std::size(kNfs))) return kNfs[error - 521];
  return nullptr;
}

// The decoder of each x86_64 call, found once per number.
SyscallDecoderFn FindDecoder(const std::string& name) {
  for (auto find : {FileDecoder, MemoryDecoder, ProcessDecoder, SignalDecoder, NetDecoder}) {
    if (SyscallDecoderFn decoder = find(name); decoder != nullptr) return decoder;
  }
  return nullptr;
}

// x86_64 calls only: 32-bit calls (i386, from an int 0x80 or a 32-bit program) pass 32-bit
// structures, which the decoders here do not read; Decode shows their arguments in hex.
SyscallDecoderFn DecoderOf(uint32_t number) {
  if (number >= kSyscallLimit) return nullptr;
  static std::vector<SyscallDecoderFn> cache(kSyscallLimit);
  static std::vector<bool> known(kSyscallLimit, false);
  if (!known[number]) {
    cache[number] = FindDecoder(Syscall(number, SyscallArch::kX86_64).name);
    known[number] = true;
  }
  return cache[number];
}

// strace's printargs: every argument in hex.
void PrintRaw(Call& call, int count) {
  for (int i = 0; i < count && i < 6; ++i) call.Hex(i);
}

void Decode(Call& call) {
  const SyscallInfo& info = Syscall(call.number(), call.arch());
  if (call.arch() == SyscallArch::kX86_64) {
    if (SyscallDecoderFn decoder = DecoderOf(call.number()); decoder != nullptr) {
      decoder(call);
      return;
    }
    if (DecodeBySignature(call, info.name)) return;
  }
  if (call.entering()) PrintRaw(call, info.arguments);
}

}  // namespace

void Call::Arg(const std::string& text) {
  if (state_->printed++ > 0) {
    if (state_->separator_printed) {
      state_->separator_printed = false;
    } else {
      *out_ += ", ";
    }
  }
  *out_ += text;
}

void Call::Hex(int i) {
  Arg(FormatHex(args_[i]));
}
void Call::Pointer(int i) {
  Arg(FormatAddress(args_[i]));
}
void Call::Fd(int i) {
  Arg(FormatFd(tid_, int_arg(i), options_.fd_paths));
}
void Call::DirFd(int i) {
  if (int_arg(i) != AT_FDCWD) {
    Arg(FormatFd(tid_, int_arg(i), options_.fd_paths));
    return;
  }
  std::string text = "AT_FDCWD";
  if (options_.fd_paths) {  // -y: the working directory, as strace shows it
    char link[64];
    snprintf(link, sizeof(link), "/proc/%d/cwd", tid_);
    char target[PATH_MAX];
    const ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n > 0)
      text += "<" + QuoteBytes(std::string_view(target, size_t(n)), QuoteStyle::kStrace) + ">";
  }
  Arg(text);
}
void Call::Path(int i) {
  Arg(QuotedString(tid_, args_[i], PATH_MAX));
}
void Call::String(int i) {
  Arg(QuotedString(tid_, args_[i], options_.string_limit));
}

void Call::Buffer(int i, uint64_t length, bool hex) {
  if (args_[i] == 0) {
    Arg("NULL");
    return;
  }
  const size_t shown = size_t(std::min<uint64_t>(length, options_.string_limit));
  std::string bytes(shown, '\0');
  if (shown != 0 && !ReadMemory(tid_, args_[i], bytes.data(), shown)) {
    Arg(FormatHex(args_[i]));
    return;
  }
  Arg("\"" + QuoteBytes(bytes, hex ? QuoteStyle::kStraceHex : QuoteStyle::kStrace) + "\"" +
      (length > shown ? "..." : ""));
}

std::map<std::string, SyscallDecoderFn> DecodersByName(
    std::initializer_list<std::span<const NamedDecoder>> tables) {
  std::map<std::string, SyscallDecoderFn> decoders;
  for (std::span<const NamedDecoder> table : tables) {
    for (const NamedDecoder& entry : table) decoders.emplace(entry.name, entry.decode);
  }
  return decoders;
}

std::string FormatHex(uint64_t value) {
  char text[32];
  snprintf(text, sizeof(text), "%#llx", static_cast<unsigned long long>(value));
  return text;
}

std::string FormatAddress(uint64_t value) {
  return value == 0 ? "NULL" : FormatHex(value);
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

std::string FormatValue(uint64_t value, const FlagName* names, size_t count,
                        const char* unknown_prefix) {
  for (size_t i = 0; i < count; ++i) {
    if (names[i].bits == value) return names[i].name;
  }
  if (unknown_prefix == nullptr) return std::to_string(value);
  return FormatHex(value) + " /* " + unknown_prefix + "??? */";
}

bool ReadMemory(pid_t tid, uint64_t address, void* out, size_t size) {
  if (size == 0) return true;
  iovec local{out, size};
  iovec remote{reinterpret_cast<void*>(address), size};
  return process_vm_readv(tid, &local, 1, &remote, 1, 0) == ssize_t(size);
}

bool ReadString(pid_t tid, uint64_t address, size_t limit, std::string* out, bool* complete) {
  out->clear();
  *complete = false;
  char chunk[256];
  while (out->size() < limit + 1) {
    // Page by page, so a string ending just before an unmapped page is still read.
    const uint64_t at = address + out->size();
    size_t want = std::min<size_t>(sizeof(chunk), 4096 - (at % 4096));
    iovec local{chunk, want};
    iovec remote{reinterpret_cast<void*>(at), want};
    ssize_t got = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (got <= 0) return !out->empty();
    const void* nul = memchr(chunk, '\0', size_t(got));
    if (nul != nullptr) {
      out->append(chunk, size_t(static_cast<const char*>(nul) - chunk));
      *complete = out->size() <= limit;
      if (out->size() > limit) out->resize(limit);
      return true;
    }
    out->append(chunk, size_t(got));
  }
  out->resize(limit);
  return true;
}

std::string QuotedString(pid_t tid, uint64_t address, size_t limit) {
  if (address == 0) return "NULL";
  std::string bytes;
  bool complete = false;
  if (!ReadString(tid, address, limit, &bytes, &complete)) return FormatHex(address);
  return "\"" + QuoteBytes(bytes, QuoteStyle::kStrace) + (complete ? "\"" : "\"...");
}

std::string FormatFd(pid_t tid, int fd, bool fd_paths) {
  std::string text = std::to_string(fd);
  if (!fd_paths || fd < 0) return text;
  char link[64];
  snprintf(link, sizeof(link), "/proc/%d/fd/%d", tid, fd);
  char target[PATH_MAX];
  ssize_t n = readlink(link, target, sizeof(target) - 1);
  if (n <= 0) return text;
  return text + "<" + QuoteBytes(std::string_view(target, size_t(n)), QuoteStyle::kStrace) + ">";
}

std::string DecodeEntry(pid_t tid, uint32_t number, SyscallArch arch, const uint64_t args[6],
                        const DecodeOptions& options, CallState* state) {
  std::string text;
  Call call(tid, number, arch, args, 0, false, options, state, &text);
  Decode(call);
  if (state->exit_pending && state->more_arguments && state->printed > 0) {
    text += ", ";
    state->separator_printed = true;
  }
  return text;
}

std::string DecodeExit(pid_t tid, uint32_t number, SyscallArch arch, const uint64_t args[6],
                       int64_t result, const DecodeOptions& options, CallState* state) {
  std::string text;
  if (!state->exit_pending) return text;
  state->exit_pending = false;
  Call call(tid, number, arch, args, result, true, options, state, &text);
  Decode(call);
  return text;
}

std::string ErrnoName(int64_t result) {
  if (result >= 0 || result < -4095) return "";
  const int error = int(-result);
  if (const char* name = KernelErrorName(error); name != nullptr) return name;
  const char* name = strerrorname_np(error);
  return name != nullptr ? name : "";
}

std::string DecodeResult(pid_t tid, int64_t result, const CallState& state,
                         const DecodeOptions& options) {
  if (state.format == ResultFormat::kNone) return "?";
  if (result < 0 && result >= -4095) {
    const int error = int(-result);
    switch (error) {
      case kErestartsys:
        return "? ERESTARTSYS (To be restarted if SA_RESTART is set)";
      case kErestartnointr:
        return "? ERESTARTNOINTR (To be restarted)";
      case kErestartnohand:
        return "? ERESTARTNOHAND (To be restarted if no handler)";
      case kErestartRestartblock:
        return "? ERESTART_RESTARTBLOCK (Interrupted by signal)";
      default:
        break;
    }
    (void)kEnoioctlcmd;
    const std::string name = ErrnoName(result);
    const std::string message =
        error < 512 ? strerror(error) : "Unknown error " + std::to_string(error);
    return "-1 " + (name.empty() ? std::to_string(error) : name) + " (" + message + ")" + state.aux;
  }
  std::string text;
  switch (state.format) {
    case ResultFormat::kHex:
      text = FormatHex(uint64_t(result));
      break;
    case ResultFormat::kUnsigned:
      text = std::to_string(uint64_t(result));
      break;
    case ResultFormat::kOctal: {
      char octal[32];
      snprintf(octal, sizeof(octal), "%#03llo", static_cast<unsigned long long>(result));
      text = octal;
      break;
    }
    case ResultFormat::kFd:
      text =
          result <= INT_MAX ? FormatFd(tid, int(result), options.fd_paths) : std::to_string(result);
      break;
    default:
      text = std::to_string(result);
      break;
  }
  return text + state.aux;
}

}  // namespace memwrap
