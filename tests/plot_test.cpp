// memwrap plot: the HTML report is one file that needs no network, and headless Chromium draws
// it: a chart that is not blank, the series and the exact peak in the DOM, the peak consumers,
// the flame graph in each of its modes, dark mode, and 10^5 rows downsampled with the exact
// peak kept.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/external_tool.h"
#include "tests/plot_page.h"
#include "tests/png_image.h"
#include "tests/synthetic_trace.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

using nlohmann::json;
using test_support::Chromium;
using test_support::CommandResult;
using test_support::PageData;
using test_support::ReadFile;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");

std::string Plot(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv = {kMemwrap, "plot"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  CommandResult run = RunProgram(argv);
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  return run.err;
}

std::string RecordPeakPattern(const ScratchDir& dir, const std::string& name) {
  const std::string trace = dir.File(name);
  CommandResult run =
      RunProgram({kMemwrap, "-q", "-o", trace, test_support::BuiltFile("peak_pattern")});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  return trace;
}

size_t Count(const std::string& text, const std::string& pattern) {
  size_t n = 0;
  for (size_t at = text.find(pattern); at != std::string::npos; at = text.find(pattern, at + 1))
    ++n;
  return n;
}

TEST(Plot, ReportIsOneFileThatLoadsNothing) {
  ScratchDir dir;
  const std::string trace = RecordPeakPattern(dir, "t.mwt");
  const std::string out = dir.File("report.html");
  Plot({trace, "-o", out, "--dark", "--title", "Run <1> & co"});
  const std::string html = ReadFile(out);
  for (const char* loader : {"src=", "href=", "@import", "url(", "<link", "fetch(",
                             "XMLHttpRequest", "<iframe", "<img"}) {
    EXPECT_EQ(html.find(loader), std::string::npos) << "the page must load nothing: " << loader;
  }
  EXPECT_NE(html.find("<title>Run &lt;1&gt; &amp; co</title>"), std::string::npos);
  EXPECT_NE(html.find("data-theme=\"dark\""), std::string::npos);
  json data = PageData(html);
  ASSERT_EQ(data["traces"].size(), 1u);
  EXPECT_EQ(data["traces"][0]["peak"]["heap_bytes"], 12000000);
  EXPECT_EQ(data["traces"][0]["flame"]["peak"]["v"], 12000000);
  EXPECT_EQ(data["traces"][0]["sites"][0]["function"], "load_table");
  EXPECT_EQ(data["traces"][0]["sites"][0]["bytes"], 8000000);
}

TEST(Plot, BadUsageAndInputExitWithTwo) {
  ScratchDir dir;
  EXPECT_EQ(
      RunProgram({kMemwrap, "plot", dir.File("missing.mwt"), "-o", dir.File("r.html")}).exit_code(),
      2);
  EXPECT_EQ(RunProgram({kMemwrap, "plot", "-o", dir.File("r.html")}).exit_code(), 2);
  EXPECT_FALSE(test_support::FileExists(dir.File("r.html")));
}

TEST(Plot, ChromiumDrawsTheChartTheExactPeakAndThePeakConsumers) {
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  ScratchDir dir;
  const std::string trace = RecordPeakPattern(dir, "t.mwt");
  const std::string out = dir.File("report.html");
  Plot({trace, "-o", out});

  CommandResult dom = Chromium(chromium, dir, "--dump-dom", "file://" + out);
  ASSERT_EQ(dom.exit_code(), 0) << dom.err;
  EXPECT_NE(dom.out.find("data-rendered=\"yes\""), std::string::npos)
      << "the script ran to its end";
  for (const char* series : {"heap", "mapped", "rss"}) {
    EXPECT_NE(dom.out.find(std::string("data-trace=\"0\" data-series=\"") + series + "\""),
              std::string::npos)
        << series;
  }
  EXPECT_NE(dom.out.find("id=\"peak-marker-0\" data-peak-bytes=\"12000000\""), std::string::npos);
  EXPECT_NE(dom.out.find("peak 11.44 MiB (12,000,000 bytes) at"), std::string::npos);
  // The peak consumers, largest first, and the flame graph of the heap at the peak.
  const size_t load_table = dom.out.find("<td>load_table</td>");
  const size_t grow_cache = dom.out.find("<td>grow_cache</td>");
  ASSERT_NE(load_table, std::string::npos);
  EXPECT_LT(load_table, grow_cache);
  EXPECT_NE(dom.out.find("8,000,000<span class=\"unit\"> 7.63 MiB</span></td>", load_table),
            std::string::npos)
      << "the exact integer, the rounded unit beside it";
  EXPECT_NE(dom.out.find("66.67%</td>", load_table), std::string::npos);
  EXPECT_NE(dom.out.find("id=\"flame-svg\""), std::string::npos);
  EXPECT_NE(dom.out.find("data-metric=\"peak\" data-total=\"12000000\""), std::string::npos);
  EXPECT_NE(dom.out.find("<title>load_table: 8,000,000 bytes (66.67%)</title>"), std::string::npos);
  // Markers: the program's start and exit, with their text on hover.
  EXPECT_NE(dom.out.find("data-kind=\"start\""), std::string::npos);
  EXPECT_NE(dom.out.find("data-kind=\"exit\""), std::string::npos);
  EXPECT_NE(dom.out.find("exit: exit 0 at"), std::string::npos);

  // The screenshot shows the heap line (its color, #1f77b4) and a light page.
  const std::string png = dir.File("shot.png");
  CommandResult shot = Chromium(chromium, dir, "--screenshot=" + png, "file://" + out);
  ASSERT_EQ(shot.exit_code(), 0) << shot.err;
  test_support::RgbImage image;
  std::string error;
  ASSERT_TRUE(test_support::ReadPng(ReadFile(png), &image, &error)) << error;
  size_t heap_pixels = 0;
  for (uint32_t y = 0; y < image.height; ++y) {
    for (uint32_t x = 0; x < image.width; ++x) {
      const uint8_t* p = image.At(x, y);
      if (std::abs(p[0] - 0x1f) + std::abs(p[1] - 0x77) + std::abs(p[2] - 0xb4) < 40) ++heap_pixels;
    }
  }
  EXPECT_GT(heap_pixels, 200u) << "no heap line drawn";
  EXPECT_GT(image.At(2, 2)[0], 200) << "light mode";
}

TEST(Plot, FlameGraphSwitchesToAllocationsCallsAndLeaksAndDarkMode) {
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  ScratchDir dir;
  const std::string trace = dir.File("t.mwt");
  ASSERT_EQ(
      RunProgram({kMemwrap, "-q", "-o", trace, test_support::BuiltFile("leaks_and_temporaries")})
          .exit_code(),
      0);
  CommandResult report = RunProgram({kMemwrap, "report", "--format", "json", trace});
  ASSERT_EQ(report.exit_code(), 0);
  const json expected = json::parse(report.out);
  const std::string out = dir.File("report.html");
  Plot({trace, "-o", out, "--dark"});
  CommandResult allocated =
      Chromium(chromium, dir, "--dump-dom", "file://" + out + "#flame=allocated");
  ASSERT_EQ(allocated.exit_code(), 0) << allocated.err;
  EXPECT_NE(allocated.out.find(
                "data-metric=\"allocated\" data-total=\"" +
                std::to_string(expected["totals"]["bytes_allocated"].get<uint64_t>()) + "\""),
            std::string::npos);
  EXPECT_NE(allocated.out.find("class=\"selected\">Bytes allocated</button>"), std::string::npos);
  CommandResult calls =
      Chromium(chromium, dir, "--dump-dom", "file://" + out + "#flame=allocations");
  ASSERT_EQ(calls.exit_code(), 0) << calls.err;
  EXPECT_NE(
      calls.out.find("data-metric=\"allocations\" data-total=\"" +
                     std::to_string(expected["totals"]["allocations"].get<uint64_t>()) + "\""),
      std::string::npos);
  CommandResult leaked = Chromium(chromium, dir, "--dump-dom", "file://" + out + "#flame=leaked");
  ASSERT_EQ(leaked.exit_code(), 0) << leaked.err;
  EXPECT_NE(leaked.out.find("data-metric=\"leaked\" data-total=\"" +
                            std::to_string(expected["leaked_bytes"].get<uint64_t>()) + "\""),
            std::string::npos);
  // --dark: the page opens dark.
  const std::string png = dir.File("dark.png");
  ASSERT_EQ(Chromium(chromium, dir, "--screenshot=" + png, "file://" + out).exit_code(), 0);
  test_support::RgbImage image;
  std::string error;
  ASSERT_TRUE(test_support::ReadPng(ReadFile(png), &image, &error)) << error;
  EXPECT_LT(image.At(2, 2)[0], 60) << "dark mode";
}

TEST(Plot, OverlaysSeveralTracesWithALegend) {
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  ScratchDir dir;
  const std::string one = RecordPeakPattern(dir, "one.mwt");
  const std::string two = RecordPeakPattern(dir, "two.mwt");
  const std::string out = dir.File("report.html");
  Plot({one, two, "-o", out});
  CommandResult dom = Chromium(chromium, dir, "--dump-dom", "file://" + out);
  ASSERT_EQ(dom.exit_code(), 0) << dom.err;
  for (const char* trace : {"0", "1"}) {
    EXPECT_NE(dom.out.find(std::string("data-trace=\"") + trace + "\" data-series=\"heap\""),
              std::string::npos);
    EXPECT_NE(
        dom.out.find(std::string("id=\"peak-marker-") + trace + "\" data-peak-bytes=\"12000000\""),
        std::string::npos);
  }
  EXPECT_NE(dom.out.find("one.mwt: heap"), std::string::npos);
  EXPECT_NE(dom.out.find("two.mwt: heap"), std::string::npos);
  EXPECT_EQ(Count(dom.out, "<td>load_table</td>"), 2u) << "one table row per trace";
}

// STACK_SAMPLE records (written by the ptrace tracer) become markers carrying their stack, and
// marks carry their name; a hand-made trace stands in for the tracer.
TEST(Plot, StackSamplesAndMarksAreMarkers) {
  ScratchDir dir;
  test_support::SyntheticTrace synthetic(600);
  const uint64_t t = test_support::SyntheticTrace::Soon();
  synthetic.Start(t, "/bin/app");
  synthetic.Stack(kTracerStackIdBit | 7, {0x401000, 0x402000, 0x403000});
  synthetic.Alloc(t + 1'000'000, 0x5000, 4096, kNoStack);
  synthetic.Mark(t + 2'000'000, "phase <two>");
  synthetic.StackSample(t + 3'000'000, 601, kTracerStackIdBit | 7);
  synthetic.Exit(t + 4'000'000, 0);
  const std::string trace = dir.File("samples.mwt");
  synthetic.Write(trace);
  const std::string out = dir.File("report.html");
  Plot({trace, "-o", out});
  const std::string html = ReadFile(out);
  EXPECT_EQ(html.find("phase <two>"), std::string::npos) << "a '<' from the trace is escaped";
  json data = PageData(html);
  std::map<std::string, json> markers;
  for (const json& marker : data["traces"][0]["markers"]) markers[marker["kind"]] = marker;
  ASSERT_EQ(markers.count("stack_sample"), 1u) << data.dump(1);
  EXPECT_EQ(markers["stack_sample"]["tid"], 601);
  EXPECT_EQ(markers["stack_sample"]["stack"].size(), 3u);
  EXPECT_EQ(markers["stack_sample"]["time_ns"].get<uint64_t>() -
                markers["mark"]["time_ns"].get<uint64_t>(),
            1'000'000u);
  EXPECT_EQ(markers["mark"]["text"], "phase <two>");

  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  CommandResult dom = Chromium(chromium, dir, "--dump-dom", "file://" + out);
  ASSERT_EQ(dom.exit_code(), 0) << dom.err;
  EXPECT_NE(dom.out.find("data-kind=\"stack_sample\""), std::string::npos);
  EXPECT_NE(dom.out.find("<title>stack sample (thread 601) at"), std::string::npos);
  EXPECT_NE(dom.out.find("<title>mark: phase &lt;two&gt; at"), std::string::npos);
}

// 10^5 heap changes every 10 ms for 1000 s, and one spike of 10,000,000 bytes that lasts 1 ms:
// the page holds at most four points per pixel column, and the spike at its exact value and
// instant.
TEST(Plot, HundredThousandChangesAreDownsampledKeepingTheExactPeak) {
  ScratchDir dir;
  test_support::SyntheticTrace synthetic(700);
  const uint64_t t = test_support::SyntheticTrace::Soon();
  synthetic.Start(t, "/bin/sawtooth");
  constexpr uint64_t kStep = 10'000'000, kRows = 100'000, kSpike = 10'000'000;
  for (uint64_t i = 0; i < kRows; ++i) {
    const uint64_t at = t + i * kStep + 1;
    if (i > 0) synthetic.Free(at, 0x10000 + (i - 1) * 16);
    synthetic.Alloc(at + 1, 0x10000 + i * 16, 1000 + (i * 7919) % 100000, kNoStack);
    if (i == 61'234) {
      synthetic.Alloc(at + 4'000'000, 0x90000000, kSpike, kNoStack);
      synthetic.Free(at + 5'000'000, 0x90000000);
    }
  }
  synthetic.Exit(t + kRows * kStep, 0);
  const std::string trace = dir.File("long.mwt");
  synthetic.Write(trace, {{"sample_interval_ns", std::to_string(kStep)}});
  const std::string out = dir.File("report.html");
  Plot({trace, "-o", out});
  json data = PageData(ReadFile(out));
  const json& page = data["traces"][0];
  EXPECT_EQ(page["series_counts"]["heap"], 2 * kRows - 1 + 2) << "every change is counted";
  const json& heap = page["series"]["heap"];
  EXPECT_LE(heap.size(), 4 * 1600u + 2);
  EXPECT_GT(heap.size(), 1600u);
  uint64_t highest = 0, highest_time = 0;
  for (const json& point : heap) {
    if (point[1].get<uint64_t>() > highest) {
      highest = point[1].get<uint64_t>();
      highest_time = point[0].get<uint64_t>();
    }
  }
  const uint64_t spike_total = kSpike + 1000 + (61'234 * 7919) % 100000;
  EXPECT_EQ(highest, spike_total);
  EXPECT_EQ(page["peak"]["heap_bytes"].get<uint64_t>(), spike_total);
  EXPECT_EQ(highest_time, page["peak"]["time_ns"].get<uint64_t>())
      << "the step up to the peak is drawn at the peak's instant";

  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  CommandResult dom = Chromium(chromium, dir, "--dump-dom", "file://" + out);
  ASSERT_EQ(dom.exit_code(), 0) << dom.err;
  const std::string points = "data-series=\"heap\" data-points=\"";
  const size_t at = dom.out.find(points);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(std::stoull(dom.out.substr(at + points.size())), heap.size());
  EXPECT_NE(dom.out.find("data-peak-bytes=\"" + std::to_string(spike_total) + "\""),
            std::string::npos);
}

// The heap rises to 54 MiB and drops to 4 MiB at known nanoseconds, with 2,000 short-lived
// 16-byte blocks in between (many changes per pixel column): the heap series changes exactly at
// those instants, to exactly those values, and the chart draws it as steps (one vertical edge
// per point), not from samples.
TEST(Plot, HeapStepsAtTheExactInstantsOfItsEvents) {
  ScratchDir dir;
  test_support::SyntheticTrace synthetic(710);
  const uint64_t t = test_support::SyntheticTrace::Soon();
  constexpr uint64_t kMiB = 1 << 20;
  synthetic.Start(t, "/bin/steps");
  synthetic.Mark(t, "zero");
  synthetic.Alloc(t + 1'000'000, 0x10000000, 4 * kMiB, kNoStack);
  synthetic.Alloc(t + 2'000'000, 0x20000000, 50 * kMiB, kNoStack);
  for (uint64_t i = 0; i < 2000; ++i) {
    synthetic.Alloc(t + 3'000'000 + i * 1000, 0x30000000 + i * 16, 16, kNoStack);
    synthetic.Free(t + 3'000'500 + i * 1000, 0x30000000 + i * 16);
  }
  synthetic.Free(t + 10'000'007, 0x20000000);
  synthetic.Exit(t + 20'000'000, 0);
  const std::string trace = dir.File("steps.mwt"), out = dir.File("steps.html");
  synthetic.Write(trace, {{"sample_interval_ns", "10000000"}});
  Plot({trace, "-o", out});
  const json page = PageData(ReadFile(out))["traces"][0];
  uint64_t zero = 0;
  for (const json& marker : page["markers"]) {
    if (marker["text"] == "zero") zero = marker["time_ns"];
  }
  ASSERT_GT(zero, 0u);
  const json& heap = page["series"]["heap"];
  std::map<uint64_t, uint64_t> at;  // time since the mark -> bytes from then on
  for (const json& point : heap) {
    if (point[0].get<uint64_t>() >= zero) at[point[0].get<uint64_t>() - zero] = point[1];
  }
  EXPECT_EQ(at[1'000'000], 4 * kMiB);
  EXPECT_EQ(at[2'000'000], 54 * kMiB);
  EXPECT_EQ(at[10'000'007], 4 * kMiB) << "the drop at its nanosecond, not at a sample";
  EXPECT_EQ(page["series_counts"]["heap"], 2 + 4000 + 1) << "every change, none sampled";
  // The highest point is the exact peak: 54 MiB and a 16-byte block, from +3 ms.
  EXPECT_EQ(page["peak"]["heap_bytes"], 54 * kMiB + 16);
  uint64_t highest = 0;
  for (const json& point : heap) highest = std::max<uint64_t>(highest, point[1]);
  EXPECT_EQ(highest, 54 * kMiB + 16);
  EXPECT_EQ(at[3'000'000], 54 * kMiB + 16);
  // Between +3 ms and +5 ms the 4,000 changes are reduced (at most four per pixel column), and
  // the value held just before the drop is the true one.
  EXPECT_LT(heap.size(), 4000u);
  auto before_drop = at.find(10'000'007);
  ASSERT_NE(before_drop, at.begin());
  EXPECT_EQ(std::prev(before_drop)->second, 54 * kMiB);

  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  CommandResult dom = Chromium(chromium, dir, "--dump-dom", "file://" + out);
  ASSERT_EQ(dom.exit_code(), 0) << dom.err;
  const size_t series = dom.out.find("data-series=\"heap\" data-points=");
  const size_t path = dom.out.rfind("<path d=\"", series);
  ASSERT_NE(path, std::string::npos);
  const std::string d = dom.out.substr(path, dom.out.find('"', path + 9) - path);
  EXPECT_EQ(Count(d, "V"), heap.size() - 1) << "a vertical edge at every point: " << d;
  EXPECT_EQ(Count(d, "L"), 0u) << "no slopes";
}

}  // namespace
}  // namespace memwrap
