// dlogger, cronlogger and `memwrap sys` end to end on this machine: samples, their memory
// against /proc/meminfo, appending, CSV, the timeline and report of a system log, bad options.
#include <gtest/gtest.h>
#include <stdio.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/test_support.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::CommandResult;
using test_support::ReadFile;
using test_support::RunProgram;
using test_support::ScratchDir;
using test_support::WriteFile;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
std::string Beside(const std::string& name) {
  return kMemwrap.substr(0, kMemwrap.rfind('/') + 1) + name;
}
const std::string kDlogger = Beside("dlogger");
const std::string kCronlogger = Beside("cronlogger");

// MemTotal of /proc/meminfo in bytes, read here independently of memwrap.
uint64_t MemTotalBytes() {
  FILE* file = fopen("/proc/meminfo", "r");
  unsigned long long kib = 0;
  char line[256];
  while (file != nullptr && fgets(line, sizeof(line), file) != nullptr) {
    if (sscanf(line, "MemTotal: %llu kB", &kib) == 1) break;
  }
  if (file != nullptr) fclose(file);
  return kib * 1024;
}

std::vector<json> TimelineRows(const std::string& trace) {
  CommandResult run = RunProgram({kMemwrap, "timeline", "--format", "jsonl", trace});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  std::vector<json> rows;
  std::istringstream lines(run.out);
  std::string line;
  while (std::getline(lines, line)) rows.push_back(json::parse(line));
  return rows;
}

size_t LineCount(const std::string& text) {
  return size_t(std::count(text.begin(), text.end(), '\n'));
}

TEST(SystemLogger, ThreeSecondsAtHalfASecondGiveSamplesOfTheMachinesMemory) {
  ScratchDir dir;
  const std::string trace = dir.File("sys.mwt");
  CommandResult run = RunProgram({kDlogger, "--duration", "3s", "--interval", "0.5", "-o", trace});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  std::vector<json> rows = TimelineRows(trace);
  // Samples at 0, 0.5, ..., 3 s; a machine too busy to wake the logger in time loses some.
  EXPECT_GE(rows.size(), 5u);
  EXPECT_LE(rows.size(), 7u);
  const uint64_t total = MemTotalBytes();
  ASSERT_GT(total, 0u);
  for (const json& row : rows) {
    EXPECT_EQ(row["total_bytes"].get<uint64_t>(), total);
    const uint64_t used = row["used_bytes"], available = row["available_bytes"];
    EXPECT_EQ(used + available, total);  // used = MemTotal - MemAvailable
    EXPECT_GT(row["free_bytes"].get<uint64_t>(), 0u);
    EXPECT_NEAR(row["used_percent"].get<double>(), 100.0 * double(used) / double(total), 1e-9);
    EXPECT_NEAR(row["available_percent"].get<double>(), 100.0 * double(available) / double(total),
                1e-9);
    EXPECT_EQ(row["host"], rows.front()["host"]);
  }
  EXPECT_NE(run.err.find("samples written to"), std::string::npos) << run.err;
}

TEST(SystemLogger, SigtermEndsTheRunWithEverySampleKept) {
  ScratchDir dir;
  const std::string trace = dir.File("sys.mwt");
  // No --duration: dlogger runs until the signal; `timeout --preserve-status` passes on its
  // exit status.
  CommandResult run = RunProgram({"/usr/bin/timeout", "--preserve-status", "-s", "TERM", "0.5",
                                  kDlogger, "--interval", "0.1", "-o", trace});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  CommandResult timeline = RunProgram({kMemwrap, "timeline", "--format", "csv", trace});
  ASSERT_EQ(timeline.exit_code(), 0);
  EXPECT_EQ(timeline.err, "");             // no truncated tail: the signal never tears a sample
  EXPECT_GE(LineCount(timeline.out), 2u);  // the header and at least the first sample
  EXPECT_NE(run.err.find(std::to_string(LineCount(timeline.out) - 1) + " samples written"),
            std::string::npos)
      << run.err;
}

