// massif.out, as valgrind --tool=massif writes it (read by ms_print and massif-visualizer):
// a header, then snapshots of the heap size; detailed snapshots carry a call tree rooted at the
// allocation functions, each node "nCHILDREN: BYTES ADDRESS: FUNCTION (FILE:LINE)", children
// being callers, largest first.
#include <stdio.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>

#include "analyzer/downsample.h"
#include "presenters/export/exports.h"

namespace memwrap {
namespace {

constexpr size_t kSnapshotBuckets = 50;  // min and max of each: about 100, massif's default

struct TreeNode {
  uint64_t bytes = 0;
  std::map<std::string, std::unique_ptr<TreeNode>> children;
};

// "0x401136: load_table (peak_pattern.c:41)". ms_print drops what follows a '#'.
std::string NodeLabel(const SourceFrame& frame) {
  char address[32];
  snprintf(address, sizeof(address), "0x%llX: ", static_cast<unsigned long long>(frame.address));
  std::string label = address + FrameName(frame);
  if (!frame.file.empty())
    label += " (" + frame.file + ":" + std::to_string(frame.line) + ")";
  else if (!frame.module.empty())
    label += " (in " + frame.module + ")";
  std::replace(label.begin(), label.end(), '#', '_');
  return label;
}

// `limit`: a node never shows more than its parent (ms_print refuses that); only estimates
// (sampled stacks) can exceed it.
void WriteTree(const TreeNode& node, const std::string& label, int depth, uint64_t limit,
               std::ostream& out) {
  const uint64_t bytes = std::min(node.bytes, limit);
  out << std::string(size_t(depth), ' ') << 'n' << node.children.size() << ": " << bytes << ' '
      << label << '\n';
  std::vector<std::pair<const std::string*, const TreeNode*>> children;
  for (const auto& [name, child] : node.children) children.push_back({&name, child.get()});
  std::stable_sort(children.begin(), children.end(),
                   [](const auto& a, const auto& b) { return a.second->bytes > b.second->bytes; });
  for (const auto& [name, child] : children) WriteTree(*child, *name, depth + 1, bytes, out);
}

void WriteSnapshot(std::ostream& out, size_t number, uint64_t time_ms, uint64_t heap_bytes,
                   const char* tree) {
  out << "#-----------\nsnapshot=" << number << "\n#-----------\ntime=" << time_ms
      << "\nmem_heap_B=" << heap_bytes << "\nmem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=" << tree
      << '\n';
}

}  // namespace

std::string ExportMassif(HeapProfile& profile, const Timeline& timeline) {
  const HeapAnalysis& analysis = profile.analysis();
  // A sampled-only trace: the peak is the shim counters' (usable bytes, within a bound) and its
  // time is not recorded: the peak snapshot goes at the highest timeline row.
  const bool sampled = profile.sampled_only();
  const uint64_t peak_bytes = sampled ? profile.CountedPeakBytes() : analysis.peak_bytes;
  uint64_t peak_time_ns = profile.SinceStart(analysis.peak_ts_ns);
  if (sampled) {
    uint64_t highest = 0;
    peak_time_ns = 0;
    for (const TimelineRow* row : TotalRows(timeline)) {
      if (row->heap_bytes > highest) {
        highest = row->heap_bytes;
        peak_time_ns = row->time_ns;
      }
    }
  }

  // The call tree at the peak: the allocation functions at the root, then the innermost frame
  // (the caller of malloc), then its callers.
  TreeNode root;
  for (const StackValues& values : profile.stacks()) {
    if (values.at_peak.bytes == 0) continue;
    root.bytes += values.at_peak.bytes;
    TreeNode* node = &root;
    std::vector<SourceFrame> frames = profile.resolver().Frames(values.image, values.stack);
    if (frames.empty()) frames.push_back({"(no stack recorded)", "", 0, "", false, 0});
    for (const SourceFrame& frame : frames) {
      std::unique_ptr<TreeNode>& child = node->children[NodeLabel(frame)];
      if (!child) child = std::make_unique<TreeNode>();
      child->bytes += values.at_peak.bytes;
      node = child.get();
    }
  }

  // With sampled stacks, unsampled blocks are attributed to no stack: they show as one node.
  if (root.bytes < peak_bytes) {
    auto rest = std::make_unique<TreeNode>();
    rest->bytes = peak_bytes - root.bytes;
    root.children[sampled ? "(not attributed: the peak less its sites' estimates)"
                          : "(not attributed: blocks without a sampled stack)"] = std::move(rest);
  }
  root.bytes = peak_bytes;

  // The heap over time, fewer snapshots where there are many rows, and the peak itself.
  std::vector<uint64_t> times, values;
  for (const TimelineRow* row : TotalRows(timeline)) {
    times.push_back(row->time_ns);
    values.push_back(row->heap_bytes);
  }
  struct Snapshot {
    uint64_t time_ns, bytes;
    bool peak;
  };
  std::vector<Snapshot> snapshots;
  for (size_t index : MinMaxPerBucket(times, values, kSnapshotBuckets)) {
    if (times[index] == peak_time_ns && values[index] == peak_bytes) continue;
    snapshots.push_back({times[index], values[index], false});
  }
  if (peak_bytes > 0) snapshots.push_back({peak_time_ns, peak_bytes, true});
  std::stable_sort(snapshots.begin(), snapshots.end(),
                   [](const Snapshot& a, const Snapshot& b) { return a.time_ns < b.time_ns; });

  std::ostringstream out;
  out << "desc: memwrap export --format massif " << profile.trace_path()
      << (sampled ? " (SAMPLED trace: heap = usable bytes live, from the shim's counters at "
                    "each interval; the peak snapshot is the counters' peak, exact within a "
                    "bound, placed at the highest interval; its tree is ESTIMATED from the "
                    "samples)\n"
                  : " (heap = requested bytes of live blocks; the peak snapshot is the exact "
                    "heap peak)\n")
      << "cmd: " << profile.Command() << "\ntime_unit: ms\n";
  size_t number = 0;
  if (snapshots.empty() || snapshots.front().time_ns != 0 || snapshots.front().peak) {
    WriteSnapshot(out, number++, 0, 0, "empty");
  }
  for (const Snapshot& snapshot : snapshots) {
    WriteSnapshot(out, number++, snapshot.time_ns / 1000000, snapshot.bytes,
                  snapshot.peak ? "peak" : "empty");
    if (snapshot.peak) {
      WriteTree(root, "(heap allocation functions) malloc/new/new[], --alloc-fns, etc.", 0,
                root.bytes, out);
    }
  }
  return out.str();
}

}  // namespace memwrap
