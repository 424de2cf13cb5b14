#include "syscalls/syscall_selection.h"

#include <sstream>

namespace memwrap {
namespace {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
  return parts;
}

}  // namespace

SyscallSelection SyscallSelection::All() {
  SyscallSelection selection;
  selection.bits_.set();
  return selection;
}

SyscallSelection SyscallSelection::Memory() {
  SyscallSelection selection;
  for (const char* name : {"mmap", "munmap", "mremap", "brk", "madvise", "mprotect", "execve",
                           "execveat", "clone", "clone3", "fork", "vfork", "exit", "exit_group"}) {
    int number = SyscallNumber(name);
    if (number >= 0) selection.Add(uint32_t(number));
  }
  return selection;
}

std::vector<uint32_t> SyscallSelection::Numbers() const {
  std::vector<uint32_t> numbers;
  for (uint32_t n = 0; n < kSyscallLimit; ++n) {
    if (bits_.test(n)) numbers.push_back(n);
  }
  return numbers;
}

std::string SyscallSelection::ParseRunSpec(const std::string& spec, SyscallSelection* out) {
  if (spec == "none") {
    *out = None();
  } else if (spec == "memory") {
    *out = Memory();
  } else if (spec == "all") {
    *out = All();
  } else {
    SyscallSelection selection;
    for (const std::string& name : SplitCommas(spec)) {
      int number = SyscallNumber(name);
      if (number < 0) return "'" + name + "' is not an x86_64 system call";
      selection.Add(uint32_t(number));
    }
    if (selection.empty()) return "expected none, memory, all or a list of system call names";
    *out = selection;
  }
  return "";
}

std::string SyscallSelection::ParseStraceSpec(const std::string& spec_in, SyscallSelection* out) {
  std::string spec = spec_in;
  if (spec.rfind("trace=", 0) == 0) spec = spec.substr(6);
  SyscallSelection selection;
  for (const std::string& item : SplitCommas(spec)) {
    if (item == "all") {
      selection = All();
    } else if (item == "none") {
      continue;
    } else if (!item.empty() && item[0] == '%') {
      static const std::pair<const char*, uint32_t> kClasses[] = {
          {"%file", TF}, {"%memory", TM}, {"%process", TP},
          {"%network", TN}, {"%net", TN}, {"%signal", TS}, {"%desc", TD}};
      uint32_t classes = 0;
      for (const auto& [name, bits] : kClasses) {
        if (item == name) classes = bits;
      }
      if (classes == 0) return "unknown class '" + item + "' (known: %file %memory %process "
                                "%network %signal %desc)";
      for (uint32_t number : SyscallsInClasses(classes)) selection.Add(number);
    } else {
      int number = SyscallNumber(item);
      if (number < 0) return "'" + item + "' is not an x86_64 system call";
      selection.Add(uint32_t(number));
    }
  }
  *out = selection;
  return "";
}

}  // namespace memwrap
