// The system logger's modules by name, and the `--modules` list.
//
//   memory     /proc/meminfo            SYSTEM_MEMORY: total, used, free, available, ... swap
//   cpu        /proc/stat               SYSTEM_CPU: ticks per CPU state since boot
//   load       /proc/loadavg            SYSTEM_LOAD: load averages, runnable and all tasks
//   network    /proc/net/dev            SYSTEM_ITEM per interface: bytes, packets, errors, drops
//   disk       /proc/diskstats          SYSTEM_ITEM per whole disk: I/Os, bytes, times
//   top        /proc/PID/stat           SYSTEM_ITEM per process, the --top N largest by RSS
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "system_logger/system_module.h"

namespace memwrap {

// Every module name, in the order their data appears in a sample.
const std::vector<std::string>& SystemModuleNames();

// Parses "memory,cpu" (or "all") into module names in SystemModuleNames() order, without
// duplicates. Returns "" or a one-line error naming the unknown module.
std::string ParseModuleList(const std::string& list, std::vector<std::string>* names);

// A new module of that name (one of SystemModuleNames()).
std::unique_ptr<SystemModule> MakeSystemModule(const std::string& name,
                                               const SystemModuleSettings& settings);

// The factories, one file each.
std::unique_ptr<SystemModule> MakeMemoryModule(const SystemModuleSettings& settings);
std::unique_ptr<SystemModule> MakeCpuModule(const SystemModuleSettings& settings);
std::unique_ptr<SystemModule> MakeLoadModule(const SystemModuleSettings& settings);
std::unique_ptr<SystemModule> MakeNetworkModule(const SystemModuleSettings& settings);
std::unique_ptr<SystemModule> MakeDiskModule(const SystemModuleSettings& settings);
std::unique_ptr<SystemModule> MakeTopProcessesModule(const SystemModuleSettings& settings);

}  // namespace memwrap
