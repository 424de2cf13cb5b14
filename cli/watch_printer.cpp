#include "cli/watch_printer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "tracefile/record_cursor.h"

namespace memwrap {

std::string WatchOptions::Validate() {
  if (format == "text") {
    parsed_format = WatchFormat::kText;
  } else if (format == "jsonl") {
    parsed_format = WatchFormat::kJsonLines;
  } else {
    return "--format " + format + ": must be text or jsonl";
  }
  if (filter.empty()) return "";
  try {
    expression = std::make_shared<const EventFilter>(filter);
  } catch (const FilterSyntaxError& error) {
    return "--filter " + filter + ": " + error.what() + " (docs/filters.md)";
  }
  return "";
}

FILE* OpenWatchOutput(const std::string& path, bool force, std::string* error) {
  if (path.empty()) return stderr;
  if (path == "-") return stdout;
  const int fd = open(
      path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL), 0644);
  FILE* file = fd >= 0 ? fdopen(fd, "w") : nullptr;
  if (file == nullptr) {
    const int code = errno;
    if (fd >= 0) close(fd);
    *error = "cannot create '" + path + "': " + strerror(code) +
             (code == EEXIST ? " (--force replaces it)" : "");
  }
  return file;
}

WatchPrinter::WatchPrinter(const WatchOptions& options, FILE* out, uint64_t origin_ns)
    : filter_(options.expression),
      format_(options.parsed_format),
      out_(out),
      // Every printed event names its site: stacks are kept and symbolized (only those printed).
      events_(/*read_stacks=*/true, origin_ns) {}

void WatchPrinter::OnRecords(uint32_t pid, const uint8_t* records, size_t size) {
  RecordCursor cursor(records, size);
  RecordView view;
  const uint64_t before = printed_;
  while (cursor.TryNext(&view)) {
    RecordHeader header;
    memcpy(&header, view.data, sizeof(header));
    if (LostRecord lost; view.type == RecordType::kLost && view.Copy(&lost)) {
      PrintLost(pid, lost);
      continue;
    }
    const std::optional<FilterEvent> event = events_.EventOf(pid, view.data, header);
    if (!event || event->kind == FilterKind::kSample) continue;
    if (filter_ != nullptr && !filter_->Matches(*event)) continue;
    Print(*event);
  }
  if (printed_ != before) fflush(out_);
}

void WatchPrinter::PrintLost(uint32_t pid, const LostRecord& lost) {
  // Events the recording could not hand over (its ring was full with --on-full=drop, or this
  // watcher fell behind a recording it attached to): said where they were, never skipped.
  const char* unit = lost.unit == uint32_t(LostUnit::kBytes) ? "ring bytes" : "records";
  if (format_ == WatchFormat::kJsonLines) {
    nlohmann::json line = {{"kind", "lost"},
                           {"pid", pid},
                           {"count", lost.count},
                           {"unit", lost.unit == uint32_t(LostUnit::kBytes) ? "bytes" : "records"}};
    fprintf(out_, "%s\n", line.dump().c_str());
  } else {
    fprintf(out_, "lost: %" PRIu64 " %s of pid %u were not printed\n", lost.count, unit, pid);
  }
  ++printed_;
}

void WatchPrinter::Print(const FilterEvent& event) {
  ++printed_;
  // The site: the innermost frame (the allocator's caller), when the event has a stack.
  FilterFrame site;
  const bool has_site = event.stack != nullptr && event.stack->Depth() > 0;
  if (has_site) site = event.stack->Frame(0);
  if (format_ == WatchFormat::kJsonLines) {
    nlohmann::json line = {{"time_ns", event.time_ns.value_or(0)},
                           {"pid", event.pid.value_or(0)},
                           {"tid", event.tid.value_or(0)},
                           {"kind", FilterKindName(event.kind)}};
    if (event.size) line["size"] = *event.size;
    if (event.address) line["address"] = *event.address;
    if (event.syscall) line["syscall"] = std::string(*event.syscall);
    if (event.result) line["result"] = *event.result;
    if (event.kind == FilterKind::kMark && event.mark) line["mark"] = std::string(*event.mark);
    if (has_site) {
      line["function"] = std::string(site.function);
      line["file"] = site.file.empty() ? nlohmann::json(nullptr) : nlohmann::json(site.file);
      line["line"] = site.line == 0 ? nlohmann::json(nullptr) : nlohmann::json(site.line);
      line["module"] = std::string(site.module);
    }
    fprintf(out_, "%s\n",
            line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  // "   0.123456 1234/1235 alloc 4096 0x7f00.. load_table (table.c:42)"
  const uint64_t time_ns = event.time_ns.value_or(0);
  fprintf(out_, "%4" PRIu64 ".%06" PRIu64 " %" PRIu64 "/%" PRIu64 " %s", time_ns / 1000000000,
          time_ns / 1000 % 1000000, event.pid.value_or(0), event.tid.value_or(0),
          FilterKindName(event.kind));
  if (event.size) fprintf(out_, " %" PRIu64, *event.size);
  if (event.address) fprintf(out_, " 0x%" PRIx64, *event.address);
  if (event.syscall) {
    fprintf(out_, " %.*s = %" PRId64, int(event.syscall->size()), event.syscall->data(),
            event.result.value_or(0));
  }
  if (event.kind == FilterKind::kMark && event.mark) {
    fprintf(out_, " \"%.*s\"", int(event.mark->size()), event.mark->data());
  }
  if (has_site) {
    fprintf(out_, " %.*s", int(site.function.size()), site.function.data());
    if (!site.file.empty()) {
      fprintf(out_, " (%.*s:%" PRIu64 ")", int(site.file.size()), site.file.data(), site.line);
    }
  }
  fputc('\n', out_);
}

}  // namespace memwrap
