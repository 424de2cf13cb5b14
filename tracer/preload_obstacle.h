// Programs the shim cannot (static binaries: no dynamic loader to preload it) or must not
// (setuid/setgid programs: never weaken them) enter. memwrap runs them untouched and the
// report says that their heap was not recorded, and why.
#pragma once

#include <string>

namespace memwrap {

// "" when the shim can be preloaded into `path`, else the reason, as a phrase that completes
// "the heap was not recorded: ...". Scripts (#!) are judged by their interpreter.
std::string PreloadObstacle(const std::string& path);

}  // namespace memwrap
