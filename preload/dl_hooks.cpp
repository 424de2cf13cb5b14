// dlopen and dlclose: after either, the shim sends the module map again, so that stacks
// through late-loaded libraries can be symbolised offline.
#include <dlfcn.h>

#include "preload/cfi_unwinder.h"
#include "preload/runtime_code.h"
#include "preload/shim.h"

namespace {

template <class F>
F NextDefinition(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void* dlopen(const char* file, int mode) {
  static auto real = NextDefinition<void* (*)(const char*, int)>("dlopen");
  void* handle = real(file, mode);
  if (handle != nullptr) memwrap::shim::ForgetRuntimeCode();
  if (handle != nullptr && memwrap::shim::Active()) memwrap::shim::RecordModulesChanged();
  return handle;
}

__attribute__((visibility("default"))) int dlclose(void* handle) {
  static auto real = NextDefinition<int (*)(void*)>("dlclose");
  int result = real(handle);
  // The unloaded code's unwind rules must not serve code mapped at its addresses later.
  if (result == 0) {
    memwrap::shim::ForgetFrameRules();
    memwrap::shim::ForgetRuntimeCode();
  }
  if (result == 0 && memwrap::shim::Active()) memwrap::shim::RecordModulesChanged();
  return result;
}

}  // extern "C"
