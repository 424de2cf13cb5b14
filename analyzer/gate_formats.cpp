#include "analyzer/gate_formats.h"

#include <algorithm>
#include <sstream>

#include "analyzer/markup_escape.h"
#include "units/byte_format.h"

namespace memwrap {
namespace {

// A Markdown table cell: a '|' would end it, a newline the row.
std::string Cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

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
      out << "\n    <failure message=\"" << MarkupEscape(check.message) << "\">";
      // The body is what a CI page shows when the failure is opened: the grown sites.
      for (const std::string& line : GrownSiteLines(verdict, check)) {
        out << MarkupEscape(line) << "\n";
      }
      out << "</failure>\n  ";
    }
    out << "</testcase>\n";
  }
  if (!verdict.kept_trace.empty()) {
    out << "  <system-out>trace of the judged run: " << MarkupEscape(verdict.kept_trace)
        << "</system-out>\n";
  }
  out << "</testsuite>\n</testsuites>\n";
  return out.str();
}

std::string GateMarkdown(const GateVerdict& verdict) {
  std::ostringstream out;
  out << "### memwrap check: " << (verdict.passed() ? "passed" : "FAILED") << "\n\n"
      << "| Check | Actual | Allowed | Result |\n|---|---:|---:|---|\n";
  for (const GateCheck& check : verdict.checks) {
    out << "| " << Cell(check.name) << " | "
        << (check.metric == "program" ? "-" : GroupDigits(check.actual)) << " | "
        << (check.metric == "program" ? "-" : GroupDigits(check.allowed)) << " | "
        << (check.passed ? "pass" : "**FAIL**") << " |\n";
  }
  const bool sites_shown = std::any_of(verdict.checks.begin(), verdict.checks.end(),
                                       [](const GateCheck& c) { return c.shows_grown_sites; });
  if (sites_shown) {
    out << "\n#### Call sites that grew at the heap peak";
    if (verdict.runs.size() > 1) {
      out << " (" << verdict.runs[verdict.median_run].trace << ", the median)";
    }
    out << "\n\n";
    if (!verdict.sites_note.empty()) out << verdict.sites_note << "\n\n";
    if (!verdict.grown_sites.empty()) {
      out << "| Call site | Baseline | Now | Growth |\n|---|---:|---:|---:|\n";
      for (size_t i = 0; i < verdict.grown_sites.size() && i < kGrownSitesShown; ++i) {
        const SiteGrowth& site = verdict.grown_sites[i];
        out << "| `" << Cell(site.location) << "` | "
            << (site.before ? GroupDigits(*site.before)
                            : "at most " + GroupDigits(site.before_at_most))
            << " | " << GroupDigits(site.after) << " | +" << GroupDigits(site.growth())
            << (site.before ? "" : " or more") << " |\n";
      }
      if (verdict.grown_sites.size() > kGrownSitesShown) {
        out << "\nand " << verdict.grown_sites.size() - kGrownSitesShown << " more\n";
      }
    }
  }
  out << "\n" << verdict.runs.size() << " run(s):";
  for (const RunFigures& run : verdict.runs) {
    out << "\n- `" << run.trace << "`: peak heap " << GroupDigits(run.peak_heap_bytes)
        << " B, peak RSS "
        << (run.peak_rss_bytes ? GroupDigits(*run.peak_rss_bytes) + " B" : std::string("unknown"))
        << ", leaked " << GroupDigits(run.leaked_bytes) << " B";
  }
  if (!verdict.kept_trace.empty())
    out << "\n\nTrace of the judged run: `" << verdict.kept_trace << "`";
  out << "\n";
  return out.str();
}

}  // namespace memwrap
