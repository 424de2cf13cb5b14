#include "tracer/syscall_summary.h"

#include <stdio.h>

#include <algorithm>
#include <vector>

#include "tracer/syscalls/syscall_table.h"

namespace memwrap {

void SyscallSummary::Add(const SyscallEvent& event) {
  // As strace -c: a call that never returned (exit_group, a thread killed in a call) is not
  // counted.
  if (!event.finished) return;
  // A 32-bit call is counted under its x86_64 namesake (strace -c counts it under its name).
  uint32_t number = event.number;
  if (event.i386) {
    const int x86_64 = SyscallNumber(Syscall(number, SyscallArch::kI386).name);
    if (x86_64 < 0) return;
    number = uint32_t(x86_64);
  }
  Totals& totals = by_number_[number];
  ++totals.calls;
  if (event.finished) {
    totals.ns += event.exit_ns - event.entry_ns;
    if (event.result < 0 && event.result >= -4095) ++totals.errors;
  }
}

uint64_t SyscallSummary::calls(uint32_t number) const {
  auto it = by_number_.find(number);
  return it == by_number_.end() ? 0 : it->second.calls;
}

std::vector<std::pair<uint32_t, SyscallSummary::Totals>> SyscallSummary::SortedRows(
    Totals* total) const {
  // strace -c's order: time, then calls (descending), then name.
  std::vector<std::pair<uint32_t, Totals>> rows(by_number_.begin(), by_number_.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    if (a.second.ns != b.second.ns) return a.second.ns > b.second.ns;
    if (a.second.calls != b.second.calls) return a.second.calls > b.second.calls;
    return Syscall(a.first).name < Syscall(b.first).name;
  });
  *total = Totals{};
  for (const auto& [number, totals] : rows) {
    total->calls += totals.calls;
    total->errors += totals.errors;
    total->ns += totals.ns;
  }
  return rows;
}

std::string SyscallSummary::FormatTable() const {
  Totals total;
  const std::vector<std::pair<uint32_t, Totals>> rows = SortedRows(&total);
  std::string text;
  char line[256];
  auto row = [&](double percent, const Totals& totals, const std::string& name) {
    char errors[32] = "";
    if (totals.errors != 0)
      snprintf(errors, sizeof(errors), "%llu", (unsigned long long)totals.errors);
    snprintf(line, sizeof(line), "%6.2f %11.6f %11llu %9llu %9s %s\n", percent,
             double(totals.ns) / 1e9,
             (unsigned long long)(totals.calls != 0 ? totals.ns / 1000 / totals.calls : 0),
             (unsigned long long)totals.calls, errors, name.c_str());
    text += line;
  };
  const char* rule = "------ ----------- ----------- --------- --------- ----------------\n";
  text += "% time     seconds  usecs/call     calls    errors syscall\n";
  text += rule;
  for (const auto& [number, totals] : rows) {
    row(total.ns != 0 ? 100.0 * double(totals.ns) / double(total.ns) : 0.0, totals,
        Syscall(number).name);
  }
  text += rule;
  row(100.0, total, "total");
  return text;
}

std::string SyscallSummary::FormatJson() const {
  Totals total;
  const std::vector<std::pair<uint32_t, Totals>> rows = SortedRows(&total);
  auto object = [](const std::string& name, const Totals& totals) {
    char text[256];
    snprintf(text, sizeof(text), "{\"syscall\":\"%s\",\"calls\":%llu,\"errors\":%llu,\"ns\":%llu}",
             name.c_str(), (unsigned long long)totals.calls, (unsigned long long)totals.errors,
             (unsigned long long)totals.ns);
    return std::string(text);
  };
  std::string text = "{\"syscalls\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    text += (i > 0 ? "," : "") + object(Syscall(rows[i].first).name, rows[i].second);
  }
  return text + "],\"total\":" + object("total", total) + "}\n";
}

std::string SyscallSummary::FormatCounts() const {
  std::vector<std::pair<uint64_t, std::string>> counts;
  for (const auto& [number, totals] : by_number_)
    counts.emplace_back(totals.calls, Syscall(number).name);
  std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::string text;
  for (const auto& [count, name] : counts) {
    text += (text.empty() ? "" : ", ") + name + " " + std::to_string(count);
  }
  return text;
}

}  // namespace memwrap
