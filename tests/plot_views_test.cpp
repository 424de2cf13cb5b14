// memwrap plot: the views a URL fragment opens, read from the DOM headless Chromium leaves:
// #t= (the live heap at an instant, by call site) and #range= (what was allocated and freed
// between two instants or two marks) hold the exact bytes a known-truth program and a
// hand-made trace allocated, to the nanosecond; a coarser index (a small budget) answers at
// the instants it resolves, still exactly; #search= highlights the known function.
#include <stdlib.h>
#include <string.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tests/external_tool.h"
#include "tests/plot_page.h"
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

void Plot(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv = {kMemwrap, "plot"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  CommandResult run = RunProgram(argv);
  ASSERT_EQ(run.exit_code(), 0) << run.err;
}

// The DOM of the page opened at `fragment`.
std::string Dom(const std::string& chromium, const ScratchDir& dir, const std::string& page,
                const std::string& fragment) {
  CommandResult dom = Chromium(chromium, dir, "--dump-dom", "file://" + page + "#" + fragment);
  EXPECT_EQ(dom.exit_code(), 0) << dom.err;
  EXPECT_NE(dom.out.find("data-rendered=\"yes\""), std::string::npos)
      << "the script ran to its end";
  return dom.out;
}

// The moment table's row of `site`: the exact bytes of its byte columns, left to right
// (an instant: live; a range: live at start, allocated, freed, live at end, change). Empty
// when the site has no row.
std::vector<int64_t> RowBytes(const std::string& dom, const std::string& site,
                              const std::string& table_id = "moment-table") {
  const size_t table = dom.find("id=\"" + table_id + "\"");
  const size_t row = dom.find("data-site=\"" + site + "\"", table);
  if (table == std::string::npos || row == std::string::npos) return {};
  const std::string text = dom.substr(row, dom.find("</tr>", row) - row);
  std::vector<int64_t> values;
  const std::string key = "data-bytes=\"";
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const size_t value_start = at + key.size();
    const size_t value_end = text.find('"', value_start);
    const int64_t value = std::stoll(text.substr(value_start, value_end - value_start));
    // The cell's text: the same integer, with thousands separators (and a sign for a change).
    std::string shown = text.substr(value_end + 2, text.find('<', value_end) - value_end - 2);
    shown.erase(std::remove(shown.begin(), shown.end(), ','), shown.end());
    if (!shown.empty() && shown[0] == '+') shown.erase(0, 1);
    EXPECT_EQ(shown, std::to_string(value)) << "the exact integer is shown: " << text;
    values.push_back(value);
  }
  return values;
}

// A numeric attribute of the moment section (data-total-bytes, data-at-ns...).
int64_t SectionValue(const std::string& dom, const std::string& attribute) {
  const size_t section = dom.find("id=\"moment-section\"");
  const size_t end = dom.find('>', section);
  const std::string tag = dom.substr(section, end - section);
  const size_t at = tag.find(attribute + "=\"");
  if (section == std::string::npos || at == std::string::npos) {
    ADD_FAILURE() << "no " << attribute << " in " << tag;
    return -1;
  }
  return std::stoll(tag.substr(at + attribute.size() + 2));
}

