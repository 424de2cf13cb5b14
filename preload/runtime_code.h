// Where the runtime's code lies (memwrap/runtime_modules.h: the C and C++ runtimes, the loader,
// other allocators, the shim): sampled mode counts an allocation whose caller is runtime code
// (a stdio buffer, strdup, a std::string's growth) under the first program frame above it,
// the frame the report names as its site, so that such sites get exact counts too.
//
// The ranges are read once with dl_iterate_phdr and again after a dlopen or dlclose; a lookup
// is a scan of a few ranges, with no lock and no system call.
#pragma once

#include <stdint.h>

namespace memwrap::shim {

// True when `address` lies in the code of a runtime module.
bool IsRuntimeCode(uint64_t address);

// dlopen and dlclose: the next lookup reads the ranges again.
void ForgetRuntimeCode();

}  // namespace memwrap::shim
