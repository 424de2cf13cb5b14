#include "tracer/collector/peer_admission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "procfs/proc_files.h"

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
  char text[4096];
  size_t length = 0;
  if (!ReadProcSnapshot(ProcPath(pid, "status"), text, sizeof(text), &length)) return ids;
  const char* ppid = ProcField(text, "PPid");
  const char* tracer = ProcField(text, "TracerPid");
  const char* uids = ProcField(text, "Uid");
  unsigned long a = 0, b = 0, c = 0, d = 0;
  if (ppid == nullptr || tracer == nullptr || uids == nullptr ||
      sscanf(uids, "%lu %lu %lu %lu", &a, &b, &c, &d) != 4) {
    return ids;
  }
  ids.ppid = pid_t(strtoul(ppid, nullptr, 10));
  ids.tracer = pid_t(strtoul(tracer, nullptr, 10));
  ids.uids[0] = uid_t(a);
  ids.uids[1] = uid_t(b);
  ids.uids[2] = uid_t(c);
  ids.uids[3] = uid_t(d);
  ids.read = true;
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
