// The shim's side of include/memwrap/memwrap.h: memwrap_mark() in a traced program resolves to
// this definition when the shim is preloaded.
#include "preload/shim.h"

extern "C" __attribute__((visibility("default"))) void memwrap_mark_impl(const char* name) {
  if (memwrap::shim::Active()) memwrap::shim::RecordMark(name);
}
