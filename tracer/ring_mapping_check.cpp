#include "ring_mapping_check.h"

#include <stdio.h>
#include <string.h>

#include <string>

namespace memwrap {

bool ProcessMapsRing(pid_t pid, uint64_t ring_inode) {
  const std::string path = "/proc/" + std::to_string(pid) + "/maps";
  FILE* maps = fopen(path.c_str(), "re");
  if (maps == nullptr) return false;  // gone (or reaped): nothing maps the ring any more
  bool found = false;
  char line[4096];
  while (!found && fgets(line, sizeof(line), maps) != nullptr) {
    // address perms offset dev inode path
    unsigned long long inode = 0;
    if (strstr(line, "memwrap-ring") != nullptr &&
        sscanf(line, "%*s %*s %*s %*s %llu", &inode) == 1 && inode == ring_inode) {
      found = true;
    }
  }
  fclose(maps);
  return found;
}

}  // namespace memwrap
