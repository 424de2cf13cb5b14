#include "analyzer/trace_comparison.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "analyzer/frame_text.h"
#include "analyzer/run_figures.h"
#include "memwrap/session_info_keys.h"
#include "units/byte_format.h"

namespace memwrap {

using nlohmann::json;

namespace {

using SiteKey = std::tuple<std::string, std::string, uint32_t>;

SiteKey KeyOf(const SourceFrame& frame) {
  return {frame.function, frame.file, frame.line};
}

std::string Signed(int64_t value) {
  return (value > 0   ? "+"
          : value < 0 ? "-"
                      : "") +
         GroupDigits(uint64_t(value < 0 ? -value : value));
}

std::string Place(const SourceFrame& frame) {
  std::string text = frame.function;
  if (!frame.file.empty()) text += "  " + frame.file + ":" + std::to_string(frame.line);
  return text;
}

Spread SpreadOf(const std::vector<uint64_t>& values) {
  Spread spread;
  if (values.empty()) return spread;
  spread.max = *std::max_element(values.begin(), values.end());
  spread.min = *std::min_element(values.begin(), values.end());
  for (uint64_t v : values) spread.total += v;
  spread.mean = double(spread.total) / double(values.size());
  return spread;
}

json SpreadJson(const Spread& spread) {
  return {{"max", spread.max}, {"min", spread.min}, {"mean", spread.mean}, {"total", spread.total}};
}

}  // namespace

TraceDiff DiffReports(Report a, Report b) {
  TraceDiff diff;
  std::map<SiteKey, SiteDelta> sites;
  auto add = [&](const Report& report, bool is_b) {
    for (const CallSite& site : report.peak_sites) {
      SiteDelta& delta = sites[KeyOf(site.location)];
      delta.location = site.location;
      (is_b ? delta.peak_bytes_b : delta.peak_bytes_a) += int64_t(site.bytes);
    }
    for (const SiteCount& count : report.top_sites_by_bytes) {
      SiteDelta& delta = sites[KeyOf(count.site.location)];
      delta.location = count.site.location;
      (is_b ? delta.total_bytes_b : delta.total_bytes_a) += int64_t(count.bytes);
    }
  };
  add(a, false);
  add(b, true);
  for (auto& [key, delta] : sites) {
    if (delta.peak_delta() != 0 || delta.total_delta() != 0) diff.sites.push_back(delta);
  }
  std::stable_sort(
      diff.sites.begin(), diff.sites.end(), [](const SiteDelta& x, const SiteDelta& y) {
        int64_t px = std::abs(x.peak_delta()), py = std::abs(y.peak_delta());
        return px != py ? px > py : std::abs(x.total_delta()) > std::abs(y.total_delta());
      });
  diff.a = std::move(a);
  diff.b = std::move(b);
  return diff;
}

std::string FormatDiffText(const TraceDiff& diff, size_t top) {
  std::ostringstream out;
  out << "memwrap diff: " << diff.a.trace_path << " -> " << diff.b.trace_path << "\n"
      << "Peak heap: " << GroupDigits(diff.a.peak_heap_bytes) << " -> "
      << GroupDigits(diff.b.peak_heap_bytes) << " bytes ("
      << Signed(int64_t(diff.b.peak_heap_bytes) - int64_t(diff.a.peak_heap_bytes)) << ")\n"
      << "Bytes allocated: " << GroupDigits(diff.a.totals.bytes_allocated) << " -> "
      << GroupDigits(diff.b.totals.bytes_allocated) << " ("
      << Signed(int64_t(diff.b.totals.bytes_allocated) - int64_t(diff.a.totals.bytes_allocated))
      << ")\n"
      << "Leaked: " << GroupDigits(diff.a.leaked_bytes) << " -> "
      << GroupDigits(diff.b.leaked_bytes) << " ("
      << Signed(int64_t(diff.b.leaked_bytes) - int64_t(diff.a.leaked_bytes)) << ")\n";
  // A sampled trace's peak is known within a bound, its sites and leaks are estimates.
  for (const Report* report : {&diff.a, &diff.b}) {
    if (!report->sampled.present) continue;
    out << "SAMPLED trace " << report->trace_path << ": its peak is in usable bytes, exact within "
        << "+- " << GroupDigits(report->sampled.peak_bound_bytes)
        << "; its leaked bytes and per-site bytes are ESTIMATED from the samples\n";
  }
  out << "Call sites that changed (" << diff.sites.size() << "), by change at the peak:\n"
      << "   at the peak: before -> after (change)      allocated: change   site\n";
  for (size_t i = 0; i < diff.sites.size() && i < top; ++i) {
    const SiteDelta& site = diff.sites[i];
    out << "  " << GroupDigits(uint64_t(site.peak_bytes_a)) << " -> "
        << GroupDigits(uint64_t(site.peak_bytes_b)) << " (" << Signed(site.peak_delta()) << ")   "
        << Signed(site.total_delta()) << "   " << Place(site.location) << "\n";
  }
  return out.str();
}

std::string FormatDiffJson(const TraceDiff& diff, size_t top) {
  json out;
  out["format"] = "memwrap-diff";
  out["format_version"] = 1;
  out["a"] = diff.a.trace_path;
  out["b"] = diff.b.trace_path;
  auto pair = [](int64_t a, int64_t b) { return json{{"a", a}, {"b", b}, {"delta", b - a}}; };
  out["peak_heap_bytes"] = pair(int64_t(diff.a.peak_heap_bytes), int64_t(diff.b.peak_heap_bytes));
  out["bytes_allocated"] =
      pair(int64_t(diff.a.totals.bytes_allocated), int64_t(diff.b.totals.bytes_allocated));
  out["leaked_bytes"] = pair(int64_t(diff.a.leaked_bytes), int64_t(diff.b.leaked_bytes));
  // Sampled traces (report.h, SampledHeap): the peak's bound, 0 when exact; sites and leaks
  // of a sampled trace are estimates.
  out["peak_heap_bound_bytes"] =
      pair(int64_t(diff.a.sampled.peak_bound_bytes), int64_t(diff.b.sampled.peak_bound_bytes));
  out["sampled"] = {{"a", diff.a.sampled.present}, {"b", diff.b.sampled.present}};
  out["sites"] = json::array();
  for (size_t i = 0; i < diff.sites.size() && i < top; ++i) {
    const SiteDelta& site = diff.sites[i];
    out["sites"].push_back(
        {{"function", site.location.function},
         {"file", site.location.file.empty() ? json(nullptr) : json(site.location.file)},
         {"line", site.location.line == 0 ? json(nullptr) : json(site.location.line)},
         {"peak_bytes", pair(site.peak_bytes_a, site.peak_bytes_b)},
         {"total_bytes", pair(site.total_bytes_a, site.total_bytes_b)}});
  }
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {

std::string SessionValue(const Report& report, const char* key) {
  auto it = report.session.find(key);
  return it != report.session.end() ? it->second : "";
}

std::string FormatRatio(double value) {
  char text[32];
  snprintf(text, sizeof(text), "%.3f", value);
  return text;
}

}  // namespace

MultiReport MergeReports(std::vector<Report> reports) {
  MultiReport merged;
  std::vector<uint64_t> heaps, rsses, leaks;
  for (const Report& report : reports) {
    RunFigures figures = FiguresOf(report);
    heaps.push_back(figures.peak_heap_bytes);
    leaks.push_back(figures.leaked_bytes);
    if (figures.peak_rss_bytes) rsses.push_back(*figures.peak_rss_bytes);
  }
  merged.peak_heap = SpreadOf(heaps);
  merged.peak_rss = SpreadOf(rsses);
  merged.rss_known = rsses.size();
  merged.leaked = SpreadOf(leaks);
  std::vector<HostTrace> traces;
  for (const Report& report : reports)
    traces.push_back({report.trace_path, SessionValue(report, session_key::kHost)});
  merged.hosts = ComputeHostTotals(traces);
  merged.traces = std::move(reports);
  return merged;
}

std::string FormatMultiText(const MultiReport& merged) {
  std::ostringstream out;
  out << "memwrap report: " << merged.traces.size() << " traces\n";
  for (const Report& report : merged.traces) {
    RunFigures figures = FiguresOf(report);
    const std::string host = SessionValue(report, session_key::kHost);
    const std::string rank = SessionValue(report, session_key::kRank);
    out << "  " << report.trace_path;
    if (!host.empty() || !rank.empty()) {
      out << "  (" << (host.empty() ? "" : "host " + host)
          << (host.empty() || rank.empty() ? "" : ", ") << (rank.empty() ? "" : "rank " + rank)
          << ")";
    }
    out << ": peak heap " << BytesWithExact(figures.peak_heap_bytes)
        << (figures.sampled ? " +- " + BytesWithExact(figures.peak_heap_bound_bytes) +
                                  " (SAMPLED trace: usable bytes)"
                            : std::string())
        << ", peak RSS "
        << (figures.peak_rss_bytes ? BytesWithExact(*figures.peak_rss_bytes) : "unknown")
        << ", leaked " << BytesWithExact(figures.leaked_bytes) << "\n";
    // Each trace's own call sites: traces of one program (before and after) are compared
    // site by site, and a rank's sites say what made its peak.
    if (!report.peak_sites.empty()) {
      out << "    live at its peak, by call site (top " << report.peak_sites.size() << " of "
          << report.peak_site_count << (report.peak_sites_estimated ? ", estimated" : "") << "):\n";
    }
    for (const CallSite& site : report.peak_sites) {
      char bytes[48];
      snprintf(bytes, sizeof(bytes), "%16s", GroupDigits(site.bytes).c_str());
      out << "    " << bytes << " bytes  " << FrameText(site.location) << "\n";
    }
  }
  auto line = [&](const char* name, const Spread& spread) {
    char mean[32];
    snprintf(mean, sizeof(mean), "%.0f", spread.mean);
    out << name << ": max " << BytesWithExact(spread.max) << ", min " << BytesWithExact(spread.min)
        << ", mean " << mean << " bytes, total " << BytesWithExact(spread.total) << "\n";
  };
  line("Peak heap", merged.peak_heap);
  if (merged.rss_known != 0) line("Peak RSS", merged.peak_rss);
  line("Leaked", merged.leaked);
  // The imbalance and the hosts' summed heaps are a parallel job's figures: shown when a trace
  // carries a rank, not for runs of one program compared (their JSON keeps every key).
  bool job = false;
  for (const Report& report : merged.traces)
    job = job || !SessionValue(report, session_key::kRank).empty();
  if (!job) return out.str();
  if (merged.peak_heap.min != 0) {
    out << "Imbalance of the heap peaks: max / min " +
               FormatRatio(double(merged.peak_heap.max) / double(merged.peak_heap.min))
        << ", max / mean " << FormatRatio(double(merged.peak_heap.max) / merged.peak_heap.mean)
        << "\n";
  }
  for (const HostTotal& host : merged.hosts) {
    out << "Host " << (host.host.empty() ? "(unknown)" : host.host) << ": " << host.traces.size()
        << (host.traces.size() == 1 ? " trace" : " traces") << ", peak of the summed heap "
        << BytesWithExact(host.peak_heap_bytes) << " (the traces' own peaks add up to "
        << BytesWithExact(host.sum_of_trace_peaks) << ")\n";
  }
  return out.str();
}

namespace {

// The top call sites live at a trace's peak, as `memwrap report A B --format json` lists them.
json PeakSitesJson(const Report& report) {
  json sites = json::array();
  for (const CallSite& site : report.peak_sites) {
    sites.push_back({{"function", site.location.function},
                     {"file", site.location.file},
                     {"line", site.location.line},
                     {"module", site.location.module},
                     {"bytes", site.bytes},
                     {"blocks", site.allocations}});
  }
  return sites;
}

}  // namespace

std::string FormatMultiJson(const MultiReport& merged) {
  json out;
  out["format"] = "memwrap-multi-report";
  out["format_version"] = 1;
  out["traces"] = json::array();
  for (const Report& report : merged.traces) {
    RunFigures figures = FiguresOf(report);
    const std::string host = SessionValue(report, session_key::kHost);
    const std::string rank = SessionValue(report, session_key::kRank);
    out["traces"].push_back(
        {{"trace", report.trace_path},
         {"host", host.empty() ? json(nullptr) : json(host)},
         {"rank", rank.empty() ? json(nullptr) : json(rank)},
         {"peak_heap_bytes", figures.peak_heap_bytes},
         {"peak_heap_time_ns", report.peak_heap_time_ns},
         {"peak_rss_bytes", figures.peak_rss_bytes ? json(*figures.peak_rss_bytes) : json(nullptr)},
         {"leaked_bytes", figures.leaked_bytes},
         {"peak_sites", PeakSitesJson(report)},
         {"peak_site_count", report.peak_site_count},
         {"peak_sites_estimated", report.peak_sites_estimated},
         {"warnings", report.warnings}});
  }
  out["peak_heap_bytes"] = SpreadJson(merged.peak_heap);
  out["peak_rss_bytes"] = merged.rss_known != 0 ? SpreadJson(merged.peak_rss) : json(nullptr);
  out["leaked_bytes"] = SpreadJson(merged.leaked);
  json imbalance;
  imbalance["max_over_min"] =
      merged.peak_heap.min != 0 ? json(double(merged.peak_heap.max) / double(merged.peak_heap.min))
                                : json(nullptr);
  imbalance["max_over_mean"] = merged.peak_heap.mean != 0
                                   ? json(double(merged.peak_heap.max) / merged.peak_heap.mean)
                                   : json(nullptr);
  out["peak_heap_imbalance"] = std::move(imbalance);
  out["hosts"] = json::array();
  for (const HostTotal& host : merged.hosts) {
    out["hosts"].push_back({{"host", host.host.empty() ? json(nullptr) : json(host.host)},
                            {"traces", host.traces},
                            {"peak_heap_bytes", host.peak_heap_bytes},
                            {"peak_heap_realtime_ns", host.peak_heap_realtime_ns},
                            {"sum_of_trace_peaks_bytes", host.sum_of_trace_peaks}});
  }
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace memwrap
