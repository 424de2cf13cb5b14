// `memwrap run --allow-watch`: the recording's heap records, offered live to `memwrap watch -p
// PID` on a unix socket in the abstract namespace, "memwrap-watch-PID" (PID: the program
// memwrap started). Only a watcher of memwrap's own user, or root, is served (SO_PEERCRED).
//
// The stream, one frame after another, each `WatchFrame` then `size` bytes:
//  * pid 0: the recording's time origin, a u64 (CLOCK_MONOTONIC ns), once, first;
//  * pid P: whole records of process P's heap stream (memwrap/records.h). A watcher that
//    connects mid-run first gets the MODULE and STACK records seen so far of every process
//    (what later events need to be symbolized), then the batches as the collector drains them.
// A watcher that cannot keep up never slows the recording: a batch that does not fit in its
// socket is not sent, and the next frame it gets is a LOST record (unit: records) saying how
// many were left out. The recording's end closes the socket.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <map>
#include <string>
#include <vector>

#include "tracefile/unique_fd.h"

namespace memwrap {

struct WatchFrame {
  uint32_t pid;
  uint32_t size;
};
static_assert(sizeof(WatchFrame) == 8);

// The socket name of the recording of program `pid`, without the leading NUL.
std::string WatchSocketName(uint32_t pid);
// That name as an abstract-namespace address, for bind (the publisher) and connect (watchers).
sockaddr_un WatchSocketAddress(uint32_t pid, socklen_t* length);

class WatchPublisher {
 public:
  // Listens for watchers of the recording of `program_pid`; throws std::runtime_error when
  // the name is taken or the socket cannot be made. `origin_ns`: the recording's start.
  WatchPublisher(uint32_t program_pid, uint64_t origin_ns);

  // One batch drained from `pid`'s heap ring (the collector's thread). Also takes in the
  // watchers that connected since the last batch.
  void Publish(uint32_t pid, const uint8_t* records, size_t size);

 private:
  struct Watcher {
    UniqueFd fd;
    uint64_t records_left_out = 0;
  };
  void AcceptWatchers();
  // Sends one frame whole, or nothing (false: it did not fit, or the watcher is gone).
  // `sent`: how many bytes of `data` went out (whole frames), when given.
  bool Send(Watcher& watcher, uint32_t pid, const uint8_t* data, size_t size,
            size_t* sent = nullptr);
  void Keep(uint32_t pid, const uint8_t* records, size_t size);

  UniqueFd listen_fd_;
  uint64_t origin_ns_;
  std::vector<Watcher> watchers_;
  // Per process: its MODULE and STACK records so far, for watchers that come later.
  std::map<uint32_t, std::vector<uint8_t>> context_;
};

}  // namespace memwrap
