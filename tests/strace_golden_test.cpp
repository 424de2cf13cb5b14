// stracedrv against strace 6.1 on what users read: the same programs traced by both (ASLR off,
// so that addresses agree), each output normalized (pids numbered in order of appearance,
// `<unfinished ...>` / `<... resumed>` pairs joined, as their split depends on scheduling),
// compared process by process (the interleaving of processes depends on scheduling too). The
// share of identical lines must be at least 90% for every program; the lines that differ are
// printed. MEMWRAP_GOLDEN_STRACEDRV names another stracedrv to measure (an older build).
#include <ctype.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace memwrap {
namespace {

using test_support::CommandResult;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kStracedrv = test_support::BuiltFile("stracedrv");
const std::string kGoldenProgram = test_support::BuiltFile("strace_golden");

// One output: its lines per process, processes in order of first appearance.
using Processes = std::vector<std::vector<std::string>>;

// strace's rule for the result column: `) `, spaces up to column 40, `= `.
std::string Repad(const std::string& prefix, const std::string& body) {
  // The last ") = " of the line: search from each candidate.
  size_t at = std::string::npos;
  for (size_t pos = body.rfind(") "); pos != std::string::npos;
       pos = pos == 0 ? std::string::npos : body.rfind(") ", pos - 1)) {
    size_t after = pos + 1;
    while (after < body.size() && body[after] == ' ') ++after;
    if (after + 1 < body.size() && body[after] == '=' && body[after + 1] == ' ') {
      at = pos;
      break;
    }
  }
  if (at == std::string::npos) return prefix + body;
  size_t result = at + 1;
  while (body[result] == ' ') ++result;
  std::string head = prefix + body.substr(0, at + 1) + " ";
  if (head.size() < 40) head += std::string(40 - head.size(), ' ');
  return (head + body.substr(result)).substr(prefix.size());
}

// `text` with each whole-word `word` (not part of a longer number or name) replaced.
std::string ReplaceWord(const std::string& text, const std::string& word, const std::string& by) {
  auto is_word = [](char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::string out;
  size_t at = 0;
  for (size_t found = text.find(word); found != std::string::npos;
       found = text.find(word, found + 1)) {
    const size_t end = found + word.size();
    if ((found > 0 && is_word(text[found - 1])) || (end < text.size() && is_word(text[end])))
      continue;
    out += text.substr(at, found - at) + by;
    at = end;
  }
  return out + text.substr(at);
}

Processes Normalize(const std::string& text, bool with_pids) {
  std::vector<std::string> pids;                // in order of appearance
  std::map<std::string, std::string> pending;   // pid -> line up to " <unfinished ...>"
  std::map<std::string, std::string> prefixes;  // pid -> its prefix as printed ("123   ")
  std::string single_pid;                       // without -f
  std::vector<std::pair<std::string, std::string>> lines;  // pid, body
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    std::string pid = "1", body = line;
    size_t digits = 0;
    while (digits < line.size() && isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
    if (with_pids && digits > 0 && digits < line.size() && line[digits] == ' ') {
      size_t start = digits;
      while (start < line.size() && line[start] == ' ') ++start;
      pid = line.substr(0, digits);
      body = line.substr(start);
      prefixes[pid] = line.substr(0, start);
    }
    // Without -f there is one process and no prefix: its pid is what set_tid_address returns.
    const std::string set_tid = "set_tid_address(";
    if (!with_pids && body.rfind(set_tid, 0) == 0 && single_pid.empty()) {
      const size_t equals = body.rfind("= ");
      if (equals != std::string::npos) single_pid = body.substr(equals + 2);
    }
    if (with_pids && std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
    const std::string unfinished = " <unfinished ...>";
    if (body.size() >= unfinished.size() &&
        body.compare(body.size() - unfinished.size(), unfinished.size(), unfinished) == 0) {
      pending[pid] = body.substr(0, body.size() - unfinished.size());
      lines.emplace_back(pid, "");  // its place; filled when resumed
      continue;
    }
    const size_t resumed = body.find(" resumed>");
    if (body.rfind("<... ", 0) == 0 && resumed != std::string::npos && pending.count(pid) != 0) {
      const std::string joined = pending[pid] + body.substr(resumed + 9);
      pending.erase(pid);
      for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        if (it->first == pid && it->second.empty()) {
          it->second = Repad(prefixes[pid], joined);
          break;
        }
      }
      continue;
    }
    lines.emplace_back(pid, body);
  }
  for (auto& [pid, body] : lines) {
    if (body.empty() && pending.count(pid) != 0) body = pending[pid] + " <unfinished ...>";
  }
  // Pids become P1, P2, ... wherever they appear (results, kill's argument, si_pid=...).
  if (!with_pids) pids.assign(1, single_pid.empty() ? "1" : single_pid);
  Processes processes(pids.size());
  for (auto& [pid, body] : lines) {
    if (body.empty()) continue;
    std::string normalized = body;
    for (size_t i = 0; i < pids.size(); ++i) {
      normalized = ReplaceWord(normalized, pids[i], "P" + std::to_string(i + 1));
    }
    const size_t index =
        with_pids ? size_t(std::find(pids.begin(), pids.end(), pid) - pids.begin()) : 0;
    processes[index].push_back(normalized);
  }
  return processes;
}

// Longest common subsequence of two line lists: which lines match.
size_t CommonLines(const std::vector<std::string>& a, const std::vector<std::string>& b,
                   std::vector<bool>* a_matched, std::vector<bool>* b_matched) {
  std::vector<std::vector<uint32_t>> table(a.size() + 1, std::vector<uint32_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      table[i][j] =
          a[i] == b[j] ? table[i + 1][j + 1] + 1 : std::max(table[i + 1][j], table[i][j + 1]);
    }
  }
  a_matched->assign(a.size(), false);
  b_matched->assign(b.size(), false);
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) {
      (*a_matched)[i++] = true;
      (*b_matched)[j++] = true;
    } else if (table[i + 1][j] >= table[i][j + 1]) {
      ++i;
    } else {
      ++j;
    }
  }
  return table[0][0];
}

