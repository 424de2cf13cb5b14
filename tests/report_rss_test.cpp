// The report's resident-memory figures on hand-made traces: the program's own peak RSS, with
// memwrap's share apart, from the records memwrap writes now and from the shorter ones older
// traces hold.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analyzer/own_peak_rss.h"
#include "analyzer/report.h"
#include "tests/synthetic_trace.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

using test_support::ScratchDir;
using test_support::SyntheticTrace;

constexpr uint64_t kMiB = 1 << 20;

ProcessReport OnlyProcess(const std::string& trace) {
  Report report = BuildReport(trace, ReportOptions{});
  EXPECT_EQ(report.processes.size(), 1u);
  return report.processes.empty() ? ProcessReport{} : report.processes.front();
}

TEST(ReportRss, ThePeakIsTheLargestOfVmHwmLessMemwrapsShareAtExitAndAtEachSample) {
  ScratchDir dir;
  SyntheticTrace trace(30);
  const uint64_t t = SyntheticTrace::Soon();
  trace.Start(t, "/bin/app");
  // The program peaks at 100 MiB while memwrap holds 1 MiB (VmHWM 101 MiB), then memwrap's ring
  // fills up to 8 MiB: at exit VmHWM (101 MiB) less memwrap's 8 MiB says 93 MiB.
  trace.MemorySample(t + 1, 100 * kMiB, 100 * kMiB, 1 * kMiB);
  trace.MemorySample(t + 2, 20 * kMiB, 93 * kMiB, 8 * kMiB);
  // A share carried from an earlier read would make too much of this sample's VmHWM the
  // program's: it does not count.
  trace.MemorySample(t + 3, 20 * kMiB, 100 * kMiB, 1 * kMiB, kMemorySampleMemwrapCarried);
  trace.ExitWithRss(t + 4, 93 * 1024, 8 * 1024);
  trace.Write(dir.File("t.mwt"));

  const ProcessReport process = OnlyProcess(dir.File("t.mwt"));
  EXPECT_EQ(process.peak_rss_source, "exit");
  EXPECT_EQ(process.peak_rss_bytes, 100 * kMiB);
  ASSERT_TRUE(process.memwrap_rss_bytes.has_value());
  EXPECT_EQ(*process.memwrap_rss_bytes, 8 * kMiB);
  ASSERT_TRUE(process.memwrap_peak_rss_bytes.has_value());
  EXPECT_EQ(*process.memwrap_peak_rss_bytes, 8 * kMiB);
}

TEST(ReportRss, AtExitWithoutALargerSampleThePeakIsVmHwmLessMemwrapsShareThen) {
  ScratchDir dir;
  SyntheticTrace trace(31);
  const uint64_t t = SyntheticTrace::Soon();
  trace.Start(t, "/bin/app");
  trace.MemorySample(t + 1, 10 * kMiB, 10 * kMiB, 9 * kMiB);
  trace.ExitWithRss(t + 2, 50 * 1024, 8 * 1024);  // the share shrank: a thread's cache went
  trace.Write(dir.File("t.mwt"));

  const ProcessReport process = OnlyProcess(dir.File("t.mwt"));
  EXPECT_EQ(process.peak_rss_bytes, 50 * kMiB);
  EXPECT_EQ(*process.memwrap_rss_bytes, 8 * kMiB);
  EXPECT_EQ(*process.memwrap_peak_rss_bytes, 9 * kMiB);
  // The text report says what was left out.
  Report report = BuildReport(dir.File("t.mwt"), ReportOptions{});
  const std::string text = FormatReportText(report);
  EXPECT_NE(text.find("less memwrap's own memory"), std::string::npos) << text;
  EXPECT_NE(text.find("memwrap's own resident memory"), std::string::npos) << text;
}

