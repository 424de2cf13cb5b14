#include "call_sites.h"

#include <algorithm>
#include <tuple>

namespace memwrap {

bool IsRuntimeFrame(const SourceFrame& frame) {
  static const char* const kModules[] = {
      "libc.so",    "libstdc++.so", "libgcc_s.so",   "ld-linux",     "libmemwrap_preload.so",
      "libc++.so",  "libc++abi.so",
      // allocators a program links or preloads instead of glibc's
      "libtcmalloc", "libjemalloc.so", "libmimalloc.so"};
  for (const char* prefix : kModules) {
    if (frame.module.rfind(prefix, 0) == 0) return true;
  }
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
  const std::vector<uint64_t>* addresses = catalog_.Stack(image, stack);
  if (addresses == nullptr) return frames;
  for (uint64_t address : *addresses) {
    const std::vector<SourceFrame>& expanded = symbolizer_.Symbolize(image, address);
    frames.insert(frames.end(), expanded.begin(), expanded.end());
  }
  return frames;
}

SourceFrame CallSiteResolver::SiteOfFrames(const std::vector<SourceFrame>& frames) {
  SourceFrame location;
  if (frames.empty()) {
    location.function = "(no stack recorded)";
    return location;
  }
  auto program_frame = std::find_if(frames.begin(), frames.end(),
                                    [](const SourceFrame& f) { return !IsRuntimeFrame(f); });
  return program_frame != frames.end() ? *program_frame : frames.front();
}

SourceFrame CallSiteResolver::SiteOf(ImageId image, StackId stack) {
  return SiteOfFrames(Frames(image, stack));
}

std::vector<CallSite> CallSiteResolver::Resolve(
    const std::map<std::pair<ImageId, StackId>, StackUsage>& usage) {
  // Frames without a function name are told apart by module and address, so that unrelated
  // unknown code is not lumped into one "??" site.
  std::map<std::tuple<std::string, std::string, uint32_t, std::string, uint64_t>, CallSite> sites;
  for (const auto& [key, use] : usage) {
    std::vector<SourceFrame> frames = Frames(key.first, key.second);
    SourceFrame location = SiteOfFrames(frames);
    const bool unnamed = location.function == "??";
    CallSite& site = sites[{location.function, location.file, location.line,
                            unnamed ? location.module : "", unnamed ? location.address : 0}];
    site.location = location;
    site.bytes += use.bytes;
    site.allocations += use.blocks;
    if (use.bytes > site.stack_bytes || site.stack.empty()) {
      site.stack_bytes = use.bytes;
      site.stack = std::move(frames);
    }
  }
  std::vector<CallSite> sorted;
  for (auto& [key, site] : sites) sorted.push_back(std::move(site));
  std::stable_sort(sorted.begin(), sorted.end(), [](const CallSite& a, const CallSite& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.allocations > b.allocations;
  });
  return sorted;
}

}  // namespace memwrap
