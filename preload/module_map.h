// Describes every loaded ELF object (dl_iterate_phdr) as MODULE records, so the analyzer can
// symbolise return addresses offline, after the process is gone.
#pragma once

#include <stdint.h>

namespace memwrap::shim {

// Calls emit(record, size) once per loaded object. `record` is a complete ModuleRecord.
using EmitRecord = bool (*)(const void* record, uint32_t size);
void EmitModules(uint64_t ts_ns, EmitRecord emit);

// The address range of the object that contains `address` ([*begin, *end) of its text),
// used to skip the shim's own frames at the top of a stack.
bool ObjectRangeOf(const void* address, uint64_t* begin, uint64_t* end);

}  // namespace memwrap::shim
