#include "preload/module_map.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "memwrap/records.h"

namespace memwrap::shim {
namespace {

struct EmitContext {
  uint64_t ts_ns;
  EmitRecord emit;
};

// Copies the GNU build-id note of the object, if it has one. Returns its size.
uint16_t FindBuildId(const dl_phdr_info* info, uint8_t* out) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const auto* p = reinterpret_cast<const uint8_t*>(info->dlpi_addr + ph.p_vaddr);
    const uint8_t* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
      const uint8_t* name = p + sizeof(ElfW(Nhdr));
      const uint8_t* desc = name + ((note->n_namesz + 3) & ~3u);
      const uint8_t* next = desc + ((note->n_descsz + 3) & ~3u);
      if (next > end) break;
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
          note->n_descsz <= kMaxBuildIdSize) {
        memcpy(out, desc, note->n_descsz);
        return uint16_t(note->n_descsz);
      }
      p = next;
    }
  }
  return 0;
}

int EmitOne(dl_phdr_info* info, size_t, void* data) {
  auto* context = static_cast<EmitContext*>(data);
  alignas(8) uint8_t record[kMaxRecordSize];
  auto* module = reinterpret_cast<ModuleRecord*>(record);
  memset(module, 0, sizeof(*module));
  module->ts_ns = context->ts_ns;
  module->base = info->dlpi_addr;

  auto* segments = reinterpret_cast<ModuleSegment*>(record + sizeof(ModuleRecord));
  for (int i = 0; i < info->dlpi_phnum && module->segment_count < kMaxModuleSegments; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    segments[module->segment_count++] = {ph.p_vaddr, ph.p_memsz};
  }
  if (module->segment_count == 0) return 0;
  uint8_t* build_id = record + sizeof(ModuleRecord) + module->segment_count * sizeof(ModuleSegment);
  module->build_id_size = FindBuildId(info, build_id);

  char* path = reinterpret_cast<char*>(build_id + module->build_id_size);
  size_t room = sizeof(record) - size_t(reinterpret_cast<uint8_t*>(path) - record) - 1;
  size_t length;
  if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0') {
    // The main executable has no name in the link map.
    ssize_t n = readlink("/proc/self/exe", path, room);
    length = n > 0 ? size_t(n) : 0;
  } else {
    length = strnlen(info->dlpi_name, room);
    memcpy(path, info->dlpi_name, length);
  }
  path[length] = '\0';
  module->path_size = uint32_t(length + 1);
  size_t used = size_t(reinterpret_cast<uint8_t*>(path) - record) + module->path_size;
  module->h.size = AlignRecordSize(used);
  module->h.type = uint16_t(RecordType::kModule);
  memset(record + used, 0, module->h.size - used);
  return context->emit(record, module->h.size) ? 0 : 1;
}

struct RangeQuery {
  uint64_t address, begin, end;
  bool found;
};

int FindRange(dl_phdr_info* info, size_t, void* data) {
  auto* q = static_cast<RangeQuery*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X)) continue;
    uint64_t begin = info->dlpi_addr + ph.p_vaddr;
    if (q->address >= begin && q->address < begin + ph.p_memsz) {
      *q = {q->address, begin, begin + ph.p_memsz, true};
      return 1;
    }
  }
  return 0;
}

}  // namespace

void EmitModules(uint64_t ts_ns, EmitRecord emit) {
  EmitContext context{ts_ns, emit};
  dl_iterate_phdr(EmitOne, &context);
}

bool ObjectRangeOf(const void* address, uint64_t* begin, uint64_t* end) {
  RangeQuery q{reinterpret_cast<uint64_t>(address), 0, 0, false};
  dl_iterate_phdr(FindRange, &q);
  *begin = q.begin;
  *end = q.end;
  return q.found;
}

}  // namespace memwrap::shim
