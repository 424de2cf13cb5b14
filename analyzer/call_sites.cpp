#include "analyzer/call_sites.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <tuple>

#include "memwrap/runtime_modules.h"

namespace memwrap {

bool IsRuntimeModule(const std::string& module) {
  return IsRuntimeModuleName(module.c_str());
}

bool IsRuntimeFrame(const SourceFrame& frame) {
  if (IsRuntimeModule(frame.module)) return true;
  static const char* const kHeaderDirs[] = {"/usr/include/", "/usr/lib/gcc/"};
  for (const char* prefix : kHeaderDirs) {
    if (frame.file.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

CallSiteResolver::CallSiteResolver(const TraceCatalog& catalog, DebugInfoPreloader* preloaded)
    : catalog_(catalog), symbolizer_(preloaded) {
  for (const ProcessImage& image : catalog.images()) {
    for (const LoadedModule& module : image.modules) symbolizer_.AddModule(image.id, module);
  }
}

std::vector<SourceFrame> CallSiteResolver::Frames(ImageId image, StackId stack) {
  std::vector<SourceFrame> frames;
  const auto addresses = catalog_.Stack(image, stack);
  if (!addresses) return frames;
  for (uint64_t address : *addresses) {
    const std::vector<SourceFrame>& expanded = symbolizer_.Symbolize(image, address);
    frames.insert(frames.end(), expanded.begin(), expanded.end());
  }
  return frames;
}

std::optional<SourceFrame> CallSiteResolver::InnermostFrame(ImageId image, StackId stack) {
  const auto addresses = catalog_.Stack(image, stack);
  if (!addresses || addresses->empty()) return std::nullopt;
  return symbolizer_.Symbolize(image, addresses->front()).front();
}

const SourceFrame& CallSiteResolver::SiteOf(ImageId image, StackId stack) {
  auto [it, added] = site_of_stack_.try_emplace(uint64_t(image) << 32 | stack, nullptr);
  if (added) it->second = &FindSite(image, stack);
  return *it->second;
}

const SourceFrame& CallSiteResolver::FindSite(ImageId image, StackId stack) {
  static const SourceFrame kNoStack = [] {
    SourceFrame location;
    location.function = "(no stack recorded)";
    return location;
  }();
  const auto addresses = catalog_.Stack(image, stack);
  if (!addresses || addresses->empty()) return kNoStack;
  for (uint64_t address : *addresses) {
    // Every frame of a runtime module is a runtime frame: no need to symbolize it to skip it.
    if (IsRuntimeModule(symbolizer_.ModuleOf(image, address))) continue;
    for (const SourceFrame& frame : symbolizer_.Symbolize(image, address)) {
      if (!IsRuntimeFrame(frame)) return frame;
    }
  }
  return symbolizer_.Symbolize(image, addresses->front()).front();
}

const SourceFrame* CallSiteResolver::DirectSiteAt(ImageId image, uint64_t return_address) {
  if (IsRuntimeModule(symbolizer_.ModuleOf(image, return_address))) return nullptr;
  for (const SourceFrame& frame : symbolizer_.Symbolize(image, return_address)) {
    if (!IsRuntimeFrame(frame)) return &frame;
  }
  return nullptr;
}

namespace {

// A site's key (CallSiteResolver::SiteKey).
CallSiteResolver::SiteKey KeyOf(const SourceFrame& location) {
  const bool unnamed = location.function == "??";
  return {location.function, location.file, location.line,
          unnamed ? std::string_view(location.module) : std::string_view(),
          unnamed ? location.address : 0};
}

}  // namespace

std::optional<uint64_t> CallSiteResolver::CallerAddress(ImageId image, StackId stack,
                                                        const ImageCallerTotals& totals) {
  const auto addresses = catalog_.Stack(image, stack);
  if (!addresses) return std::nullopt;
  // Format 1.8 on, the shim counts a call that runtime code made under the first program frame
  // above it (preload/runtime_code.h), where the report puts its site.
  for (uint64_t address : *addresses) {
    if (IsRuntimeModule(symbolizer_.ModuleOf(image, address))) continue;
    if (totals.by_address.count(address) != 0) return address;
    break;
  }
  // Before, or when the shim's unwind found no program frame: under the runtime's own address.
  // The shim counts a call of the runtime's operator new under the operator's caller
  // (preload/cxx_operator_hooks.cpp, NoteNewCaller): the stack's frames in it are skipped too.
  for (uint64_t address : *addresses) {
    if (IsRuntimeModule(symbolizer_.ModuleOf(image, address)) &&
        symbolizer_.Symbolize(image, address).front().function.rfind("operator new", 0) == 0) {
      continue;
    }
    return address;
  }
  return std::nullopt;
}

// Where one stack's samples stand in an image with exact caller totals.
struct CallSiteResolver::SampleRole {
  bool direct = false;  // their calls are counted exactly at their site: they only show a stack
  // Else, when their caller's address has totals: the factors that scale their estimates so
  // that all the samples through that address add up to its exact totals (ratio estimation).
  double bytes_factor = 1, blocks_factor = 1;
};

namespace {

double Ratio(uint64_t exact, uint64_t estimated) {
  return estimated != 0 ? double(exact) / double(estimated) : 1;
}

}  // namespace

// Samples through runtime code are placed at their site by their stacks, but how much went
// through each runtime address is known exactly: their estimates are scaled to it, which keeps
// a site from being credited more than its caller's address ever allocated.
std::map<std::pair<ImageId, StackId>, CallSiteResolver::SampleRole> CallSiteResolver::SampleRoles(
    const std::map<std::pair<ImageId, StackId>, StackUsage>& usage, const ExactCallers& exact,
    std::set<std::pair<ImageId, uint64_t>>* placed) {
  std::map<std::pair<ImageId, StackId>, SampleRole> roles;
  std::map<std::pair<ImageId, StackId>, std::pair<ImageId, uint64_t>> through;
  std::map<std::pair<ImageId, uint64_t>, StackUsage> estimated;  // per (image, address)
  for (const auto& [key, use] : usage) {
    const auto image = exact.find(key.first);
    if (image == exact.end()) continue;
    const std::optional<uint64_t> address = CallerAddress(key.first, key.second, *image->second);
    if (!address) continue;
    if (DirectSiteAt(key.first, *address) != nullptr) {
      roles[key].direct = true;
    } else if (image->second->by_address.count(*address) != 0) {
      through[key] = {key.first, *address};
      estimated[{key.first, *address}].bytes += use.bytes;
      estimated[{key.first, *address}].blocks += use.blocks;
    }
  }
  for (const auto& [key, caller] : through) {
    placed->insert(caller);
    const CallerCount& count = exact.at(caller.first)->by_address.at(caller.second);
    const StackUsage& sum = estimated[caller];
    roles[key].bytes_factor = Ratio(count.bytes, sum.bytes);
    roles[key].blocks_factor = Ratio(count.calls, sum.blocks);
  }
  return roles;
}

std::vector<CallSite> CallSiteResolver::Resolve(
    const std::map<std::pair<ImageId, StackId>, StackUsage>& usage, const ExactCallers* exact) {
  std::map<SiteKey, Grouped> sites;
  std::set<std::pair<ImageId, uint64_t>> placed;
  const auto roles = exact != nullptr ? SampleRoles(usage, *exact, &placed)
                                      : std::map<std::pair<ImageId, StackId>, SampleRole>();
  for (const auto& [key, use] : usage) {
    const SourceFrame& location = SiteOf(key.first, key.second);
    Grouped& grouped = sites[KeyOf(location)];
    grouped.location = &location;
    CallSite& site = grouped.site;
    const auto role = roles.find(key);
    if (role == roles.end()) {
      site.bytes += use.bytes;
      site.allocations += use.blocks;
      site.bytes_variance += use.bytes_variance;  // the samples are independent
      grouped.estimated = true;
    } else if (!role->second.direct) {
      const SampleRole& scale = role->second;
      site.bytes += uint64_t(std::llround(double(use.bytes) * scale.bytes_factor));
      site.allocations += uint64_t(std::llround(double(use.blocks) * scale.blocks_factor));
      site.bytes_variance += use.bytes_variance * scale.bytes_factor * scale.bytes_factor;
      grouped.estimated = true;
    }
    if (use.bytes > site.stack_bytes || !grouped.heaviest_has_frames) {
      site.stack_bytes = use.bytes;
      site.heaviest = key;
      const auto addresses = catalog_.Stack(key.first, key.second);
      grouped.heaviest_has_frames = addresses && !addresses->empty();
    }
  }
  if (exact != nullptr) AddExactCounts(*exact, placed, &sites);
  std::vector<CallSite> sorted;
  sorted.reserve(sites.size());
  for (auto& [key, grouped] : sites) {
    grouped.site.location = *grouped.location;
    grouped.site.exact_counts = exact != nullptr && !grouped.estimated;
    sorted.push_back(std::move(grouped.site));
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const CallSite& a, const CallSite& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.allocations > b.allocations;
  });
  return sorted;
}

// The exact counts of every address whose own frames name a program frame, to that site; of a
// runtime address that no sample went through, to its own frame.
void CallSiteResolver::AddExactCounts(const ExactCallers& exact,
                                      const std::set<std::pair<ImageId, uint64_t>>& placed,
                                      std::map<SiteKey, Grouped>* sites) {
  for (const auto& [image, totals] : exact) {
    for (const auto& [address, count] : totals->by_address) {
      const SourceFrame* location = DirectSiteAt(image, address);
      if (location == nullptr) {
        if (placed.count({image, address}) != 0) continue;  // by its samples (SampleRoles)
        location = &symbolizer_.Symbolize(image, address).front();
      }
      Grouped& grouped = (*sites)[KeyOf(*location)];
      if (grouped.location == nullptr) grouped.location = location;
      grouped.site.bytes += count.bytes;
      grouped.site.allocations += count.calls;
    }
  }
}

void CallSiteResolver::FillStack(CallSite* site) {
  site->stack = Frames(site->heaviest.first, site->heaviest.second);
}

void CallSiteResolver::FillStacks(std::vector<CallSite>* sites) {
  for (CallSite& site : *sites) FillStack(&site);
}

}  // namespace memwrap