std::string Seconds(uint64_t ns) {
  char text[32];
  snprintf(text, sizeof(text), "%llu.%09llu", static_cast<unsigned long long>(ns / 1'000'000'000),
           static_cast<unsigned long long>(ns % 1'000'000'000));
  return text;
}

uint64_t MarkTime(const json& trace, const std::string& name) {
  for (const json& marker : trace["markers"]) {
    if (marker["kind"] == "mark" && marker["text"] == name) return marker["time_ns"];
  }
  ADD_FAILURE() << "no mark " << name;
  return 0;
}

// tests/programs/phases.c: mark "grow", grow() allocates 10,000,000 bytes; mark "more",
// grow_more() 20,000,000; mark "release", both freed; each phase held 100 ms.
class PhasesPage : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(
        RunProgram({kMemwrap, "-q", "-o", trace_, test_support::BuiltFile("phases")}).exit_code(),
        0);
    Plot({trace_, "-o", page_});
    data_ = PageData(ReadFile(page_))["traces"][0];
  }
  ScratchDir dir_;
  std::string trace_ = dir_.File("phases.mwt"), page_ = dir_.File("phases.html");
  json data_;
};

// The index's integers as the page decodes them: base64, then unsigned LEB128 varints.
std::vector<uint64_t> IndexIntegers(const std::string& base64) {
  std::string bytes;
  uint32_t bits = 0;
  int held = 0;
  for (char c : base64) {
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char* at = c == '=' ? nullptr : strchr(alphabet, c);
    if (at == nullptr) break;
    bits = bits << 6 | uint32_t(at - alphabet);
    held += 6;
    if (held >= 8) {
      held -= 8;
      bytes += char((bits >> held) & 0xff);
    }
  }
  std::vector<uint64_t> values;
  uint64_t value = 0;
  int shift = 0;
  for (unsigned char byte : bytes) {
    value |= uint64_t(byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) == 0) {
      values.push_back(value);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

TEST_F(PhasesPage, IndexResolvesEveryNanosecondOfASmallTrace) {
  const json& index = data_["instants"];
  EXPECT_EQ(index["quantum_ns"], 1);
  EXPECT_GE(index["changes"].get<uint64_t>(), 4u) << "two allocations, two frees at least";
  std::map<std::string, size_t> number;
  for (size_t i = 0; i < index["sites"].size(); ++i) number[index["sites"][i]["function"]] = i;
  ASSERT_TRUE(number.count("grow") && number.count("grow_more")) << index["sites"].dump();
  // Binary, not JSON numbers: varints in base64. Decoded, grow allocated and freed 10,000,000
  // bytes in one block, grow_more 20,000,000.
  EXPECT_EQ(index["encoding"], "varint-base64");
  ASSERT_TRUE(index["buckets"].is_string());
  const std::vector<uint64_t> integers = IndexIntegers(index["buckets"]);
  std::map<uint64_t, std::vector<uint64_t>> totals;  // site -> the four sums
  uint64_t entries = 0;
  for (size_t i = 0; i + 1 < integers.size();) {
    const uint64_t n = integers[i + 1];
    i += 2;
    for (uint64_t k = 0; k < n && i + 5 <= integers.size(); ++k, i += 5, ++entries) {
      std::vector<uint64_t>& sums = totals[integers[i]];
      sums.resize(4);
      for (int f = 0; f < 4; ++f) sums[f] += integers[i + 1 + f];
    }
  }
  EXPECT_EQ(entries, index["entries"].get<uint64_t>());
  EXPECT_EQ(totals[number["grow"]], (std::vector<uint64_t>{10'000'000, 1, 10'000'000, 1}));
  EXPECT_EQ(totals[number["grow_more"]], (std::vector<uint64_t>{20'000'000, 1, 20'000'000, 1}));
}

TEST_F(PhasesPage, AnInstantShowsExactlyTheBytesLiveThenBySite) {
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  // 50 ms into the "more" phase: grow's 10,000,000 and grow_more's 20,000,000 bytes.
  const uint64_t more = MarkTime(data_, "more");
  const std::string dom = Dom(chromium, dir_, page_, "t=" + Seconds(more + 50'000'000));
  EXPECT_EQ(SectionValue(dom, "data-at-ns"), int64_t(more + 50'000'000));
  EXPECT_EQ(RowBytes(dom, "grow"), std::vector<int64_t>{10'000'000});
  EXPECT_EQ(RowBytes(dom, "grow_more"), std::vector<int64_t>{20'000'000});
  EXPECT_NE(dom.find("10,000,000<span class=\"unit\"> 9.54 MiB</span>"), std::string::npos)
      << "the exact integer beside the rounded unit";
  // The table's headings sort from the keyboard too; the chart says what its shapes are; the
  // heap is drawn as steps (horizontal, then vertical), RSS as dots.
  EXPECT_NE(dom.find("<th data-key=\"start\" tabindex=\"0\""), std::string::npos);
  EXPECT_NE(dom.find("<tr tabindex=\"0\" data-site=\"grow\">"), std::string::npos);
  EXPECT_NE(dom.find("mark (memwrap_mark)"), std::string::npos);
  EXPECT_NE(dom.find("seconds since the trace's creation"), std::string::npos);
  const size_t heap = dom.rfind("<path d=\"", dom.find("data-series=\"heap\" data-points="));
  ASSERT_NE(heap, std::string::npos);
  const std::string heap_path = dom.substr(heap, dom.find('"', heap + 9) - heap);
  EXPECT_NE(heap_path.find('H'), std::string::npos) << heap_path;
  EXPECT_NE(heap_path.find('V'), std::string::npos) << heap_path;
  EXPECT_EQ(heap_path.find('L'), std::string::npos) << "no slopes: " << heap_path;
  EXPECT_NE(dom.find("class=\"series samples\""), std::string::npos);
  // The instant is drawn on the chart, and the legend says what its line and a range's band are.
  EXPECT_NE(dom.find("class=\"instant-line\""), std::string::npos);
  EXPECT_NE(dom.find("data-kind=\"instant\""), std::string::npos);
  EXPECT_NE(dom.find("the instant shown below (click)"), std::string::npos);
  EXPECT_NE(dom.find("data-kind=\"range\""), std::string::npos);
  EXPECT_NE(dom.find("the range shown below (drag)"), std::string::npos);
  // At the instant of the mark "more", grow_more had not allocated yet.
  const std::string at_mark = Dom(chromium, dir_, page_, "t=mark:more");
  EXPECT_EQ(SectionValue(at_mark, "data-at-ns"), int64_t(more));
  EXPECT_EQ(RowBytes(at_mark, "grow"), std::vector<int64_t>{10'000'000});
  EXPECT_TRUE(RowBytes(at_mark, "grow_more").empty());
  // 50 ms after "release": nothing of either.
  const std::string released =
      Dom(chromium, dir_, page_, "t=" + Seconds(MarkTime(data_, "release") + 50'000'000));
  EXPECT_TRUE(RowBytes(released, "grow").empty());
  EXPECT_TRUE(RowBytes(released, "grow_more").empty());
}

// A real click and a real drag on the chart (mouse events at the pixel of a known instant, sent
// by a script added to a copy of the page) open the same views as their fragments: the click
// midway through the "more" phase holds both sites' exact bytes; the drag from midway through
// "grow" to midway through "more" holds grow_more's 20,000,000 allocated bytes.
TEST_F(PhasesPage, AClickAndADragOnTheChartOpenTheInstantAndTheRange) {
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  const uint64_t grow = MarkTime(data_, "grow"), more = MarkTime(data_, "more"),
                 release = MarkTime(data_, "release");
  auto pointer = [&](uint64_t down_ns, uint64_t up_ns) {
    std::string html = ReadFile(page_);
    const std::string script =
        "<script>(function () {\n"
        "  const data = "
        "JSON.parse(document.getElementById('memwrap-data').textContent).traces[0];\n"
        "  let maxTime = Math.max(1, data.duration_ns, data.peak.time_ns);\n"
        "  for (const key in data.series) for (const p of data.series[key]) maxTime = "
        "Math.max(maxTime, p[0]);\n"
        "  const svg = document.getElementById('chart-svg'), box = svg.getBoundingClientRect();\n"
        "  const width = Number(svg.getAttribute('width'));\n"
        "  const x = function (t) { return box.left + (84 + t / maxTime * (width - 104)) * "
        "box.width / width; };\n"
        "  const send = function (type, t) {\n"
        "    svg.dispatchEvent(new MouseEvent(type, { clientX: x(t), clientY: box.top + 100, "
        "button: 0, bubbles: true }));\n"
        "  };\n"
        "  send('mousedown', " +
        std::to_string(down_ns) +
        ");\n"
        "  send('mousemove', " +
        std::to_string(up_ns) +
        ");\n"
        "  send('mouseup', " +
        std::to_string(up_ns) +
        ");\n"
        "  document.body.dataset.pixelNs = Math.ceil(maxTime / (width - 104));\n"
        "})();</script>\n";
    html.insert(html.rfind("</body>"), script);
    const std::string copy = dir_.File("pointer.html");
    test_support::WriteFile(copy, html);
    // The click sets the fragment; the view follows at hashchange, after the page's load.
    CommandResult dom = RunProgram(
        {"/usr/bin/timeout", "120", chromium, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--user-data-dir=" + dir_.File("chromium-pointer"),
         "--window-size=1280,1400", "--virtual-time-budget=5000", "--dump-dom", "file://" + copy});
    EXPECT_EQ(dom.exit_code(), 0) << dom.err;
    return dom.out;
  };
  const std::string click = pointer((more + release) / 2, (more + release) / 2);
  const size_t pixel_at = click.find("data-pixel-ns=\"");
  ASSERT_NE(pixel_at, std::string::npos);
  const int64_t pixel = std::stoll(click.substr(pixel_at + 15));
  const int64_t at = SectionValue(click, "data-at-ns");
  EXPECT_LE(std::llabs(at - int64_t((more + release) / 2)), pixel) << "the instant clicked";
  EXPECT_EQ(RowBytes(click, "grow"), std::vector<int64_t>{10'000'000});
  EXPECT_EQ(RowBytes(click, "grow_more"), std::vector<int64_t>{20'000'000});
  EXPECT_EQ(SectionValue(click, "data-total-bytes"), 30'000'000);

  const std::string drag = pointer((grow + more) / 2, (more + release) / 2);
  EXPECT_LE(std::llabs(SectionValue(drag, "data-from-ns") - int64_t((grow + more) / 2)), pixel);
  EXPECT_LE(std::llabs(SectionValue(drag, "data-to-ns") - int64_t((more + release) / 2)), pixel);
  EXPECT_EQ(RowBytes(drag, "grow"), (std::vector<int64_t>{10'000'000, 0, 0, 10'000'000, 0}));
  EXPECT_EQ(RowBytes(drag, "grow_more"),
            (std::vector<int64_t>{0, 20'000'000, 0, 20'000'000, 20'000'000}));
}

TEST_F(PhasesPage, ARangeBetweenTwoMarksHoldsWhatWasAllocatedAndFreedInIt) {
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  // Columns: live at start, allocated, freed, live at end, change.
  const std::string grow = Dom(chromium, dir_, page_, "range=mark:grow..mark:more");
  EXPECT_EQ(RowBytes(grow, "grow"),
            (std::vector<int64_t>{0, 10'000'000, 0, 10'000'000, 10'000'000}));
  EXPECT_TRUE(RowBytes(grow, "grow_more").empty());
  EXPECT_EQ(SectionValue(grow, "data-from-ns"), int64_t(MarkTime(data_, "grow")));
  EXPECT_EQ(SectionValue(grow, "data-to-ns"), int64_t(MarkTime(data_, "more")));

  const std::string more = Dom(chromium, dir_, page_, "range=mark:more..mark:release");
  EXPECT_EQ(RowBytes(more, "grow"), (std::vector<int64_t>{10'000'000, 0, 0, 10'000'000, 0}));
  EXPECT_EQ(RowBytes(more, "grow_more"),
            (std::vector<int64_t>{0, 20'000'000, 0, 20'000'000, 20'000'000}));

  const std::string release = Dom(chromium, dir_, page_, "range=mark:release..end");
  EXPECT_EQ(RowBytes(release, "grow"),
            (std::vector<int64_t>{10'000'000, 0, 10'000'000, 0, -10'000'000}));
  EXPECT_EQ(RowBytes(release, "grow_more"),
            (std::vector<int64_t>{20'000'000, 0, 20'000'000, 0, -20'000'000}));

  const std::string unknown = Dom(chromium, dir_, page_, "range=mark:grow..mark:nonesuch");
  EXPECT_NE(unknown.find("is not FROM..TO"), std::string::npos) << "an unknown mark is said so";
}

TEST_F(PhasesPage, SearchHighlightsTheFunctionAndSaysItsShare) {
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  // The heap at the peak: 30,000,000 bytes, 20,000,000 of them from grow_more.
  const std::string dom = Dom(chromium, dir_, page_, "search=grow_more");
  EXPECT_NE(dom.find("<g class=\"frame match\"><rect"), std::string::npos);
  EXPECT_NE(dom.find("<title>grow_more: 20,000,000 bytes (66.67%)</title>"), std::string::npos);
  const size_t match = dom.find("class=\"frame match\"");
  EXPECT_EQ(dom.find("class=\"frame match\"", match + 1), std::string::npos)
      << "one frame matches: " << dom.substr(match, 300);
  EXPECT_NE(dom.find("data-matched=\"20000000\""), std::string::npos);
  EXPECT_NE(dom.find("20,000,000 bytes of 30,000,000 (66.67%)"), std::string::npos);
  // The callers view: grow_more's own bytes at the bottom, its callers above.
  const std::string inverted = Dom(chromium, dir_, page_, "inverted&search=grow_more&depth=2");
  EXPECT_NE(inverted.find("<title>heap at the peak (callers view): 30,000,000 bytes (100.00%)"),
            std::string::npos);
  EXPECT_NE(inverted.find("<title>grow_more: 20,000,000 bytes (66.67%)</title>"),
            std::string::npos);
  // Depth at most 2: the root and one row, 18 pixels each, and 4 of margin.
  EXPECT_NE(inverted.find("id=\"flame-svg\" width=\""), std::string::npos);
  const size_t svg = inverted.find("id=\"flame-svg\"");
  EXPECT_NE(inverted.substr(svg, 120).find("height=\"40\""), std::string::npos)
      << inverted.substr(svg, 120);
  EXPECT_EQ(inverted.find("<title>main:"), std::string::npos) << "main is deeper than 2";
  // Hiding grow's and grow_more's frames gives their bytes to their caller (main).
  const std::string hidden = Dom(chromium, dir_, page_, "hide=grow&search=main");
  EXPECT_EQ(hidden.find("<title>grow_more:"), std::string::npos);
  EXPECT_NE(hidden.find("<title>main: 30,000,000 bytes (100.00%)</title>"), std::string::npos);
}

// Collapsing a module goes by the module each frame's address lies in, not by names: phases'
// own frames (_start, main, grow, grow_more: none named "phases") leave the graph and their
// 30,000,000 bytes go to their caller in libc; hiding frames by the name "phases" hides none.
TEST_F(PhasesPage, CollapsingAModuleMergesItsFramesIntoTheirCallers) {
  std::set<std::string> modules;
  for (const json& name : data_["flame"]["modules"]) modules.insert(name);
  EXPECT_TRUE(modules.count("phases") && modules.count("libc.so.6")) << data_["flame"].dump();
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  const std::string dom = Dom(chromium, dir_, page_, "collapse=phases");
  for (const char* frame : {"grow_more", "grow", "main", "_start"}) {
    EXPECT_EQ(dom.find(std::string("<title>") + frame + ":"), std::string::npos) << frame;
  }
  EXPECT_NE(dom.find("<title>__libc_start_call_main: 30,000,000 bytes (100.00%)</title>"),
            std::string::npos);
  EXPECT_NE(dom.find("<option value=\"libc.so.6\">libc.so.6</option>"), std::string::npos);
  EXPECT_NE(dom.find("<option value=\"phases\">phases</option>"), std::string::npos);
  const std::string by_name = Dom(chromium, dir_, page_, "hide=phases");
  EXPECT_NE(by_name.find("<title>grow_more: 20,000,000 bytes (66.67%)</title>"), std::string::npos)
      << "no frame is named after the module";
  // The callers view of the collapsed tree: libc's frame holds all 30,000,000 bytes itself.
  const std::string inverted = Dom(chromium, dir_, page_, "collapse=phases&inverted");
  EXPECT_NE(inverted.find("<title>__libc_start_call_main: 30,000,000 bytes (100.00%)</title>"),
            std::string::npos);
  EXPECT_EQ(inverted.find("<title>grow:"), std::string::npos);
}

// A hand-made trace, events at known nanoseconds: A (100 bytes) at +1000 ns, B (50) at
// +2000 ns, A freed at +3000 ns, after a mark at +0.
TEST(PlotViews, InstantsAreExactToTheNanosecond) {
  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  ScratchDir dir;
  test_support::SyntheticTrace synthetic(900);
  const uint64_t t = test_support::SyntheticTrace::Soon();
  synthetic.Start(t, "/bin/app");
  synthetic.Stack(1, {0x401000});
  synthetic.Stack(2, {0x402000});
  synthetic.Mark(t + 1'000'000, "go");
  synthetic.Alloc(t + 1'001'000, 0x5000, 100, 1);
  synthetic.Alloc(t + 1'002'000, 0x6000, 50, 2);
  synthetic.Free(t + 1'003'000, 0x5000);
  synthetic.Exit(t + 2'000'000, 0);
  const std::string trace = dir.File("t.mwt"), page = dir.File("t.html");
  synthetic.Write(trace);
  Plot({trace, "-o", page});
  const json data = PageData(ReadFile(page))["traces"][0];
  const uint64_t go = MarkTime(data, "go");
  const std::string a = "??+0x400fff", b = "??+0x401fff";
  // An instant counts the events before it: A's allocation at +1000 ns shows from +1001 ns.
  const std::string before = Dom(chromium, dir, page, "t=" + Seconds(go + 1000));
  EXPECT_EQ(SectionValue(before, "data-total-bytes"), 0);
  const std::string after = Dom(chromium, dir, page, "t=" + Seconds(go + 1001));
  EXPECT_EQ(SectionValue(after, "data-total-bytes"), 100);
  EXPECT_EQ(RowBytes(after, a), std::vector<int64_t>{100});
  const std::string both = Dom(chromium, dir, page, "t=" + Seconds(go + 3000));
  EXPECT_EQ(SectionValue(both, "data-total-bytes"), 150);
  const std::string freed = Dom(chromium, dir, page, "t=" + Seconds(go + 3001));
  EXPECT_EQ(SectionValue(freed, "data-total-bytes"), 50);
  EXPECT_TRUE(RowBytes(freed, a).empty());
  EXPECT_EQ(RowBytes(freed, b), std::vector<int64_t>{50});
  // From +1500 ns to +3500 ns: B allocated, A freed; A was live at the start.
  const std::string range =
      Dom(chromium, dir, page, "range=" + Seconds(go + 1500) + ".." + Seconds(go + 3500));
  EXPECT_EQ(RowBytes(range, a), (std::vector<int64_t>{100, 0, 100, 0, -100}));
  EXPECT_EQ(RowBytes(range, b), (std::vector<int64_t>{0, 50, 0, 50, 50}));
  EXPECT_EQ(SectionValue(range, "data-allocated-bytes"), 50);
  EXPECT_EQ(SectionValue(range, "data-freed-bytes"), 100);
}

// 1,000 blocks of 1,000 bytes, one every microsecond, each freed 10 us after it was allocated,
// under a budget of 100 entries: the buckets widen to 100 us, and the page answers at multiples
// of 100 us with the exact live heap there.
TEST(PlotViews, ASmallBudgetCoarsensTheIndexAndStaysExactAtWhatItResolves) {
  ScratchDir dir;
  test_support::SyntheticTrace synthetic(901);
  const uint64_t t = test_support::SyntheticTrace::Soon();
  synthetic.Start(t, "/bin/app");
  synthetic.Mark(t, "zero");
  constexpr uint64_t kBlocks = 1000, kStep = 1000, kLife = 10'000;
  for (uint64_t i = 0; i < kBlocks + 10; ++i) {
    if (i >= 10) synthetic.Free(t + (i - 10) * kStep + kLife, 0x10000 + (i - 10) * 0x1000);
    if (i < kBlocks) synthetic.Alloc(t + i * kStep, 0x10000 + i * 0x1000, 1000, kNoStack);
  }
  synthetic.Exit(t + 2 * kBlocks * kStep, 0);
  const std::string trace = dir.File("t.mwt"), page = dir.File("t.html");
  synthetic.Write(trace);
  Plot({trace, "-o", page, "--index-entries", "100"});
  const json data = PageData(ReadFile(page))["traces"][0];
  const json& index = data["instants"];
  EXPECT_EQ(index["quantum_ns"], 100'000);
  EXPECT_LE(index["entries"].get<uint64_t>(), 100u);
  EXPECT_EQ(index["changes"], 2 * kBlocks);

  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  // 500,050 ns after the mark: snapped down to a multiple of 100 us since the trace's creation.
  const uint64_t zero = MarkTime(data, "zero");
  const std::string dom = Dom(chromium, dir, page, "t=" + Seconds(zero + 500'050));
  const int64_t at = SectionValue(dom, "data-at-ns");
  EXPECT_EQ(at % 100'000, 0);
  EXPECT_LE(at, int64_t(zero + 500'050));
  EXPECT_GT(at + 100'000, int64_t(zero + 500'050));
  // The truth at `at`: blocks allocated before it and not yet freed before it.
  int64_t live = 0;
  for (uint64_t i = 0; i < kBlocks; ++i) {
    const int64_t allocated = int64_t(zero + i * kStep), freed = allocated + int64_t(kLife);
    if (allocated < at && freed >= at) live += 1000;
  }
  EXPECT_EQ(SectionValue(dom, "data-total-bytes"), live);
  EXPECT_NE(dom.find("the index resolves 100 \u00b5s"), std::string::npos);
}

// Two runs of one program (no rank in their session info): site A held 100 bytes at the
// peak before and 300 after, site B is new with 50; A allocated 100 then 400 bytes in all.
std::string WriteRun(const ScratchDir& dir, const std::string& name, bool after) {
  test_support::SyntheticTrace synthetic(after ? 951 : 950);
  const uint64_t t = test_support::SyntheticTrace::Soon();
  synthetic.Start(t, "/bin/app");
  synthetic.Stack(1, {0x401000});
  synthetic.Stack(2, {0x402000});
  if (after) {
    synthetic.Alloc(t + 1000, 0x5000, 100, 1);
    synthetic.Free(t + 2000, 0x5000);
    synthetic.Alloc(t + 3000, 0x6000, 300, 1);
    synthetic.Alloc(t + 4000, 0x7000, 50, 2);
  } else {
    synthetic.Alloc(t + 1000, 0x5000, 100, 1);
  }
  synthetic.Exit(t + 10'000, 0);
  const std::string path = dir.File(name);
  synthetic.Write(path);
  return path;
}

TEST(PlotViews, TwoRunsOfOneProgramAreComparedNotTreatedAsRanks) {
  ScratchDir dir;
  const std::string before = WriteRun(dir, "before.mwt", false);
  const std::string after = WriteRun(dir, "after.mwt", true);
  const std::string page = dir.File("compare.html");
  Plot({before, after, "-o", page});
  const std::string html = ReadFile(page);
  EXPECT_EQ(html.find("id=\"job-section\""), std::string::npos) << "no ranks, no ranks view";
  EXPECT_FALSE(PageData(html).contains("job"));
  EXPECT_NE(html.find("id=\"compare-section\""), std::string::npos);
  // `memwrap report A B` lists each trace's own sites too.
  CommandResult report = RunProgram({kMemwrap, "report", "--format", "json", before, after});
  ASSERT_EQ(report.exit_code(), 0) << report.err;
  const json merged = json::parse(report.out);
  ASSERT_EQ(merged["traces"].size(), 2u);
  ASSERT_EQ(merged["traces"][0]["peak_sites"].size(), 1u);
  EXPECT_EQ(merged["traces"][0]["peak_sites"][0]["bytes"], 100);
  ASSERT_EQ(merged["traces"][1]["peak_sites"].size(), 2u);
  EXPECT_EQ(merged["traces"][1]["peak_sites"][0]["bytes"], 300);
  EXPECT_EQ(merged["traces"][1]["peak_sites"][1]["bytes"], 50);
  CommandResult text = RunProgram({kMemwrap, "report", before, after});
  ASSERT_EQ(text.exit_code(), 0) << text.err;
  EXPECT_NE(text.out.find("live at its peak, by call site (top 2 of 2):\n"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("             300 bytes  "), std::string::npos) << text.out;
  // Two runs of one program are no parallel job: no imbalance, no host's summed heap.
  EXPECT_EQ(text.out.find("Imbalance"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("summed heap"), std::string::npos) << text.out;

  MEMWRAP_REQUIRE_TOOL(chromium, "chromium", "chromium");
  const std::string dom = Dom(chromium, dir, page, "compare");
  // At peak before, after, change; allocated before, after, change.
  EXPECT_EQ(RowBytes(dom, "??+0x400fff", "compare-table"),
            (std::vector<int64_t>{100, 300, 200, 100, 400, 300}));
  EXPECT_EQ(RowBytes(dom, "??+0x401fff", "compare-table"),
            (std::vector<int64_t>{0, 50, 50, 0, 50, 50}));
  // The differential flame graph: the after trace's frames with their change.
  EXPECT_NE(dom.find("data-difference=\"yes\""), std::string::npos);
  EXPECT_NE(dom.find("<g class=\"frame\" data-change=\"200\">"), std::string::npos);
  EXPECT_NE(dom.find("+200 bytes against before</title>"), std::string::npos);
}

}  // namespace
}  // namespace memwrap
