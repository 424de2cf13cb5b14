/* A plugin whose library constructor crashes: its host dies while loading it. */
#include <signal.h>

#include "memwrap/plugin.h"

__attribute__((constructor)) static void crash(void) {
  raise(SIGSEGV);
}

int memwrap_plugin_api_version(void) {
  return MEMWRAP_PLUGIN_API_VERSION;
}
