// The shim's side of the handshake (include/memwrap/handshake.h): connect to the collector,
// hand over the ring memfd, wait for the ack, and later tell whether the collector is alive.
// No heap: everything lives in static or stack buffers.
#pragma once

#include <stdint.h>

#include "memwrap/handshake.h"

namespace memwrap::shim {

// Why ConnectToCollector found no collector: the program's user is told which (a sandbox
// that forbids sockets is not a stale MEMWRAP_SOCKET).
enum class ConnectFailure {
  kNoSetting,     // MEMWRAP_SOCKET unset, empty or too long
  kNoSocket,      // socket() itself failed (a seccomp filter, an LSM, no descriptors left)
  kNotListening,  // connect() failed: nobody listens under that name
};

// Connects to the socket named in MEMWRAP_SOCKET. -1 when unset or unreachable; then `why`
// (when given) says which, and `error` the errno.
int ConnectToCollector(ConnectFailure* why = nullptr, int* error = nullptr);

// Sends the hello, the memfd and the exe/argv strings; waits for the ack. True when the
// collector accepted the ring. `stream`: which of the process's streams this ring carries.
bool Handshake(int socket_fd, int ring_fd, uint64_t ring_bytes, uint64_t start_ts_ns,
               Stream stream = Stream::kHeap);

// False once the collector closed its end (memwrap exited or was killed).
bool CollectorAlive(int socket_fd);

// Whether socket_fd is still the socket ConnectToCollector connected (the program may have
// closed it, and the number may name another file now).
bool IsOurSocket(int socket_fd);

// The socket under a high descriptor number (close-on-exec), out of the way of the program's
// own; the old number is closed. The same number when it cannot be moved.
int MoveToHighDescriptor(int socket_fd);

}  // namespace memwrap::shim
