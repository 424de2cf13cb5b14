#include "tracer/host_name.h"

#include <unistd.h>

namespace memwrap {

std::string HostName() {
  // HOST_NAME_MAX is 64 on Linux; a name that fills the buffer is cut, never unterminated.
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) return "";
  return host;
}

}  // namespace memwrap
