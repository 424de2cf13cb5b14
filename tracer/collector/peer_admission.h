// Which connections the collector takes: only those of processes this memwrap follows.
//
// The collector's socket is abstract (nothing on disk, no permissions), so any local user can
// connect to it, and its name travels in the environment of every traced process. Before a
// byte is read from a connection, the kernel's word on its peer (SO_PEERCRED, taken at
// connect()) is checked against the process tree:
//  * the peer is traced by one of memwrap's own threads (/proc/PID/status TracerPid), or is a
//    descendant of memwrap (ltracedrv follows its children without ptrace); and
//  * the peer's user is still one of that process's user ids, so a stranger whose pid was
//    reused by one of our processes between its connect() and our accept() does not pass
//    (our processes connect from their constructors, before they can change user).
// Anything else is hung up on at once, unanswered: another user's process, or a process of
// the same user outside this recording (it copied a MEMWRAP_SOCKET it should not have).
#pragma once

#include <sys/types.h>

namespace memwrap {

bool IsOwnTracee(pid_t pid, uid_t uid);

}  // namespace memwrap