struct Comparison {
  size_t theirs = 0;
  size_t ours = 0;
  size_t identical = 0;
  std::string differences;
  double share() const {
    return double(identical) / double(std::max<size_t>(1, std::max(theirs, ours)));
  }
};

Comparison Compare(const std::string& theirs_text, const std::string& ours_text, bool with_pids) {
  const Processes theirs = Normalize(theirs_text, with_pids);
  const Processes ours = Normalize(ours_text, with_pids);
  Comparison result;
  for (size_t p = 0; p < std::max(theirs.size(), ours.size()); ++p) {
    static const std::vector<std::string> kNone;
    const auto& a = p < theirs.size() ? theirs[p] : kNone;
    const auto& b = p < ours.size() ? ours[p] : kNone;
    std::vector<bool> a_matched, b_matched;
    result.identical += CommonLines(a, b, &a_matched, &b_matched);
    result.theirs += a.size();
    result.ours += b.size();
    for (size_t i = 0; i < a.size(); ++i) {
      if (!a_matched[i])
        result.differences += "  P" + std::to_string(p + 1) + " strace:    " + a[i] + "\n";
    }
    for (size_t i = 0; i < b.size(); ++i) {
      if (!b_matched[i])
        result.differences += "  P" + std::to_string(p + 1) + " stracedrv: " + b[i] + "\n";
    }
  }
  return result;
}

struct GoldenCase {
  const char* title;
  std::vector<std::string> options;  // for both tracers
  std::vector<std::string> program;
};

class StraceGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(StraceGolden, AtLeastNinetyPercentOfLinesIdenticalToStrace) {
  if (access("/usr/bin/strace", X_OK) != 0) GTEST_SKIP() << "strace is not installed";
  if (access("/usr/bin/setarch", X_OK) != 0) GTEST_SKIP() << "setarch is not installed";
  const char* other = getenv("MEMWRAP_GOLDEN_STRACEDRV");
  const std::string stracedrv = other != nullptr && *other != '\0' ? other : kStracedrv;
  const GoldenCase& golden = GetParam();
  ScratchDir dir;
  test_support::WriteFile(dir.File("hello.txt"), "hello\n");
  ASSERT_EQ(RunProgram({"/bin/mkdir", "-p", dir.File("lsdir"), dir.File("scratch")}).exit_code(),
            0);
  test_support::WriteFile(dir.File("lsdir/a"), "");
  test_support::WriteFile(dir.File("lsdir/b"), "");
  auto run = [&](const std::string& tracer, const std::string& output) {
    std::vector<std::string> argv = {"/usr/bin/setarch", "x86_64", "-R", tracer, "-o", output};
    argv.insert(argv.end(), golden.options.begin(), golden.options.end());
    for (const std::string& arg : golden.program)
      argv.push_back(arg == "GOLDEN" ? kGoldenProgram : arg);
    return RunProgram(argv, dir.path());
  };
  CommandResult theirs_run = run("/usr/bin/strace", dir.File("theirs.txt"));
  ASSERT_TRUE(theirs_run.exited()) << theirs_run.err;
  if (theirs_run.err.find("Operation not permitted") != std::string::npos) {
    GTEST_SKIP() << "setarch -R or ptrace is not permitted here: " << theirs_run.err;
  }
  CommandResult ours_run = run(stracedrv, dir.File("ours.txt"));
  ASSERT_TRUE(ours_run.exited()) << ours_run.err;
  EXPECT_EQ(ours_run.exit_code(), theirs_run.exit_code()) << ours_run.err;
  const bool with_pids =
      std::find(golden.options.begin(), golden.options.end(), "-f") != golden.options.end();
  const Comparison comparison = Compare(test_support::ReadFile(dir.File("theirs.txt")),
                                        test_support::ReadFile(dir.File("ours.txt")), with_pids);
  printf("golden %-22s %4zu strace lines, %4zu stracedrv lines, %4zu identical: %.1f%%\n",
         golden.title, comparison.theirs, comparison.ours, comparison.identical,
         100.0 * comparison.share());
  if (!comparison.differences.empty()) printf("%s", comparison.differences.c_str());
  EXPECT_GE(comparison.share(), 0.90) << "lines that differ:\n" << comparison.differences;
}

INSTANTIATE_TEST_SUITE_P(
    Programs, StraceGolden,
    ::testing::Values(GoldenCase{"true", {}, {"/bin/true"}},
                      GoldenCase{"cat", {}, {"/bin/cat", "hello.txt"}},
                      GoldenCase{"cat_y_s8", {"-y", "-s", "8"}, {"/bin/cat", "hello.txt"}},
                      GoldenCase{"ls", {}, {"/bin/ls", "lsdir"}},
                      GoldenCase{"ls_l", {}, {"/bin/ls", "-l", "lsdir"}},
                      GoldenCase{"golden_f", {"-f"}, {"GOLDEN", "scratch"}},
                      GoldenCase{"sh_f", {"-f"}, {"/bin/sh", "-c", "echo hi; /bin/true"}}),
    [](const ::testing::TestParamInfo<GoldenCase>& case_info) {
      return std::string(case_info.param.title);
    });

// The normalization itself: pids numbered, an unfinished call joined with its resumption and
// its result column recomputed.
TEST(StraceGoldenNormalize, JoinsResumedLinesAndNumbersPids) {
  const std::string text =
      "500   wait4(501,  <unfinished ...>\n"
      "501   exit_group(3)                     = ?\n"
      "500   <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 501\n";
  const Processes processes = Normalize(text, true);
  ASSERT_EQ(processes.size(), 2u);
  ASSERT_EQ(processes[0].size(), 1u);
  EXPECT_EQ(processes[0][0], "wait4(P2, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = P2");
  EXPECT_EQ(processes[1][0], "exit_group(3)                     = ?");
  std::vector<bool> a, b;
  EXPECT_EQ(CommonLines({"x", "y", "z"}, {"x", "z", "w"}, &a, &b), 2u);
}

}  // namespace
}  // namespace memwrap
