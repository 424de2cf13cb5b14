// Turns (image, stack id) usage into call sites a person recognises.
//
// A call site is the first source frame of a stack that is not inside the C/C++ runtime or
// memwrap itself (libc, libstdc++, libgcc_s, the dynamic loader, the preload library), nor
// library code the compiler inlined from system headers (/usr/include: std::vector,
// std::string...): the line of the program that asked for memory, even when it did so through
// operator new, a container or strdup. Stacks that never leave the runtime keep their
// innermost frame. Usage of all stacks that share a call site adds up; the site shows the stack
// that contributed most.
//
// Symbolization is the slow part, so only what is needed is symbolized: finding a stack's
// site stops at the site (frames in runtime libraries are recognised by module alone and not
// symbolized at all), and a site's whole stack is symbolized only when it is shown
// (FillStacks).
#pragma once

#include <stdint.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "analyzer/caller_totals.h"
#include "analyzer/peak_analysis.h"
#include "analyzer/trace_catalog.h"
#include "symbols/symbolizer.h"

namespace memwrap {

struct CallSite {
  SourceFrame location;
  uint64_t bytes = 0;
  uint64_t allocations = 0;   // blocks
  double bytes_variance = 0;  // of the estimate `bytes` (sampled-only traces); 0 when exact
  // Resolve with exact caller totals: `bytes` and `allocations` are all exact counts (no
  // estimate from samples went into them).
  bool exact_counts = false;
  // The heaviest contributing stack, innermost frame first: empty until FillStacks.
  std::vector<SourceFrame> stack;
  uint64_t stack_bytes = 0;
  std::pair<ImageId, StackId> heaviest{0, 0};  // that stack's key
};

class CallSiteResolver {
 public:
  // `preloaded` (may be nullptr): module files opened ahead (see DebugInfoPreloader); it must
  // outlive the resolver.
  explicit CallSiteResolver(const TraceCatalog& catalog, DebugInfoPreloader* preloaded = nullptr);

  // Sites of the given per-stack usage, sorted by bytes (then allocations) descending; their
  // `stack`s are left empty.
  //
  // `exact` (sampled-only traces; may be nullptr): images whose every allocation was counted
  // by its caller's return address (caller_totals.h). In those images the exact count of each
  // address whose own frames name a program frame (DirectSiteAt) goes to that frame's site,
  // and the samples taken at such an address (first frame) only choose the site's heaviest
  // stack; the calls from other addresses (made through runtime code: strdup, an out-of-line
  // std:: template, libstdc++'s own calls of operator new) can only be placed by their
  // samples, which stay estimates, scaled so that those through one address add up to its
  // exact counts (SampleRoles). Such an address that no sample went through (a block the
  // runtime allocated for itself, with no program frame on the stack) keeps its exact counts
  // at its own frame, the site a full trace names for a stack of runtime frames only.
  // A site is `exact_counts` when it got no estimate.
  std::vector<CallSite> Resolve(const std::map<std::pair<ImageId, StackId>, StackUsage>& usage,
                                const ExactCallers* exact = nullptr);
  // The site of the allocations made from `return_address`, when the frames at that address
  // (inline frames included) hold a program frame: the frame FindSite would stop at for a stack
  // that begins there. nullptr when all of them are runtime frames.
  const SourceFrame* DirectSiteAt(ImageId image, uint64_t return_address);
  // Symbolizes the heaviest stack of a site that will be shown, or of each of these sites.
  void FillStack(CallSite* site);
  void FillStacks(std::vector<CallSite>* sites);

  // All source frames of one stack, innermost first (inline frames expanded).
  std::vector<SourceFrame> Frames(ImageId image, StackId stack);
  // The source frames of one return address of an image (innermost inlined first, ending with
  // the out-of-line function), for exports that keep addresses apart (pprof locations).
  const std::vector<SourceFrame>& FramesAt(ImageId image, uint64_t return_address) {
    return symbolizer_.Symbolize(image, return_address);
  }
  // The call site of one stack (see above); found once per stack, then remembered. The reference
  // stays valid for the resolver's life.
  const SourceFrame& SiteOf(ImageId image, StackId stack);
  // The innermost source frame of one stack; nullopt when no frames were recorded for it.
  std::optional<SourceFrame> InnermostFrame(ImageId image, StackId stack);

  // How Resolve groups stacks into sites. Frames without a function name are told apart by module
  // and address, so that unrelated unknown code is not lumped into one "??" site. The keys view
  // strings the symbolizer keeps.
  using SiteKey =
      std::tuple<std::string_view, std::string_view, uint32_t, std::string_view, uint64_t>;
  struct Grouped {
    CallSite site;
    const SourceFrame* location = nullptr;  // of the last stack grouped here
    bool heaviest_has_frames = false;       // a stack without frames is kept only until one with
    bool estimated = false;                 // some of its figures come from samples
  };

 private:
  const SourceFrame& FindSite(ImageId image, StackId stack);
  // The address the shim counted a stack's allocations under: its first frame outside the
  // runtime when `totals` has that address, else its first frame outside the runtime's
  // operator new; nullopt when the stack has no such frame.
  std::optional<uint64_t> CallerAddress(ImageId image, StackId stack,
                                        const ImageCallerTotals& totals);
  struct SampleRole;
  // `placed`: the runtime addresses with exact counts that samples went through.
  std::map<std::pair<ImageId, StackId>, SampleRole> SampleRoles(
      const std::map<std::pair<ImageId, StackId>, StackUsage>& usage, const ExactCallers& exact,
      std::set<std::pair<ImageId, uint64_t>>* placed);
  void AddExactCounts(const ExactCallers& exact,
                      const std::set<std::pair<ImageId, uint64_t>>& placed,
                      std::map<SiteKey, Grouped>* sites);

  const TraceCatalog& catalog_;
  Symbolizer symbolizer_;
  // (image << 32 | stack) -> its site, a frame the symbolizer keeps (or a constant)
  std::unordered_map<uint64_t, const SourceFrame*> site_of_stack_;
};

// True for frames that are the allocator's plumbing rather than the program.
bool IsRuntimeFrame(const SourceFrame& frame);
// True for the modules whose every frame is such plumbing (libc, libstdc++, the shim...).
bool IsRuntimeModule(const std::string& module);

}  // namespace memwrap
