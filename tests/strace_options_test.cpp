// stracedrv's command line (cli/strace_options.h): strace's own syntax, read by the one option
// parser every command uses (cli/command_line.h), options applied in the order given.
#include "cli/strace_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace memwrap {
namespace {

StraceOptions Parsed(const std::vector<std::string>& args) {
  StraceOptions options;
  EXPECT_EQ(ParseStraceOptions(args, &options), -1);
  return options;
}

TEST(StraceOptions, RepeatedFlagsCount) {
  EXPECT_TRUE(Parsed({"-ff", "-o", "out", "ls"}).separate);
  EXPECT_TRUE(Parsed({"-f", "-f", "-o", "out", "ls"}).separate);
  EXPECT_FALSE(Parsed({"-f", "-o", "out", "ls"}).separate);
  EXPECT_FALSE(Parsed({"-ff", "ls"}).separate);  // as strace: -ff needs -o
  EXPECT_EQ(Parsed({"-t", "ls"}).time_format, 1);
  EXPECT_EQ(Parsed({"-tt", "ls"}).time_format, 2);
  EXPECT_EQ(Parsed({"-t", "-tt", "ls"}).time_format, 3);
  EXPECT_EQ(Parsed({"-tttt", "ls"}).time_format, 3);
}

TEST(StraceOptions, ValuesGluedSeparateOrAfterEquals) {
  StraceOptions options = Parsed({"-s64", "-etrace=openat", "-o", "out", "ls"});
  EXPECT_EQ(options.string_limit, 64u);
  EXPECT_EQ(options.trace_spec, "openat");
  EXPECT_EQ(options.output, "out");
  options = Parsed({"-s", "7", "-e", "status=failed", "--output=x", "ls"});
  EXPECT_EQ(options.string_limit, 7u);
  EXPECT_EQ(options.status, kStatusFailed);
  EXPECT_EQ(options.output, "x");
  options = Parsed({"-fTs", "9", "ls"});  // a cluster ends with the option that takes a value
  EXPECT_TRUE(options.follow);
  EXPECT_TRUE(options.show_duration);
  EXPECT_EQ(options.string_limit, 9u);
}

TEST(StraceOptions, AnOptionalValueIsTakenOnlyAfterEquals) {
  StraceOptions options = Parsed({"-T", "ls", "-l"});
  EXPECT_TRUE(options.show_duration);
  EXPECT_EQ(options.program, (std::vector<std::string>{"ls", "-l"}));
  options = Parsed({"--syscall-times", "ls"});
  EXPECT_TRUE(options.show_duration);
  EXPECT_EQ(options.program, (std::vector<std::string>{"ls"}));
  EXPECT_EQ(Parsed({"--absolute-timestamps=unix", "ls"}).time_format, 3);
  EXPECT_EQ(Parsed({"--absolute-timestamps", "ls"}).time_format, 1);
  options = Parsed({"-yT", "cat"});
  EXPECT_TRUE(options.fd_paths);
  EXPECT_TRUE(options.show_duration);
}

TEST(StraceOptions, LaterOptionsWin) {
  EXPECT_EQ(Parsed({"--write-trace", "t.mwt", "--no-trace", "ls"}).write_trace, "");
  EXPECT_EQ(Parsed({"--no-trace", "--write-trace", "t.mwt", "ls"}).write_trace, "t.mwt");
  EXPECT_EQ(Parsed({"-z", "-Z", "ls"}).status, kStatusFailed);
}

TEST(StraceOptions, TheProgramsOwnOptionsAreItsOwn) {
  StraceOptions options = Parsed({"-f", "sh", "-c", "echo -f"});
  EXPECT_EQ(options.program, (std::vector<std::string>{"sh", "-c", "echo -f"}));
  options = Parsed({"--", "-weird-name", "-f"});
  EXPECT_FALSE(options.follow);
  EXPECT_EQ(options.program, (std::vector<std::string>{"-weird-name", "-f"}));
}

TEST(StraceOptions, BadCommandLinesExitWithUsage) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"-x", "ls"},
           {"--strng-limit", "5", "ls"},
           {"--json=yes", "ls"},
           {"-s"},
           {"-s", "many", "ls"},
           {"-p", "1", "ls"},
           {},
       }) {
    StraceOptions options;
    EXPECT_EQ(ParseStraceOptions(args, &options), 2) << testing::PrintToString(args);
  }
}

}  // namespace
}  // namespace memwrap