TEST(SystemLogger, CronloggerAppendsOneSamplePerCall) {
  ScratchDir dir;
  const std::string trace = dir.File("cron.mwt");
  for (int call = 0; call < 2; ++call) {
    CommandResult run = RunProgram({kCronlogger, "-o", trace, "--modules", "memory,load"});
    ASSERT_EQ(run.exit_code(), 0) << run.err;
    EXPECT_EQ(run.err, "");  // silent for cron
  }
  EXPECT_EQ(TimelineRows(trace).size(), 2u);
  // `memwrap sys --once` is the same, and a torn tail from a killed call is cut first.
  std::string bytes = ReadFile(trace);
  WriteFile(trace, bytes + bytes.substr(64, 40));  // the start of a chunk that never finished
  CommandResult run = RunProgram({kMemwrap, "sys", "--once", "-o", trace});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_NE(run.err.find("incomplete chunk"), std::string::npos) << run.err;
  EXPECT_EQ(TimelineRows(trace).size(), 3u);
}

TEST(SystemLogger, CsvHasAHeaderThenOneRowPerSample) {
  ScratchDir dir;
  const std::string csv = dir.File("sys.csv");
  for (int call = 0; call < 2; ++call) {
    CommandResult run = RunProgram({kCronlogger, "-o", csv});
    ASSERT_EQ(run.exit_code(), 0) << run.err;
  }
  const std::string text = ReadFile(csv);
  ASSERT_EQ(LineCount(text), 3u) << text;  // the header once, then two rows
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "time,host,total_bytes,used_bytes,free_bytes,available_bytes,buffers_bytes,"
            "cache_bytes,shared_bytes,swap_total_bytes,swap_used_bytes,cpu_busy_percent,load1,"
            "load5,load15,tasks,net_rx_bytes,net_tx_bytes,disk_read_bytes,disk_written_bytes,"
            "top_processes");
  // The third column of a row is MemTotal.
  const std::string row = text.substr(text.find('\n') + 1);
  size_t first = row.find(','), second = row.find(',', first + 1),
         third = row.find(',', second + 1);
  EXPECT_EQ(row.substr(second + 1, third - second - 1), std::to_string(MemTotalBytes()));

  CommandResult out =
      RunProgram({kMemwrap, "sys", "--once", "--format", "csv", "-o", "-", "--modules", "memory"});
  ASSERT_EQ(out.exit_code(), 0) << out.err;
  EXPECT_EQ(LineCount(out.out), 2u);
  EXPECT_EQ(out.out.substr(0, out.out.find('\n')),
            "time,host,total_bytes,used_bytes,free_bytes,available_bytes,buffers_bytes,"
            "cache_bytes,shared_bytes,swap_total_bytes,swap_used_bytes");
}

