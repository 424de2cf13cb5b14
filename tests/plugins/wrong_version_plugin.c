/* A plugin built for another API version: memwrap must refuse it before the program runs. */
#include "memwrap/plugin.h"

int memwrap_plugin_api_version(void) {
  return MEMWRAP_PLUGIN_API_VERSION + 1;
}
