#include "memory_gate.h"

#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "byte_format.h"
#include "markup_escape.h"
#include "tracefile/trace_error.h"

namespace memwrap {

using nlohmann::json;

RunFigures FiguresOf(const Report& report) {
  RunFigures figures;
  figures.trace = report.trace_path;
  figures.peak_heap_bytes = report.peak_heap_bytes;
  figures.leaked_bytes = report.leaked_bytes;
  for (const ProcessReport& process : report.processes) {
    if (!process.peak_rss_source.empty() &&
        (!figures.peak_rss_bytes || process.peak_rss_bytes > *figures.peak_rss_bytes)) {
      figures.peak_rss_bytes = process.peak_rss_bytes;
    }
  }
  // The program memwrap started is the process whose exit it observed.
  for (const ProcessReport& process : report.processes) {
    if (!process.end || process.end->kind == ExitKind::kUnknown) continue;
    if (process.end->kind == ExitKind::kExited) {
      figures.program_end = "exited with " + std::to_string(process.end->status);
      figures.program_failed = process.end->status != 0;
    } else {
      figures.program_end = "killed by signal " + std::to_string(process.end->status);
      figures.program_failed = true;
    }
  }
  return figures;
}

void SaveBaseline(const RunFigures& figures, const std::string& command, const std::string& path) {
  json out;
  out["format"] = "memwrap-baseline";
  out["format_version"] = 1;
  out["command"] = command;
  out["created_unix_s"] = uint64_t(time(nullptr));
  out["peak_heap_bytes"] = figures.peak_heap_bytes;
  out["peak_rss_bytes"] = figures.peak_rss_bytes ? json(*figures.peak_rss_bytes) : json(nullptr);
  out["leaked_bytes"] = figures.leaked_bytes;
  std::ofstream file(path, std::ios::trunc);
  file << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  file.flush();
  if (!file) throw TraceError(TraceError::Kind::kIo, "cannot write baseline '" + path + "'");
}

Baseline LoadBaseline(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw TraceError(TraceError::Kind::kIo, "cannot read baseline '" + path + "'");
  json in;
  try {
    in = json::parse(file);
  } catch (const json::exception& error) {
    throw TraceError(TraceError::Kind::kIo, "baseline '" + path + "' is not JSON: " + error.what());
  }
  if (!in.is_object() || in.value("format", "") != "memwrap-baseline" ||
      !in.contains("peak_heap_bytes") || !in["peak_heap_bytes"].is_number_unsigned()) {
    throw TraceError(TraceError::Kind::kIo,
                     "'" + path + "' is not a memwrap baseline (memwrap baseline save writes one)");
  }
  if (in.value("format_version", 0) > 1) {
    throw TraceError(TraceError::Kind::kIo, "baseline '" + path + "' has a newer format version");
  }
  Baseline baseline;
  baseline.peak_heap_bytes = in["peak_heap_bytes"].get<uint64_t>();
  if (in.contains("peak_rss_bytes") && in["peak_rss_bytes"].is_number_unsigned()) {
    baseline.peak_rss_bytes = in["peak_rss_bytes"].get<uint64_t>();
  }
  if (in.contains("leaked_bytes") && in["leaked_bytes"].is_number_unsigned()) {
    baseline.leaked_bytes = in["leaked_bytes"].get<uint64_t>();
  }
  baseline.command = in.value("command", "");
  return baseline;
}

bool ParsePercent(const std::string& text, double* percent) {
  std::string number = text;
  if (!number.empty() && number.back() == '%') number.pop_back();
  if (number.empty()) return false;
  char* end = nullptr;
  *percent = strtod(number.c_str(), &end);
  return end == number.c_str() + number.size() && *percent >= 0 && *percent <= 1e6;
}

namespace {

uint64_t Median(std::vector<uint64_t> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[(values.size() - 1) / 2];  // the lower median
}


}  // namespace

bool GateVerdict::passed() const {
  return std::all_of(checks.begin(), checks.end(), [](const GateCheck& c) { return c.passed; });
}

GateVerdict JudgeRuns(const std::vector<RunFigures>& runs, const GateLimits& limits) {
  GateVerdict verdict;
  verdict.runs = runs;
  std::vector<uint64_t> heaps, rsses, leaks;
  bool rss_known = true;
  for (const RunFigures& run : runs) {
    heaps.push_back(run.peak_heap_bytes);
    leaks.push_back(run.leaked_bytes);
    if (run.peak_rss_bytes) {
      rsses.push_back(*run.peak_rss_bytes);
    } else {
      rss_known = false;
    }
  }
  verdict.median.peak_heap_bytes = Median(heaps);
  verdict.median.leaked_bytes = Median(leaks);
  if (rss_known && !rsses.empty()) verdict.median.peak_rss_bytes = Median(rsses);

  const std::string of = runs.size() > 1 ? " (median of " + std::to_string(runs.size()) + " runs)" : "";
  auto limit = [&](const std::string& metric, std::optional<uint64_t> actual, uint64_t allowed,
                   const std::string& why) {
    GateCheck check;
    check.metric = metric;
    check.name = metric + " <= " + why;
    check.allowed = allowed;
    if (!actual) {
      check.passed = false;
      check.message = "FAIL " + metric + ": not known for this run, limit " +
                      BytesWithExact(allowed) + " (" + why + ")";
    } else {
      check.actual = *actual;
      check.passed = *actual <= allowed;
      check.message = std::string(check.passed ? "PASS " : "FAIL ") + metric + " " +
                      BytesWithExact(*actual) + of + (check.passed ? " <= " : " > ") +
                      BytesWithExact(allowed) + " allowed (" + why + ")";
    }
    verdict.checks.push_back(check);
  };
  if (limits.max_peak_heap) {
    limit("peak_heap_bytes", verdict.median.peak_heap_bytes, *limits.max_peak_heap, "--max-peak-heap");
  }
  if (limits.max_peak_rss) {
    limit("peak_rss_bytes", verdict.median.peak_rss_bytes, *limits.max_peak_rss, "--max-peak-rss");
  }
  if (limits.max_leaked) {
    limit("leaked_bytes", verdict.median.leaked_bytes, *limits.max_leaked, "--max-leaked");
  }
  if (limits.baseline) {
    const Baseline& base = *limits.baseline;
    char why[96];
    snprintf(why, sizeof(why), "baseline + %g%%", limits.tolerance_percent);
    auto grown = [&](uint64_t value) {
      return uint64_t(double(value) * (1.0 + limits.tolerance_percent / 100.0));
    };
    limit("peak_heap_bytes", verdict.median.peak_heap_bytes, grown(base.peak_heap_bytes), why);
    if (base.peak_rss_bytes) {
      limit("peak_rss_bytes", verdict.median.peak_rss_bytes, grown(*base.peak_rss_bytes), why);
    }
    limit("leaked_bytes", verdict.median.leaked_bytes, grown(base.leaked_bytes), why);
  }
  for (const RunFigures& run : runs) {
    if (!run.program_failed) continue;
    GateCheck check;
    check.metric = "program";
    check.name = "the program succeeds";
    check.passed = false;
    check.message = "FAIL the program " + run.program_end + " (" + run.trace + ")";
    verdict.checks.push_back(check);
  }
  return verdict;
}

std::string GateJunitXml(const GateVerdict& verdict) {
  size_t failures = 0;
  for (const GateCheck& check : verdict.checks) failures += !check.passed;
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites>\n<testsuite name=\"memwrap check\" tests=\"" << verdict.checks.size()
      << "\" failures=\"" << failures << "\" errors=\"0\">\n";
  for (const GateCheck& check : verdict.checks) {
    out << "  <testcase classname=\"memwrap.check\" name=\"" << MarkupEscape(check.name) << "\">";
    if (!check.passed) {
      out << "\n    <failure message=\"" << MarkupEscape(check.message) << "\"/>\n  ";
    }
    out << "</testcase>\n";
  }
  out << "</testsuite>\n</testsuites>\n";
  return out.str();
}

std::string GateMarkdown(const GateVerdict& verdict) {
  std::ostringstream out;
  out << "### memwrap check: " << (verdict.passed() ? "passed" : "FAILED") << "\n\n"
      << "| Check | Actual | Allowed | Result |\n|---|---:|---:|---|\n";
  for (const GateCheck& check : verdict.checks) {
    out << "| " << check.name << " | "
        << (check.metric == "program" ? "-" : GroupDigits(check.actual)) << " | "
        << (check.metric == "program" ? "-" : GroupDigits(check.allowed)) << " | "
        << (check.passed ? "pass" : "**FAIL**") << " |\n";
  }
  out << "\n" << verdict.runs.size() << " run(s):";
  for (const RunFigures& run : verdict.runs) {
    out << "\n- `" << run.trace << "`: peak heap " << GroupDigits(run.peak_heap_bytes)
        << " B, peak RSS "
        << (run.peak_rss_bytes ? GroupDigits(*run.peak_rss_bytes) + " B" : std::string("unknown"))
        << ", leaked " << GroupDigits(run.leaked_bytes) << " B";
  }
  out << "\n";
  return out.str();
}

}  // namespace memwrap
