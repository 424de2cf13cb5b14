// flamegraph.pl's folded stacks: "outer;...;inner VALUE", one line per distinct stack.
#include <map>
#include <sstream>

#include "presenters/export/exports.h"

namespace memwrap {

std::string ExportFolded(HeapProfile& profile, StackMetric metric) {
  // Stacks that symbolize alike (two return addresses in one function) share a line.
  std::map<std::string, uint64_t> lines;
  for (const StackValues& values : profile.stacks()) {
    const uint64_t value = MetricValue(values, metric);
    if (value == 0) continue;
    std::string line;
    for (const std::string& frame : profile.FoldedFrames(values.image, values.stack)) {
      line += (line.empty() ? "" : ";") + frame;
    }
    lines[line] += value;
  }
  std::ostringstream out;
  for (const auto& [line, value] : lines) out << line << ' ' << value << '\n';
  return out.str();
}

std::vector<const TimelineRow*> TotalRows(const Timeline& timeline) {
  bool several = false;
  for (const TimelineRow& row : timeline.rows) several |= row.pid == 0 && row.kind != "peak";
  std::vector<const TimelineRow*> rows;
  for (const TimelineRow& row : timeline.rows) {
    if (!several || row.pid == 0) rows.push_back(&row);
  }
  return rows;
}

}  // namespace memwrap
