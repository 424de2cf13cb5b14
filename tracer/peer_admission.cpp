#include "peer_admission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>

namespace memwrap {
namespace {

// Deep enough for any real process tree; a cycle cannot happen, but a bound costs nothing.
constexpr int kMaxAncestors = 256;

struct ProcessIds {
  pid_t ppid = -1;
  pid_t tracer = 0;
  uid_t uids[4] = {};  // real, effective, saved, file system
  bool read = false;
};

ProcessIds ReadIds(pid_t pid) {
  ProcessIds ids;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/status", int(pid));
  FILE* file = fopen(path, "re");
  if (file == nullptr) return ids;
  char line[256];
  int found = 0;
  while (fgets(line, sizeof(line), file) != nullptr && found < 3) {
    unsigned long a = 0, b = 0, c = 0, d = 0;
    if (sscanf(line, "PPid: %lu", &a) == 1) {
      ids.ppid = pid_t(a);
      ++found;
    } else if (sscanf(line, "TracerPid: %lu", &a) == 1) {
      ids.tracer = pid_t(a);
      ++found;
    } else if (sscanf(line, "Uid: %lu %lu %lu %lu", &a, &b, &c, &d) == 4) {
      ids.uids[0] = uid_t(a);
      ids.uids[1] = uid_t(b);
      ids.uids[2] = uid_t(c);
      ids.uids[3] = uid_t(d);
      ++found;
    }
  }
  fclose(file);
  ids.read = found == 3;
  return ids;
}

// TracerPid names the tracing thread (all of memwrap's ptrace calls come from one thread).
bool IsOneOfOurThreads(pid_t tid) {
  if (tid == getpid()) return true;
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  return access(task.c_str(), F_OK) == 0;
}

bool DescendsFromUs(pid_t ppid) {
  const pid_t self = getpid();
  for (int depth = 0; depth < kMaxAncestors && ppid > 1; ++depth) {
    if (ppid == self) return true;
    ppid = ReadIds(ppid).ppid;
  }
  return false;
}

}  // namespace

bool IsOwnTracee(pid_t pid, uid_t uid) {
  if (pid <= 0) return false;
  const ProcessIds ids = ReadIds(pid);
  if (!ids.read) return false;
  bool uid_matches = false;
  for (uid_t id : ids.uids) uid_matches |= id == uid;
  if (!uid_matches) return false;
  return (ids.tracer != 0 && IsOneOfOurThreads(ids.tracer)) || DescendsFromUs(ids.ppid);
}

}  // namespace memwrap
