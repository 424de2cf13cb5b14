#include "presenters/plot/plot_html.h"

#include <sstream>

#include "analyzer/markup_escape.h"
#include "plot_assets.h"  // generated from plot.css and plot.js (analyzer/CMakeLists.txt)
#include "units/byte_format.h"

namespace memwrap {
namespace {

// JSON inside <script>: no "<" at all, so no "</script>" or "<!--" can end it early.
std::string ScriptSafeJson(const nlohmann::json& data) {
  const std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

// The summary's list items: one per trace (command and heap peak), one per host's system log.
void WriteSummaryItems(const std::vector<nlohmann::json>& traces, const nlohmann::json& systems,
                       std::ostringstream& page) {
  for (const nlohmann::json& trace : traces) {
    const uint64_t peak = trace["peak"]["heap_bytes"].get<uint64_t>();
    page << "<li><code>" << MarkupEscape(trace["trace"].get<std::string>()) << "</code>";
    if (trace.value("rank", nlohmann::json()).is_string()) {  // a rank of a parallel job
      page << " (host "
           << MarkupEscape(trace.value("host", nlohmann::json("")).is_string()
                               ? trace["host"].get<std::string>()
                               : "unknown")
           << ", rank " << MarkupEscape(trace["rank"].get<std::string>()) << ")";
    }
    page << ": " << MarkupEscape(trace["command"].get<std::string>()) << " &mdash; heap peak "
         << MarkupEscape(BytesWithExact(peak));
    if (trace.value("sampled", false)) {
      // plot_data.cpp: the peak is the shim counters', known within a bound.
      page << " &plusmn; "
           << MarkupEscape(BytesWithExact(trace["peak"].value("bound_bytes", uint64_t(0))))
           << " (SAMPLED trace: only sampled allocations were recorded; the heap curve comes "
              "from the exact counters read at each interval; call sites and flame graphs are "
              "ESTIMATED from the samples; there is no instant index)";
    }
    page << "</li>";
  }
  if (!systems.is_null()) {
    for (const nlohmann::json& host : systems["hosts"]) {
      page << "<li>System log of host <code>" << MarkupEscape(host["host"].get<std::string>())
           << "</code>:";
      for (const nlohmann::json& path : host["traces"]) {
        page << " <code>" << MarkupEscape(path.get<std::string>()) << "</code>";
      }
      page << " &mdash; " << host["samples"].get<uint64_t>() << " samples";
      if (host.contains("peak_used")) {
        page << ", memory used up to "
             << MarkupEscape(BytesWithExact(host["peak_used"]["bytes"].get<uint64_t>())) << " of "
             << MarkupEscape(BytesWithExact(host["total_bytes"].get<uint64_t>()));
      }
      page << "</li>";
    }
  }
}

}  // namespace

std::string BuildPlotHtml(const PlotPageData& input, const PlotPageOptions& options) {
  const std::vector<nlohmann::json>& traces = input.traces;
  nlohmann::json data = {{"title", options.title}, {"traces", traces}};
  if (!input.systems.is_null()) data["systems"] = input.systems;
  if (!input.job.is_null()) data["job"] = input.job;
  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html lang=\"en\" data-theme=\"" << (options.dark ? "dark" : "light")
       << "\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<meta name=\"generator\" content=\"memwrap plot\">\n<title>"
       << MarkupEscape(options.title) << "</title>\n<style>\n"
       << kPlotCss << "</style>\n</head>\n<body>\n"
       << "<header><h1>" << MarkupEscape(options.title) << "</h1>"
       << "<button id=\"theme-toggle\" type=\"button\">Dark / light</button></header>\n"
       << "<noscript><p>This report draws its charts with JavaScript.</p></noscript>\n"
       << "<section id=\"summary\"><h2>Traces</h2><ul>";
  WriteSummaryItems(traces, input.systems, page);
  page << "</ul></section>\n";
  if (!input.systems.is_null()) {
    page << "<section id=\"system-section\"><h2>System memory over time</h2>"
         << "<div id=\"system-views\"></div><div id=\"system-charts\"></div>"
         << "<div id=\"system-readout\" class=\"readout\">Point at a chart to read its "
            "values.</div></section>\n";
  }
  if (!input.job.is_null()) {
    page << "<section id=\"job-section\"><h2>Ranks and hosts</h2>"
         << "<p id=\"job-imbalance\"></p>"
         << "<h3>Heap peak of each rank</h3><table id=\"ranks\"></table>"
         << "<h3>Heap of each host (its ranks summed on the wall clock)</h3>"
         << "<table id=\"hosts\"></table><div id=\"job-chart\"></div>"
         << "<div id=\"job-readout\" class=\"readout\">Point at the chart to read its "
            "values.</div></section>\n";
  }
  if (!traces.empty()) {
    page
        << "<section id=\"chart-section\"><h2>Memory over time</h2>"
        << "<div id=\"series-toggles\"></div><div id=\"chart\"></div>"
        << "<div id=\"chart-readout\">Point at the chart to read its values.</div>"
        << "<div id=\"marker-detail\" class=\"detail\">Hover or click a marker to see its "
           "details.</div></section>\n"
        << "<section id=\"moment-section\"><h2>At an instant, over a range</h2>"
        << "<div id=\"moment-controls\"></div><p id=\"moment-summary\" class=\"hint\"></p>"
        << "<table id=\"moment-table\"></table></section>\n"
        << (traces.size() > 1 && input.job.is_null()
                ? "<section id=\"compare-section\"><h2>Before and after</h2>"
                  "<div id=\"compare-controls\"></div><p id=\"compare-summary\"></p>"
                  "<p class=\"hint\">Call sites whose bytes at the heap peak or bytes allocated "
                  "over the run changed. The flame graph's Difference button colors the after "
                  "trace's frames by their change.</p><table "
                  "id=\"compare-table\"></table></section>\n"
                : "")
        << "<section id=\"sites-section\"><h2>Live at the heap peak, by call site</h2>"
        << "<p class=\"hint\">Click a column to sort; click a row for its stack.</p>"
        << "<table id=\"sites\"></table><div id=\"site-detail\" class=\"detail\"></div></section>\n"
        << "<section id=\"flame-section\"><h2>Flame graph</h2><div id=\"flame-controls\"></div>"
        << "<div id=\"flame-search-box\"></div><p id=\"flame-match\" class=\"hint\"></p>"
        << "<nav id=\"flame-breadcrumb\" aria-label=\"zoomed frames\"></nav>"
        << "<div id=\"flame\"></div><div id=\"flame-tooltip\" role=\"tooltip\" hidden></div>"
        << "<div id=\"flame-detail\" class=\"detail\"></div></section>\n";
  }
  page << "<script type=\"application/json\" id=\"memwrap-data\">" << ScriptSafeJson(data)
       << "</script>\n<script>\n"
       << kPlotJs << "</script>\n</body>\n</html>\n";
  return page.str();
}

}  // namespace memwrap