TEST(SystemLogger, TextGoesToStandardOutputOneLinePerSample) {
  CommandResult run =
      RunProgram({kDlogger, "-o", "-", "--duration", "0.2", "--interval", "0.1", "--top", "2"});
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_GE(LineCount(run.out), 2u);
  EXPECT_LE(LineCount(run.out), 3u);
  EXPECT_NE(run.out.find("| mem used "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("| top rss "), std::string::npos) << run.out;
}

TEST(SystemLogger, ReportSaysItIsASystemLog) {
  ScratchDir dir;
  const std::string trace = dir.File("cron.mwt");
  ASSERT_EQ(RunProgram({kCronlogger, "-o", trace}).exit_code(), 0);
  CommandResult text = RunProgram({kMemwrap, "report", trace});
  ASSERT_EQ(text.exit_code(), 0) << text.err;
  EXPECT_NE(text.out.find("is a system log (cronlogger)"), std::string::npos) << text.out;
  CommandResult js = RunProgram({kMemwrap, "report", "--format", "json", trace});
  ASSERT_EQ(js.exit_code(), 0) << js.err;
  json report = json::parse(js.out);
  EXPECT_EQ(report["trace_kind"], "system");
  EXPECT_EQ(report["samples"], 1);
  EXPECT_EQ(report["total_bytes"].get<uint64_t>(), MemTotalBytes());
  // Heap analyses of a system log are refused, not shown on zeros.
  for (std::vector<std::string> argv :
       {std::vector<std::string>{kMemwrap, "check", "--max-peak-heap", "1MiB", trace},
        {kMemwrap, "export", "--format", "csv", trace},
        {kMemwrap, "export", "--format", "pprof", trace, "-o", dir.File("p.pb")}}) {
    CommandResult refused = RunProgram(argv);
    EXPECT_EQ(refused.exit_code(), 2) << argv[1] << ": " << refused.out;
    EXPECT_NE(refused.err.find("is a system log"), std::string::npos) << argv[1] << refused.err;
  }
  // A plot draws system memory instead (tests/plot_system_test.cpp).
  CommandResult plot = RunProgram({kMemwrap, "plot", trace, "-o", dir.File("p.html")});
  EXPECT_EQ(plot.exit_code(), 0) << plot.err;
  EXPECT_NE(ReadFile(dir.File("p.html")).find("\"total_bytes\":" + std::to_string(MemTotalBytes())),
            std::string::npos);
}

TEST(SystemLogger, SyslogAloneWritesNoFile) {
  ScratchDir dir;
  CommandResult run = RunProgram({kCronlogger, "--syslog", "--modules", "memory"}, dir.path());
  ASSERT_EQ(run.exit_code(), 0) << run.err;
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(RunProgram({"/bin/ls", "-A", dir.path()}).out, "");
}

TEST(SystemLogger, BadOptionsExitTwoWithOneLine) {
  ScratchDir dir;
  WriteFile(dir.File("exists.mwt"), "x");
  const std::vector<std::vector<std::string>> bad = {
      {kDlogger, "--bogus"},
      {kDlogger, "--interval", "soon"},
      {kDlogger, "--interval", "1ms"},
      {kDlogger, "--duration", "0"},
      {kDlogger, "--modules", "memory,swap"},
      {kDlogger, "--format", "xml", "-o", "-"},
      {kDlogger, "--format", "trace", "-o", "-"},
      {kDlogger, "--top", "0"},
      {kCronlogger, "--duration", "3s"},
      {kCronlogger, "--force"},
      {kDlogger, "-o", dir.File("exists.mwt"), "--duration", "1s"},
      {kCronlogger, "-o", dir.File("exists.mwt")},   // not a trace: refused, kept
      {kCronlogger, "-o", dir.File("program.mwt")},  // a program's trace: not appended to
      {kMemwrap, "sys", "-o", dir.File("no/such/dir.mwt"), "--duration", "1s"},
  };
  ASSERT_EQ(RunProgram({kMemwrap, "-q", "-o", dir.File("program.mwt"), "/bin/true"}).exit_code(),
            0);
  const std::string program_trace = ReadFile(dir.File("program.mwt"));
  for (const auto& argv : bad) {
    CommandResult run = RunProgram(argv);
    std::string shown;
    for (const auto& arg : argv) shown += arg + " ";
    EXPECT_EQ(run.exit_code(), 2) << shown;
    EXPECT_EQ(LineCount(run.err), 1u) << shown << ": " << run.err;
    EXPECT_EQ(run.out, "") << shown;
  }
  EXPECT_EQ(ReadFile(dir.File("exists.mwt")), "x");
  EXPECT_EQ(ReadFile(dir.File("program.mwt")), program_trace);
}

TEST(SystemLogger, HelpNamesEveryOption) {
  CommandResult run = RunProgram({kDlogger, "--help"});
  ASSERT_EQ(run.exit_code(), 0);
  for (const char* option : {"--output", "--format", "--interval", "--duration", "--modules",
                             "--top", "--once", "--append", "--force", "--syslog"}) {
    EXPECT_NE(run.out.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace memwrap
