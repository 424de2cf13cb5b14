#include "symbols/module_record.h"

#include <string.h>

#include "memwrap/records.h"

namespace memwrap {

bool ReadModuleRecord(const uint8_t* record, size_t size, LoadedModule* module) {
  ModuleRecord header;
  if (size < sizeof(header)) return false;
  memcpy(&header, record, sizeof(header));
  const uint64_t need = sizeof(header) + uint64_t(header.segment_count) * sizeof(ModuleSegment) +
                        header.build_id_size + header.path_size;
  if (need > size) return false;
  module->base = header.base;
  module->segments.clear();
  const uint8_t* p = record + sizeof(header);
  for (uint16_t i = 0; i < header.segment_count; ++i, p += sizeof(ModuleSegment)) {
    ModuleSegment segment;
    memcpy(&segment, p, sizeof(segment));
    module->segments.emplace_back(segment.vaddr, segment.memsz);
  }
  module->build_id.assign(reinterpret_cast<const char*>(p), header.build_id_size);
  p += header.build_id_size;
  const bool terminated = memchr(p, '\0', header.path_size) != nullptr;
  module->path = terminated ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  return true;
}

}  // namespace memwrap
