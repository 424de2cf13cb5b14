#include "tracer/stack_sampler.h"

#include <stdio.h>

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <string.h>

#include <string>

namespace memwrap {
namespace {

const Dwfl_Callbacks kCallbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = nullptr,
    .debuginfo_path = nullptr,
};

struct FrameCollector {
  uint32_t max_depth;
  std::vector<uint64_t>* frames;
  bool unknown_module = false;
  Dwfl* dwfl;
};

int CollectFrame(Dwfl_Frame* state, void* arg) {
  auto* collector = static_cast<FrameCollector*>(arg);
  Dwarf_Addr pc;
  bool activation = false;
  if (!dwfl_frame_pc(state, &pc, &activation)) return DWARF_CB_ABORT;
  // An activation frame's pc is the interrupted instruction itself; the others are return
  // addresses. Stored alike (see the header).
  const uint64_t address = activation ? pc + 1 : pc;
  if (dwfl_addrmodule(collector->dwfl, activation ? pc : pc - 1) == nullptr) {
    collector->unknown_module = true;
  }
  collector->frames->push_back(address);
  return collector->frames->size() >= collector->max_depth ? DWARF_CB_ABORT : DWARF_CB_OK;
}

}  // namespace

struct StackSampler::Process {
  Dwfl* dwfl = nullptr;
  bool attached = false;
  ~Process() {
    if (dwfl != nullptr) dwfl_end(dwfl);
  }
};

StackSampler::StackSampler() = default;
StackSampler::~StackSampler() = default;

std::string StackSampler::Describe(pid_t pid, uint64_t address) {
  auto it = processes_.find(pid);
  char text[64];
  Dwfl_Module* module = it == processes_.end() || it->second->dwfl == nullptr
                            ? nullptr
                            : dwfl_addrmodule(it->second->dwfl, address);
  if (module == nullptr) {
    snprintf(text, sizeof(text), "?() [%#llx]", static_cast<unsigned long long>(address));
    return text;
  }
  Dwarf_Addr start = 0;
  const char* main_file = nullptr;
  const char* name =
      dwfl_module_info(module, nullptr, &start, nullptr, nullptr, nullptr, &main_file, nullptr);
  std::string path = name != nullptr ? name : main_file != nullptr ? main_file : "?";
  GElf_Off offset = 0;
  GElf_Sym symbol;
  const char* function =
      dwfl_module_addrinfo(module, address, &offset, &symbol, nullptr, nullptr, nullptr);
  std::string where = "(";
  if (function != nullptr) {
    snprintf(text, sizeof(text), "+%#llx", static_cast<unsigned long long>(offset));
    std::string symbol_name = function;
    symbol_name = symbol_name.substr(0, symbol_name.find('@'));  // no version: write@@GLIBC_2.2.5
    where += symbol_name + text;
  }
  snprintf(text, sizeof(text), ") [%#llx]", static_cast<unsigned long long>(address - start));
  return path + where + text;
}

StackSampler::Process* StackSampler::ProcessOf(pid_t pid, bool refresh) {
  std::unique_ptr<Process>& process = processes_[pid];
  if (process != nullptr && !refresh) return process.get();
  process = std::make_unique<Process>();
  process->dwfl = dwfl_begin(&kCallbacks);
  if (process->dwfl == nullptr) return nullptr;
  // The module list from /proc/PID/maps; the ELF files are opened lazily by libdwfl.
  dwfl_report_begin(process->dwfl);
  if (dwfl_linux_proc_report(process->dwfl, pid) != 0) {
    processes_.erase(pid);
    return nullptr;
  }
  dwfl_report_end(process->dwfl, nullptr, nullptr);
  // The caller holds the threads in ptrace stops: libdwfl must not attach or detach them.
  if (dwfl_linux_proc_attach(process->dwfl, pid, /*assume_ptrace_stopped=*/true) != 0) {
    processes_.erase(pid);
    return nullptr;
  }
  process->attached = true;
  return process.get();
}

