// memwrap run --keep-stacks-if against known truth: size_mix knows every allocation it makes
// and which of them are of 1 MiB or more. The trace must keep exactly those (with the frees and
// reallocs of their blocks: no phantom leaks), and the report's counts, bytes, peak and live
// end must equal the program's truth and full mode's, though the trace holds a fraction of it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/report_json.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::CommandResult;
using test_support::ReportJson;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kSizeMix = test_support::BuiltFile("size_mix");

struct Recording {
  CommandResult run;
  json report;
  uint64_t trace_bytes = 0;
};

Recording Record(const std::string& trace, const std::vector<std::string>& options) {
  std::vector<std::string> argv = {kMemwrap, "run", "-q", "-o", trace};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), {"--", kSizeMix});
  Recording recording;
  recording.run = RunProgram(argv);
  EXPECT_EQ(recording.run.exit_code(), 0) << recording.run.err;
  recording.report = ReportJson(trace);
  struct stat info {};
  if (stat(trace.c_str(), &info) == 0) recording.trace_bytes = uint64_t(info.st_size);
  return recording;
}

// The program's "expected_NAME=VALUE" lines.
std::map<std::string, uint64_t> Truth(const std::string& out) {
  std::map<std::string, uint64_t> truth;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const size_t equals = line.find('=');
    if (line.rfind("expected_", 0) == 0 && equals != std::string::npos) {
      truth[line.substr(9, equals - 9)] = std::stoull(line.substr(equals + 1));
    }
  }
  return truth;
}

// Calls and bytes per function among the report's sites by calls.
std::map<std::string, std::pair<uint64_t, uint64_t>> SitesByFunction(const json& report) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> sites;
  for (const json& site : report["top_sites_by_calls"]) {
    auto& entry = sites[site["function"].get<std::string>()];
    entry.first += uint64_t(site["allocations"].get<double>());
    entry.second += uint64_t(site["bytes_allocated"].get<double>());
  }
  return sites;
}

class KeepStacksIf : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir;
    full_ = new Recording(Record(dir_->File("full.mwt"), {}));
    kept_ = new Recording(Record(dir_->File("kept.mwt"), {"--keep-stacks-if", "size >= 1MiB"}));
  }
  static void TearDownTestSuite() {
    delete full_;
    delete kept_;
    delete dir_;
  }
  static ScratchDir* dir_;
  static Recording* full_;
  static Recording* kept_;
};
ScratchDir* KeepStacksIf::dir_ = nullptr;
Recording* KeepStacksIf::full_ = nullptr;
Recording* KeepStacksIf::kept_ = nullptr;

TEST_F(KeepStacksIf, CountsEveryEventExactly) {
  const std::map<std::string, uint64_t> truth = Truth(kept_->run.out);
  ASSERT_EQ(truth.size(), 6u) << kept_->run.out;
  for (const Recording* recording : {full_, kept_}) {
    const json& report = recording->report;
    EXPECT_EQ(report["totals"]["allocations"], truth.at("allocations"));
    EXPECT_EQ(report["totals"]["frees"], truth.at("frees"));
    EXPECT_EQ(report["totals"]["bytes_allocated"], truth.at("bytes_allocated"));
    EXPECT_EQ(report["totals"]["untracked_frees"], 0);
    EXPECT_EQ(report["peak_heap_bytes"], truth.at("peak_bytes"));
  }
  const json& kept = kept_->report["kept"];
  ASSERT_TRUE(kept.is_object()) << kept_->report.dump();
  EXPECT_EQ(kept["expression"], "size >= 1MiB");
  EXPECT_EQ(kept["live_at_end_bytes"], truth.at("live_at_end_bytes"));
  EXPECT_TRUE(full_->report["kept"].is_null());
  // The peak's time is the collector's exact one: when the block grew, as in full mode (the
  // two runs differ by their own timing only, so compare the order of events instead: the
  // peak comes after the calloc blocks, i.e. it is the kept peak's instant here).
  EXPECT_EQ(kept_->report["peak_heap_time_ns"], kept["kept_peak_time_ns"]);
}

