// The machine's name as the traces record it (session info `host`, the `%h` of -o, the
// system logger's host column): gethostname(2), "" if it fails.
#pragma once

#include <string>

namespace memwrap {

std::string HostName();

}  // namespace memwrap