TEST(ReportRss, ASampleRaisesThePeakOnlyByWhatMemwrapsShareGrewSince) {
  // Without memwrap's share (a static program), a sample's VmHWM above the exit's is the
  // kernel's counting noise: the figure is VmHWM at exit, exactly.
  OwnPeakRss without_memwrap;
  without_memwrap.AddSample(25'882'624, 0);
  EXPECT_EQ(without_memwrap.AtExit(25'595'904, 0), 25'595'904u);
  // memwrap's share grew by 7 MiB after a sample whose VmHWM reads 1 MiB above the exit's: the
  // sample raises the figure by the 7 MiB only, not by that 1 MiB.
  OwnPeakRss grew;
  grew.AddSample(100 * kMiB, 1 * kMiB);                    // VmHWM 101 MiB
  EXPECT_EQ(grew.AtExit(92 * kMiB, 8 * kMiB), 99 * kMiB);  // VmHWM at exit 100 MiB
  // A share that shrank since the sample (a thread's cache went) does not lower it either.
  OwnPeakRss shrank;
  shrank.AddSample(40 * kMiB, 9 * kMiB);
  EXPECT_EQ(shrank.AtExit(50 * kMiB, 8 * kMiB), 50 * kMiB);
  // Of several samples, the best for the exit's figures counts: here the one with 30 MiB at a
  // share of 1 MiB, taken no higher than VmHWM at exit (28 MiB) less that share.
  OwnPeakRss many;
  many.AddSample(10 * kMiB, 2 * kMiB);
  many.AddSample(9 * kMiB, 3 * kMiB);
  many.AddSample(30 * kMiB, 4 * kMiB);
  many.AddSample(30 * kMiB, 1 * kMiB);
  EXPECT_EQ(many.AtExit(20 * kMiB, 8 * kMiB), 27 * kMiB);
  EXPECT_EQ(many.AtExit(25 * kMiB, 5 * kMiB), 29 * kMiB);
  EXPECT_EQ(many.AtExit(20 * kMiB, 1 * kMiB), 20 * kMiB);  // no sample had less of memwrap
}

TEST(ReportRss, RecordsFromBeforeMemwrapsShareWasRecordedReadAsTheyWere) {
  ScratchDir dir;
  SyntheticTrace trace(32);
  const uint64_t t = SyntheticTrace::Soon();
  trace.Start(t, "/bin/app");
  trace.MemorySample(t + 1, 40 * kMiB, 40 * kMiB, 0, 0, /*first_layout=*/true);
  trace.ExitWithRss(t + 2, 110 * 1024, std::nullopt, /*first_layout=*/true);
  trace.Write(dir.File("t.mwt"));

  const ProcessReport process = OnlyProcess(dir.File("t.mwt"));
  EXPECT_EQ(process.peak_rss_source, "exit");
  EXPECT_EQ(process.peak_rss_bytes, 110 * kMiB);
  EXPECT_FALSE(process.memwrap_rss_bytes.has_value());
  EXPECT_FALSE(process.memwrap_peak_rss_bytes.has_value());
  const nlohmann::json json =
      nlohmann::json::parse(FormatReportJson(BuildReport(dir.File("t.mwt"), ReportOptions{})));
  EXPECT_TRUE(json["processes"][0]["memwrap_rss_bytes"].is_null()) << json.dump(1);
  EXPECT_TRUE(json["processes"][0]["memwrap_peak_rss_bytes"].is_null()) << json.dump(1);
}

TEST(ReportRss, AnExitSeenTooLateLeavesMemwrapsShareUnknownButTheSamplesStillSayIt) {
  ScratchDir dir;
  SyntheticTrace trace(33);
  const uint64_t t = SyntheticTrace::Soon();
  trace.Start(t, "/bin/app");
  trace.MemorySample(t + 1, 30 * kMiB, 30 * kMiB, 3 * kMiB);
  trace.ExitWithRss(t + 2, 34 * 1024, std::nullopt);  // ru_maxrss, memwrap's share included
  trace.Write(dir.File("t.mwt"));

  const ProcessReport process = OnlyProcess(dir.File("t.mwt"));
  EXPECT_EQ(process.peak_rss_bytes, 34 * kMiB);
  EXPECT_FALSE(process.memwrap_rss_bytes.has_value());
  EXPECT_EQ(*process.memwrap_peak_rss_bytes, 3 * kMiB);
}

}  // namespace
}  // namespace memwrap
