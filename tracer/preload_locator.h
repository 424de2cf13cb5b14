// Finds libmemwrap_preload.so next to the running memwrap executable: beside it in the build
// tree, or in the library directory of an installed tree (cmake --install).
#pragma once

#include <string>

namespace memwrap {

// Absolute path of the preload library, or "" with `*tried` listing the places looked at.
std::string FindPreloadLibrary(std::string* tried);
// The same for libmemwrap_audit.so (library calls), installed beside the preload library.
std::string FindAuditLibrary(std::string* tried);

}  // namespace memwrap