bool StackSampler::Unwind(pid_t pid, pid_t tid, uint32_t max_depth, std::vector<uint64_t>* frames) {
  frames->clear();
  if (max_depth == 0) return false;
  for (bool refresh : {false, true}) {
    Process* process = ProcessOf(pid, refresh);
    if (process == nullptr) return false;
    frames->clear();
    FrameCollector collector{max_depth, frames, false, process->dwfl};
    // The walk ends with an error at the outermost frame on most stacks (no CFI says "stop"):
    // the frames collected until then are the stack.
    dwfl_getthread_frames(process->dwfl, tid, CollectFrame, &collector);
    if (!collector.unknown_module || refresh) return !frames->empty();
    // An address outside every known module: libraries were loaded since; report them anew.
  }
  return !frames->empty();
}

void StackSampler::Forget(pid_t pid) {
  processes_.erase(pid);
}

namespace {

struct ModuleCollector {
  uint64_t ts_ns;
  std::vector<std::vector<uint8_t>>* records;
};

int AddModuleRecord(Dwfl_Module* module, void** /*userdata*/, const char* name,
                    Dwarf_Addr /*start*/, void* arg) {
  auto* collector = static_cast<ModuleCollector*>(arg);
  Dwarf_Addr bias = 0;
  Elf* elf = dwfl_module_getelf(module, &bias);
  // [vdso] and the like have no file the analyzer could open later.
  if (elf == nullptr || name == nullptr || name[0] == '[') return DWARF_CB_OK;
  const char* path = nullptr;
  dwfl_module_info(module, nullptr, nullptr, nullptr, nullptr, nullptr, &path, nullptr);
  const std::string file = path != nullptr ? path : name;
  if (file.empty() || file.size() >= 4096) return DWARF_CB_OK;

  std::vector<ModuleSegment> segments;
  size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) != 0) return DWARF_CB_OK;
  for (size_t i = 0; i < phnum && segments.size() < kMaxModuleSegments; ++i) {
    GElf_Phdr phdr;
    if (gelf_getphdr(elf, int(i), &phdr) != nullptr && phdr.p_type == PT_LOAD) {
      segments.push_back({phdr.p_vaddr, phdr.p_memsz});
    }
  }
  const unsigned char* build_id = nullptr;
  GElf_Addr build_id_vaddr = 0;
  int build_id_size = dwfl_module_build_id(module, &build_id, &build_id_vaddr);
  if (build_id_size < 0 || uint32_t(build_id_size) > kMaxBuildIdSize) build_id_size = 0;

  ModuleRecord record{};
  record.ts_ns = collector->ts_ns;
  record.base = bias;
  record.segment_count = uint16_t(segments.size());
  record.build_id_size = uint16_t(build_id_size);
  record.path_size = uint32_t(file.size() + 1);
  const size_t used = sizeof(record) + segments.size() * sizeof(ModuleSegment) +
                      size_t(build_id_size) + record.path_size;
  record.h = {AlignRecordSize(used), uint16_t(RecordType::kModule), 0};
  std::vector<uint8_t> bytes(record.h.size, 0);
  uint8_t* out = bytes.data();
  memcpy(out, &record, sizeof(record));
  out += sizeof(record);
  if (!segments.empty()) memcpy(out, segments.data(), segments.size() * sizeof(ModuleSegment));
  out += segments.size() * sizeof(ModuleSegment);
  if (build_id_size > 0) memcpy(out, build_id, size_t(build_id_size));
  out += build_id_size;
  memcpy(out, file.c_str(), file.size());  // the NUL is already there
  collector->records->push_back(std::move(bytes));
  return DWARF_CB_OK;
}

}  // namespace

std::vector<std::vector<uint8_t>> StackSampler::ModuleRecords(pid_t pid, uint64_t ts_ns) {
  std::vector<std::vector<uint8_t>> records;
  auto it = processes_.find(pid);
  if (it == processes_.end() || it->second->dwfl == nullptr) return records;
  ModuleCollector collector{ts_ns, &records};
  dwfl_getmodules(it->second->dwfl, AddModuleRecord, &collector, 0);
  return records;
}

}  // namespace memwrap
