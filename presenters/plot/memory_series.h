// The chart's memory over time of one trace, from its records rather than from the timeline's
// rows: the heap's live bytes and the mapped bytes after every record that changed them, drawn
// as steps at those exact instants (StepSeries), and RSS and PSS at the instants they were
// sampled (all processes' latest samples added up), so no drop or rise lands between two rows.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <nlohmann/json.hpp>

namespace memwrap {

class HeapProfile;

// One more pass over the profile's trace. Returns {"series": {heap, mapped, rss, pss} as
// [time_ns, bytes] points, "series_counts": {heap, mapped, rss, pss}: changes or samples before
// the reduction}. `duration_ns`: the trace's length (its last record, since its creation);
// `columns`: the chart's pixel columns.
nlohmann::json BuildMemorySeries(HeapProfile& profile, uint64_t duration_ns, size_t columns);

}  // namespace memwrap
