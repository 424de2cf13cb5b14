#include "tracer/collector/ring_mapping_check.h"

#include <stdio.h>
#include <string.h>

#include <string>

#include "procfs/proc_files.h"

namespace memwrap {

bool ProcessMapsRing(pid_t pid, uint64_t ring_inode) {
  std::string maps;
  // Gone (or reaped): nothing maps the ring any more.
  if (!ReadProcFile(ProcPath(pid, "maps"), &maps)) return false;
  for (size_t start = 0; start < maps.size();) {
    size_t end = maps.find('\n', start);
    if (end == std::string::npos) end = maps.size();
    const std::string line = maps.substr(start, end - start);
    start = end + 1;
    // address perms offset dev inode path
    unsigned long long inode = 0;
    if (line.find("memwrap-ring") != std::string::npos &&
        sscanf(line.c_str(), "%*s %*s %*s %*s %llu", &inode) == 1 && inode == ring_inode) {
      return true;
    }
  }
  return false;
}

}  // namespace memwrap
