#include "tracer/syscalls/syscall_table.h"

#include <map>

namespace memwrap {
namespace {

struct Table {
  std::vector<SyscallInfo> by_number;
  std::map<std::string, uint32_t> by_name;
};

struct Facts {
  uint32_t number;
  const char* name;
  int arguments;
  uint32_t classes;
};

Table MakeTable(const Facts* facts, size_t count, bool with_kernel_names) {
  Table t;
  t.by_number.resize(kSyscallLimit);
  for (uint32_t n = 0; n < kSyscallLimit; ++n) t.by_number[n].name = "syscall_" + std::to_string(n);
  if (with_kernel_names) {
    struct Named {
      uint32_t number;
      const char* name;
    };
    static const Named kNamed[] = {
#include "syscall_names.inc"
    };
    for (const Named& named : kNamed) {
      if (named.number >= kSyscallLimit) continue;
      t.by_number[named.number].name = named.name;
      t.by_name[named.name] = named.number;
    }
  }
  for (size_t i = 0; i < count; ++i) {
    if (facts[i].number >= kSyscallLimit) continue;
    SyscallInfo& info = t.by_number[facts[i].number];
    info.name = facts[i].name;
    info.arguments = facts[i].arguments;
    info.classes = facts[i].classes;
    t.by_name[facts[i].name] = facts[i].number;
  }
  return t;
}

const Table& TheTable(SyscallArch arch) {
#define SYSCALL(number, name, arguments, classes) {number, #name, arguments, classes},
  static const Facts kX86_64[] = {
#include "tracer/syscalls/syscall_classes.def"
  };
  static const Facts kI386[] = {
#include "tracer/syscalls/syscall_classes_i386.def"
  };
#undef SYSCALL
  static const Table x86_64 = MakeTable(kX86_64, std::size(kX86_64), true);
  static const Table i386 = MakeTable(kI386, std::size(kI386), false);
  return arch == SyscallArch::kI386 ? i386 : x86_64;
}

}  // namespace

const SyscallInfo& Syscall(uint32_t number, SyscallArch arch) {
  static const SyscallInfo kOutOfRange{"syscall_out_of_range", 6, 0};
  const Table& table = TheTable(arch);
  return number < kSyscallLimit ? table.by_number[number] : kOutOfRange;
}

int SyscallNumber(const std::string& name, SyscallArch arch) {
  const Table& table = TheTable(arch);
  auto it = table.by_name.find(name);
  return it == table.by_name.end() ? -1 : int(it->second);
}

std::vector<uint32_t> SyscallsInClasses(uint32_t classes) {
  std::vector<uint32_t> numbers;
  const Table& table = TheTable(SyscallArch::kX86_64);
  for (const auto& [name, number] : table.by_name) {
    if ((table.by_number[number].classes & classes) == classes) numbers.push_back(number);
  }
  return numbers;
}

std::vector<std::pair<uint32_t, std::string>> SyscallNames() {
  std::vector<std::pair<uint32_t, std::string>> names;
  for (const auto& [name, number] : TheTable(SyscallArch::kX86_64).by_name) {
    names.emplace_back(number, name);
  }
  return names;
}

}  // namespace memwrap
