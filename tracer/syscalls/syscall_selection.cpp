#include "tracer/syscalls/syscall_selection.h"

#include <regex.h>
#include <strings.h>

#include <sstream>

namespace memwrap {
namespace {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
  return parts;
}

// strace 6.1's class names (basic_filters.c), the legacy ones without % included.
struct ClassName {
  const char* name;
  uint32_t classes;
};
constexpr ClassName kClassNames[] = {
    {"%desc", TD},      {"%file", TF},    {"%memory", TM},  {"%process", TP}, {"%creds", TC},
    {"%signal", TS},    {"%ipc", TI},     {"%net", TN},     {"%network", TN}, {"%stat", TST},
    {"%lstat", TLST},   {"%fstat", TFST}, {"%%stat", TSTA}, {"%statfs", TSF}, {"%fstatfs", TFSF},
    {"%%statfs", TSFA}, {"%pure", PU},    {"%clock", TCL},  {"desc", TD},     {"file", TF},
    {"memory", TM},     {"process", TP},  {"signal", TS},   {"ipc", TI},      {"network", TN}};

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

bool SyscallSelection::HasI386(uint32_t number) const {
  if (all()) return true;
  const int x86_64 = SyscallNumber(Syscall(number, SyscallArch::kI386).name);
  return x86_64 >= 0 && Has(uint32_t(x86_64));
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
  bool negate = false;
  if (!spec.empty() && spec[0] == '!') {
    negate = true;
    spec = spec.substr(1);
  }
  SyscallSelection selection;
  if (spec.empty()) return "expected a list of system calls or classes";
  for (std::string item : SplitCommas(spec)) {
    bool optional = false;
    while (!item.empty() && item[0] == '?') {
      optional = true;
      item = item.substr(1);
    }
    if (item == "all") {
      selection = All();
      continue;
    }
    if (item == "none") continue;
    if (!item.empty() && item[0] == '/') {
      regex_t regex;
      if (regcomp(&regex, item.c_str() + 1, REG_EXTENDED | REG_NOSUB) != 0) {
        return "'" + item.substr(1) + "' is not a regular expression";
      }
      bool found = false;
      for (const auto& [number, name] : SyscallNames()) {
        if (regexec(&regex, name.c_str(), 0, nullptr, 0) == 0) {
          selection.Add(number);
          found = true;
        }
      }
      regfree(&regex);
      if (!found && !optional) return "'" + item.substr(1) + "' matches no system call";
      continue;
    }
    uint32_t classes = 0;
    for (const ClassName& name : kClassNames) {
      if (strcasecmp(item.c_str(), name.name) == 0) classes = name.classes;
    }
    if (classes != 0) {
      for (uint32_t number : SyscallsInClasses(classes)) selection.Add(number);
      continue;
    }
    int number = SyscallNumber(item);
    if (number >= 0) {
      selection.Add(uint32_t(number));
    } else if (!optional) {
      if (!item.empty() && item[0] == '%') {
        return "unknown class '" + item +
               "' (known: %file %desc %memory %process %signal "
               "%network %ipc %creds %clock %pure %stat %lstat %fstat %%stat %statfs %fstatfs "
               "%%statfs)";
      }
      return "'" + item + "' is not an x86_64 system call";
    }
  }
  if (negate) selection.bits_.flip();
  *out = selection;
  return "";
}

}  // namespace memwrap
