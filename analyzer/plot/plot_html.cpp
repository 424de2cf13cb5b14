#include "plot/plot_html.h"

#include <sstream>

#include "byte_format.h"
#include "markup_escape.h"
#include "plot_assets.h"  // generated from plot.css and plot.js (analyzer/CMakeLists.txt)

namespace memwrap {
namespace {

// JSON inside <script>: no "<" at all, so no "</script>" or "<!--" can end it early.
std::string ScriptSafeJson(const nlohmann::json& data) {
  const std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  return out;
}

}  // namespace

std::string BuildPlotHtml(const std::vector<nlohmann::json>& traces, const PlotPageOptions& options) {
  nlohmann::json data = {{"title", options.title}, {"traces", traces}};
  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html lang=\"en\" data-theme=\"" << (options.dark ? "dark" : "light")
       << "\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<meta name=\"generator\" content=\"memwrap plot\">\n<title>" << MarkupEscape(options.title)
       << "</title>\n<style>\n" << kPlotCss << "</style>\n</head>\n<body>\n"
       << "<header><h1>" << MarkupEscape(options.title) << "</h1>"
       << "<button id=\"theme-toggle\" type=\"button\">Dark / light</button></header>\n"
       << "<noscript><p>This report draws its charts with JavaScript.</p></noscript>\n"
       << "<section id=\"summary\"><h2>Traces</h2><ul>";
  for (const nlohmann::json& trace : traces) {
    const uint64_t peak = trace["peak"]["heap_bytes"].get<uint64_t>();
    page << "<li><code>" << MarkupEscape(trace["trace"].get<std::string>()) << "</code>: "
         << MarkupEscape(trace["command"].get<std::string>()) << " &mdash; heap peak "
         << MarkupEscape(BytesWithExact(peak)) << "</li>";
  }
  page << "</ul></section>\n"
       << "<section id=\"chart-section\"><h2>Memory over time</h2>"
       << "<div id=\"series-toggles\"></div><div id=\"chart\"></div>"
       << "<div id=\"chart-readout\">Point at the chart to read its values.</div>"
       << "<div id=\"marker-detail\" class=\"detail\">Hover or click a marker to see its "
          "details.</div></section>\n"
       << "<section id=\"sites-section\"><h2>Live at the heap peak, by call site</h2>"
       << "<p class=\"hint\">Click a column to sort; click a row for its stack.</p>"
       << "<table id=\"sites\"></table><div id=\"site-detail\" class=\"detail\"></div></section>\n"
       << "<section id=\"flame-section\"><h2>Flame graph</h2><div id=\"flame-controls\"></div>"
       << "<div id=\"flame\"></div><div id=\"flame-detail\" class=\"detail\"></div></section>\n"
       << "<script type=\"application/json\" id=\"memwrap-data\">" << ScriptSafeJson(data)
       << "</script>\n<script>\n" << kPlotJs << "</script>\n</body>\n</html>\n";
  return page.str();
}

}  // namespace memwrap
