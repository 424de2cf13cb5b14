// memwrap's side of one plugin (include/memwrap/plugin.h): starts the plugin host, a process of
// its own that loads the library, and trades batches of records for its answers over a socket
// (plugin_protocol.h), never waiting longer than the timeout for one. A host that dies or
// hangs is killed and reaped; what happened is said in words (failure()).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "tracefile/unique_fd.h"
#include "tracer/plugin/plugin_protocol.h"

namespace memwrap {

// --plugin LIB[:ARG] as given and split.
struct PluginSpec {
  std::string text;      // as given, for messages
  std::string library;   // LIB
  std::string argument;  // ARG, "" without one
};

// "LIB" or "LIB:ARG" (the first ':' after the last '/' splits; a path with ':' in a directory
// name still works).
PluginSpec ParsePluginSpec(const std::string& text);

class PluginProcess {
 public:
  // Starts the host (the executable `host_executable`, entered as memwrap-plugin-host:
  // plugin_host.h) and waits until it has loaded the library, at most `load_timeout_ns`.
  // Throws std::runtime_error with a one-line reason when the library cannot be used.
  // `timeout_text`: --plugin-timeout as given, for messages.
  PluginProcess(const PluginSpec& spec, const std::string& host_executable, uint64_t timeout_ns,
                const std::string& timeout_text, uint64_t load_timeout_ns);
  ~PluginProcess();  // kills a host that still runs
  PluginProcess(const PluginProcess&) = delete;
  PluginProcess& operator=(const PluginProcess&) = delete;

  // Sends one batch of `pid`'s records and reads the answer: `keep` gets one byte per record,
  // `requests` what the plugin asked for. False when the host is gone, answered nonsense or
  // did not answer within the timeout (it is then killed): failure() says which.
  bool Exchange(uint32_t pid, const uint8_t* records, size_t size, std::vector<uint8_t>* keep,
                std::vector<PluginRequest>* requests);
  // The polite end: the plugin's fini, within the timeout; then the host exits.
  void Finish();

  bool failed() const { return !failure_.empty(); }
  // "crashed (signal 11)", "did not answer within 1s", ...; "" while it works.
  const std::string& failure() const { return failure_; }
  pid_t host_pid() const { return host_pid_; }
  // The plugin defines memwrap_plugin_drops_allocations, non-zero (plugin.h).
  bool drops_allocations() const { return drops_allocations_; }

 private:
  enum class Io { kDone, kClosed, kTimedOut, kError };
  Io WriteAll(const uint8_t* data, size_t size, uint64_t deadline_ns);
  Io ReadAll(uint8_t* data, size_t size, uint64_t deadline_ns);
  // Reads one frame's header and payload.
  Io ReadFrame(PluginFrameHeader* header, std::vector<uint8_t>* payload, uint64_t deadline_ns);
  // Records why the host is gone, after killing it if it still runs.
  void Fail(Io io);
  // How the host ended, from its watcher (plugin_host.h): "crashed (signal 11)", ...
  std::string DescribeEnd();

  PluginSpec spec_;
  uint64_t timeout_ns_;
  std::string timeout_text_;
  UniqueFd socket_;
  UniqueFd status_;  // the watcher writes the host's wait status here
  pid_t host_pid_ = 0;
  bool drops_allocations_ = false;
  std::string failure_;
  std::vector<uint8_t> out_;
  std::vector<uint8_t> in_;
};

}  // namespace memwrap
