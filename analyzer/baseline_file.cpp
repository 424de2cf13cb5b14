#include "analyzer/baseline_file.h"

#include <time.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "fileio/input_file.h"
#include "fileio/output_file.h"
#include "tracefile/trace_error.h"

namespace memwrap {

using nlohmann::json;

namespace {

// Keys are only ever added, and readers ignore keys they do not know, so a baseline with
// peak_sites still reads with a memwrap from before them: the version stays 1.
constexpr int kBaselineFormatVersion = 1;

json SiteJson(const PeakSite& site) {
  return {{"function", site.function},
          {"file", site.file.empty() ? json(nullptr) : json(site.file)},
          {"line", site.line == 0 ? json(nullptr) : json(site.line)},
          {"module", site.module.empty() ? json(nullptr) : json(site.module)},
          {"address", site.address},
          {"location", site.location},
          {"bytes", site.bytes},
          {"blocks", site.blocks}};
}

// A site entry as written by SiteJson; false for anything else (the file was edited by hand).
bool SiteFromJson(const json& in, PeakSite* site) {
  if (!in.is_object() || !in.contains("function") || !in["function"].is_string() ||
      !in.contains("bytes") || !in["bytes"].is_number_unsigned()) {
    return false;
  }
  auto text = [&](const char* key) {
    return in.contains(key) && in[key].is_string() ? in[key].get<std::string>() : std::string();
  };
  auto number = [&](const char* key) -> uint64_t {
    return in.contains(key) && in[key].is_number_unsigned() ? in[key].get<uint64_t>() : 0;
  };
  site->function = text("function");
  site->file = text("file");
  site->line = uint32_t(number("line"));
  site->module = text("module");
  site->address = number("address");
  site->location = text("location");
  if (site->location.empty()) site->location = site->function;
  site->bytes = number("bytes");
  site->blocks = number("blocks");
  return true;
}

}  // namespace

void SaveBaseline(const RunFigures& figures, const std::string& command, const std::string& path) {
  json out;
  out["format"] = "memwrap-baseline";
  out["format_version"] = kBaselineFormatVersion;
  out["command"] = command;
  out["created_unix_s"] = uint64_t(time(nullptr));
  out["peak_heap_bytes"] = figures.peak_heap_bytes;
  out["peak_rss_bytes"] = figures.peak_rss_bytes ? json(*figures.peak_rss_bytes) : json(nullptr);
  out["leaked_bytes"] = figures.leaked_bytes;
  out["peak_sites"] = json::array();
  for (const PeakSite& site : figures.peak_sites) out["peak_sites"].push_back(SiteJson(site));
  out["peak_site_count"] = figures.peak_site_count;
  const std::string text = out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  if (std::string reason = WriteWholeFile(path, text); !reason.empty()) {
    throw TraceError(TraceError::Kind::kIo, "cannot write baseline '" + path + "': " + reason);
  }
}

Baseline LoadBaseline(const std::string& path) {
  std::string text;
  if (std::string reason; !ReadRegularFile(path, &text, &reason)) {
    throw TraceError(TraceError::Kind::kIo, "cannot read baseline '" + path + "': " + reason);
  }
  json in;
  try {
    in = json::parse(text);
  } catch (const json::exception& error) {
    throw TraceError(TraceError::Kind::kIo, "baseline '" + path + "' is not JSON: " + error.what());
  }
  if (!in.is_object() || in.value("format", "") != "memwrap-baseline" ||
      !in.contains("peak_heap_bytes") || !in["peak_heap_bytes"].is_number_unsigned()) {
    throw TraceError(TraceError::Kind::kIo,
                     "'" + path + "' is not a memwrap baseline (memwrap baseline save writes one)");
  }
  if (in.value("format_version", 0) > kBaselineFormatVersion) {
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
  if (in.contains("peak_sites") && in["peak_sites"].is_array()) {
    baseline.has_peak_sites = true;
    for (const json& entry : in["peak_sites"]) {
      PeakSite site;
      if (!SiteFromJson(entry, &site)) {
        throw TraceError(TraceError::Kind::kIo,
                         "baseline '" + path + "' has a peak_sites entry that is not a call site");
      }
      baseline.peak_sites.push_back(std::move(site));
    }
    baseline.peak_site_count = baseline.peak_sites.size();
    if (in.contains("peak_site_count") && in["peak_site_count"].is_number_unsigned()) {
      baseline.peak_site_count =
          std::max(baseline.peak_site_count, size_t(in["peak_site_count"].get<uint64_t>()));
    }
  }
  return baseline;
}

}  // namespace memwrap
