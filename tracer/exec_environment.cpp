#include "tracer/exec_environment.h"

#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include <algorithm>
#include <cstring>

namespace memwrap {
namespace {

constexpr size_t kMaxWords = size_t{1} << 18;  // argc, argv, envp and auxv: 2 MiB at most
constexpr size_t kMaxString = size_t{1} << 20;
constexpr unsigned long long kUser32CodeSegment = 0x23;  // an ia32 image: 4-byte stack words

bool ReadRemote(pid_t pid, uint64_t address, void* out, size_t size) {
  iovec local{out, size};
  iovec remote{reinterpret_cast<void*>(address), size};
  return process_vm_readv(pid, &local, 1, &remote, 1, 0) == ssize_t(size);
}

bool WriteRemote(pid_t pid, uint64_t address, const void* data, size_t size) {
  iovec local{const_cast<void*>(data), size};
  iovec remote{reinterpret_cast<void*>(address), size};
  return process_vm_writev(pid, &local, 1, &remote, 1, 0) == ssize_t(size);
}

// A NUL-terminated string of the tracee; false if unreadable or longer than kMaxString.
bool ReadString(pid_t pid, uint64_t address, std::string* out) {
  out->clear();
  char chunk[256];
  while (out->size() < kMaxString) {
    // Never across a page boundary in one read: the next page may not be mapped.
    size_t size = std::min<size_t>(sizeof(chunk), 4096 - (address % 4096));
    if (!ReadRemote(pid, address, chunk, size)) return false;
    const void* nul = memchr(chunk, 0, size);
    if (nul != nullptr) {
      out->append(chunk, static_cast<const char*>(nul) - chunk);
      return true;
    }
    out->append(chunk, size);
    address += size;
  }
  return false;
}

// The block the kernel laid out at the stack pointer, as word indexes.
struct InitialStack {
  std::vector<uint64_t> words;
  size_t envp_begin = 0, envp_end = 0;  // envp pointers: [begin, end); words[end] is NULL
  size_t auxv_begin = 0, auxv_end = 0;  // auxv pairs, AT_NULL pair included
};

bool ReadInitialStack(pid_t pid, uint64_t sp, InitialStack* stack) {
  std::vector<uint64_t>& words = stack->words;
  // Read more words until the auxiliary vector's AT_NULL is in.
  for (size_t want = 4096; want <= kMaxWords; want *= 2) {
    // Page by page: the stack ends a little above the block, at a page boundary.
    words.resize(want);
    size_t got = 0;
    while (got < want) {
      const uint64_t address = sp + got * 8;
      const size_t count = std::min<size_t>(want - got, (4096 - address % 4096) / 8);
      if (count == 0 || !ReadRemote(pid, address, words.data() + got, count * 8)) break;
      got += count;
    }
    words.resize(got);
    if (words.empty()) return false;
    const uint64_t argc = words[0];
    size_t i = 1 + argc + 1;  // past argv and its NULL
    if (argc >= kMaxWords || i > words.size()) continue;
    stack->envp_begin = i;
    while (i < words.size() && words[i] != 0) ++i;
    if (i >= words.size()) continue;
    stack->envp_end = i;
    stack->auxv_begin = ++i;
    while (i + 1 < words.size() && words[i] != AT_NULL) i += 2;
    if (i + 1 >= words.size()) continue;
    stack->auxv_end = i + 2;
    return true;
  }
  return false;
}

uint64_t AuxValue(const InitialStack& stack, uint64_t type, uint64_t missing) {
  for (size_t i = stack.auxv_begin; i + 1 < stack.auxv_end; i += 2) {
    if (stack.words[i] == type) return stack.words[i + 1];
  }
  return missing;
}

std::string NameOf(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

// LD_PRELOAD with the shim first: the image's own list (separated by ':' or ' ') may already
// hold it elsewhere, or not at all.
std::string PreloadWithShimFirst(const std::string& shim, const std::string& existing) {
  if (existing == shim || existing.rfind(shim + ":", 0) == 0 ||
      existing.rfind(shim + " ", 0) == 0) {
    return existing;
  }
  return existing.empty() ? shim : shim + ":" + existing;
}

}  // namespace

RestoreResult RestoreAtExec(pid_t tid, const ExecEnvironment& environment) {
  if (environment.entries.empty()) return RestoreResult::kUnchanged;
  user_regs_struct regs{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) return RestoreResult::kFailed;
  if (regs.cs == kUser32CodeSegment) return RestoreResult::kNotApplicable;
  const uint64_t sp = regs.rsp;
  InitialStack stack;
  if (!ReadInitialStack(tid, sp, &stack)) return RestoreResult::kFailed;
  if (AuxValue(stack, AT_BASE, 0) == 0 || AuxValue(stack, AT_SECURE, 0) != 0) {
    return RestoreResult::kNotApplicable;
  }

  // The image's variables, by name.
  std::vector<uint64_t> envp(stack.words.begin() + long(stack.envp_begin),
                             stack.words.begin() + long(stack.envp_end));
  std::vector<std::string> names(envp.size());
  std::vector<std::string> texts(envp.size());
  for (size_t i = 0; i < envp.size(); ++i) {
    if (!ReadString(tid, envp[i], &texts[i])) return RestoreResult::kFailed;
    names[i] = NameOf(texts[i]);
  }

  // What to add, or to put in place of the image's own value.
  std::vector<std::string> strings;
  std::vector<long> replaces;  // index into envp, or -1 for a new variable
  for (const std::string& wanted : environment.entries) {
    const std::string name = NameOf(wanted);
    long found = -1;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) found = long(i);
    }
    std::string entry = wanted;
    if (name == "LD_PRELOAD") {
      const std::string shim = wanted.substr(name.size() + 1);
      const std::string existing = found >= 0 ? texts[size_t(found)].substr(name.size() + 1) : "";
      entry = name + "=" + PreloadWithShimFirst(shim, existing);
    }
    if (found >= 0 && texts[size_t(found)] == entry) continue;
    strings.push_back(entry);
    replaces.push_back(found);
  }
  if (strings.empty()) return RestoreResult::kUnchanged;

