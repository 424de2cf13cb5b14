#include "syscalls/syscall_table.h"

#include <map>
#include <mutex>

namespace memwrap {
namespace {

struct Table {
  std::vector<SyscallInfo> by_number;
  std::map<std::string, uint32_t> by_name;
};

const Table& TheTable() {
  static const Table table = [] {
    Table t;
    t.by_number.resize(kSyscallLimit);
    for (uint32_t n = 0; n < kSyscallLimit; ++n) t.by_number[n].name = "syscall_" + std::to_string(n);
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
    struct Facts {
      const char* name;
      int arguments;
      uint32_t classes;
    };
    static const Facts kFacts[] = {
#define SYSCALL(name, arguments, classes) {#name, arguments, classes},
#include "syscall_classes.def"
#undef SYSCALL
    };
    for (const Facts& facts : kFacts) {
      auto it = t.by_name.find(facts.name);
      if (it == t.by_name.end()) continue;  // not on this architecture
      t.by_number[it->second].arguments = facts.arguments;
      t.by_number[it->second].classes = facts.classes;
    }
    return t;
  }();
  return table;
}

}  // namespace

const SyscallInfo& Syscall(uint32_t number) {
  static const SyscallInfo kOutOfRange{"syscall_out_of_range", 6, 0};
  const Table& table = TheTable();
  return number < kSyscallLimit ? table.by_number[number] : kOutOfRange;
}

int SyscallNumber(const std::string& name) {
  const Table& table = TheTable();
  auto it = table.by_name.find(name);
  return it == table.by_name.end() ? -1 : int(it->second);
}

std::vector<uint32_t> SyscallsInClasses(uint32_t classes) {
  std::vector<uint32_t> numbers;
  const Table& table = TheTable();
  for (const auto& [name, number] : table.by_name) {
    if (table.by_number[number].classes & classes) numbers.push_back(number);
  }
  return numbers;
}

}  // namespace memwrap