TEST_F(KeepStacksIf, KeepsExactlyTheMatchingAllocations) {
  const std::map<std::string, uint64_t> truth = Truth(kept_->run.out);
  EXPECT_EQ(kept_->report["kept"]["allocations_kept"], truth.at("kept_allocations"));
  const auto sites = SitesByFunction(kept_->report);
  // make_big_blocks 5 x 2 MiB, make_calloc_blocks 3 x 1 MiB, grow_block's 1.5 MiB realloc.
  ASSERT_EQ(sites.size(), 3u) << kept_->report["top_sites_by_calls"].dump();
  EXPECT_EQ(sites.at("make_big_blocks"), std::make_pair(uint64_t(5), uint64_t(10) << 20));
  EXPECT_EQ(sites.at("make_calloc_blocks"), std::make_pair(uint64_t(3), uint64_t(3) << 20));
  EXPECT_EQ(sites.at("grow_block"), std::make_pair(uint64_t(1), uint64_t(3) << 19));
  // Their frees came with them (the shrunk big block's realloc included): nothing of what was
  // kept looks leaked.
  EXPECT_EQ(kept_->report["leaked_bytes"], 0);
  // The kept allocations' own peak: every kept block live at once.
  EXPECT_EQ(kept_->report["kept"]["kept_peak_bytes"], truth.at("peak_bytes"));
  EXPECT_LT(kept_->trace_bytes, full_->trace_bytes);
}

TEST_F(KeepStacksIf, SelectsByFunctionAndSaysSoInTheReport) {
  Recording by_function = Record(dir_->File("function.mwt"),
                                 {"--keep-stacks-if", "function == \"make_calloc_blocks\""});
  EXPECT_EQ(by_function.report["kept"]["allocations_kept"], 3);
  EXPECT_EQ(by_function.report["totals"]["allocations"], full_->report["totals"]["allocations"]);
  const auto sites = SitesByFunction(by_function.report);
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_EQ(sites.count("make_calloc_blocks"), 1u);
  CommandResult text = RunProgram({kMemwrap, "report", dir_->File("function.mwt")});
  EXPECT_NE(text.out.find("FILTERED trace (--keep-stacks-if 'function == \"make_calloc_blocks\"'): "
                          "3 of 1,012 allocations kept"),
            std::string::npos)
      << text.out;
  CommandResult timeline = RunProgram({kMemwrap, "timeline", dir_->File("function.mwt")});
  EXPECT_NE(timeline.err.find("filtered trace"), std::string::npos) << timeline.err;
}

TEST(KeepStacksIfUsage, RefusesWhatItCannotUse) {
  ScratchDir dir;
  struct Case {
    std::vector<std::string> options;
    std::string message;
  };
  for (const Case& bad :
       std::vector<Case>{{{"--keep-stacks-if", "size >="}, "--keep-stacks-if: column 8:"},
                         {{"--keep-stacks-if", "heap > 1MiB"}, "the field heap is not known"},
                         {{"--keep-stacks-if", "size > 1", "--stacks=sampled"},
                          "cannot be used with --stacks=sampled"}}) {
    std::vector<std::string> argv = {kMemwrap, "run", "-o", dir.File("bad.mwt")};
    argv.insert(argv.end(), bad.options.begin(), bad.options.end());
    argv.insert(argv.end(), {"--", kSizeMix});
    CommandResult result = RunProgram(argv);
    EXPECT_EQ(result.exit_code(), 2) << result.err;
    EXPECT_NE(result.err.find(bad.message), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "") << "the program must not have run";
    struct stat info {};
    EXPECT_NE(stat(dir.File("bad.mwt").c_str(), &info), 0) << "no trace is left behind";
  }
}

}  // namespace
}  // namespace memwrap