  // The new strings right below the old block, then the new block below them.
  size_t string_bytes = 0;
  for (const std::string& s : strings) string_bytes += s.size() + 1;
  const uint64_t strings_base = (sp - string_bytes) & ~uint64_t{15};
  std::vector<char> string_area(string_bytes);
  uint64_t at = strings_base;
  for (size_t k = 0; k < strings.size(); ++k) {
    memcpy(string_area.data() + (at - strings_base), strings[k].c_str(), strings[k].size() + 1);
    if (replaces[k] >= 0) {
      envp[size_t(replaces[k])] = at;
    } else {
      envp.push_back(at);
    }
    at += strings[k].size() + 1;
  }
  std::vector<uint64_t> block(stack.words.begin(), stack.words.begin() + long(stack.envp_begin));
  block.insert(block.end(), envp.begin(), envp.end());
  block.push_back(0);
  block.insert(block.end(), stack.words.begin() + long(stack.auxv_begin),
               stack.words.begin() + long(stack.auxv_end));
  // The ABI wants the stack pointer 16-byte aligned at the entry point.
  const uint64_t new_sp = (strings_base - block.size() * 8) & ~uint64_t{15};
  if (!WriteRemote(tid, strings_base, string_area.data(), string_area.size()) ||
      !WriteRemote(tid, new_sp, block.data(), block.size() * 8)) {
    return RestoreResult::kFailed;
  }
  regs.rsp = new_sp;
  if (ptrace(PTRACE_SETREGS, tid, nullptr, &regs) != 0) return RestoreResult::kFailed;
  return RestoreResult::kRestored;
}

}  // namespace memwrap
