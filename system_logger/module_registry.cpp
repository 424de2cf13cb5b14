#include "system_logger/module_registry.h"

#include <algorithm>

namespace memwrap {

const std::vector<std::string>& SystemModuleNames() {
  static const std::vector<std::string> names = {"memory", "cpu", "load", "network", "disk", "top"};
  return names;
}

std::string ParseModuleList(const std::string& list, std::vector<std::string>* names) {
  names->clear();
  std::vector<bool> wanted(SystemModuleNames().size(), false);
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    const std::string name = list.substr(start, end - start);
    if (name == "all") {
      wanted.assign(wanted.size(), true);
    } else {
      auto found = std::find(SystemModuleNames().begin(), SystemModuleNames().end(), name);
      if (found == SystemModuleNames().end()) {
        return "unknown module '" + name + "' (memory, cpu, load, network, disk, top, or all)";
      }
      wanted[size_t(found - SystemModuleNames().begin())] = true;
    }
    start = end + 1;
  }
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (wanted[i]) names->push_back(SystemModuleNames()[i]);
  }
  return "";
}

std::unique_ptr<SystemModule> MakeSystemModule(const std::string& name,
                                               const SystemModuleSettings& settings) {
  if (name == "memory") return MakeMemoryModule(settings);
  if (name == "cpu") return MakeCpuModule(settings);
  if (name == "load") return MakeLoadModule(settings);
  if (name == "network") return MakeNetworkModule(settings);
  if (name == "disk") return MakeDiskModule(settings);
  if (name == "top") return MakeTopProcessesModule(settings);
  return nullptr;
}

}  // namespace memwrap
