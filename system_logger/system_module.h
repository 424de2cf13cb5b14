// One measurement module of the system logger (dlogger, cronlogger, `memwrap sys`): memory,
// cpu, load, network, disk, top processes. Every module goes through the same three steps,
// as memrec's modules did:
//   Prepare() once before the first sample: find and check its /proc files;
//   Sample() at every tick: append this instant's records (records.h, SYSTEM_*) to a buffer;
//   Close() once after the last sample.
// Modules read /proc below an injectable root, so tests feed them fixed /proc text.
#pragma once

#include <stdint.h>

#include <memory>
#include <string>

#include "tracefile/byte_buffer.h"

namespace memwrap {

struct SystemModuleSettings {
  std::string root;  // "" for the real /proc and /sys; tests give a directory holding proc/...
  size_t top = 5;    // processes listed by the top module
};

class SystemModule {
 public:
  virtual ~SystemModule() = default;
  virtual const char* name() const = 0;
  // "" when the module can sample; otherwise one line saying why not (its file is missing).
  virtual std::string Prepare() = 0;
  // Appends this sample's records, all stamped `ts_ns`. A file that cannot be read this time
  // adds nothing (the sample then lacks this module's data; it never holds made-up zeros).
  virtual void Sample(uint64_t ts_ns, ByteBuffer* records) = 0;
  virtual void Close() {}
};

}  // namespace memwrap
