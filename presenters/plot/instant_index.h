// The index that lets the HTML report answer "what was live at instant t?" and "what was
// allocated and freed between a and b?" by call site, from the trace's events rather than
// from the timeline's samples (docs/plot.md, "Any instant, any range").
//
// Time is cut into buckets of `quantum_ns` (a power of ten, from 1 ns); each bucket holds, per
// call site that changed in it, the bytes and blocks that entered and left the live heap. The
// live heap at an instant that is a multiple of the quantum is then the sum of every bucket
// before it: exact, not interpolated. The quantum starts at 1 ns and grows tenfold whenever
// the entries pass the budget, so the page's size is bounded however long the trace.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <nlohmann/json.hpp>

namespace memwrap {

class HeapProfile;

struct InstantIndexOptions {
  size_t max_entries = 400'000;  // (bucket, site) entries the page may hold
};

// One more pass over the profile's trace. Keys: docs/plot.md (`instants`).
nlohmann::json BuildInstantIndex(HeapProfile& profile, const InstantIndexOptions& options);

}  // namespace memwrap
