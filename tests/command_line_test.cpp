// memwrap's command lines as getopt, git and heaptrack users expect them: sizes and durations in
// common spellings, bundled and glued short options, no guessing of long ones, "did you mean",
// --version and `memwrap help COMMAND`. Units first, then the real binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "cli/did_you_mean.h"
#include "tests/test_support.h"

namespace memwrap {
namespace {

namespace po = boost::program_options;
using test_support::CommandResult;
using test_support::FileExists;
using test_support::RunProgram;
using test_support::ScratchDir;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kExitWith = test_support::BuiltFile("exit_with");

TEST(CommandLine, ClosestNameIsATypoOrABeginning) {
  const std::vector<std::string> commands = {"run", "report", "diff", "timeline", "plot"};
  EXPECT_EQ(ClosestName("reprot", commands), "report");
  EXPECT_EQ(ClosestName("tiemline", commands), "timeline");
  EXPECT_EQ(ClosestName("rum", commands), "run");
  EXPECT_EQ(ClosestName("ls", commands), "");
  EXPECT_EQ(ClosestName("python3", commands), "");
  EXPECT_EQ(ClosestName("--out", {"--output", "--force"}), "--output");
}

po::options_description RunLikeOptions(std::string* output, bool* quiet, int* top) {
  po::options_description options;
  options.add_options()("help", "help")("output,o", po::value<std::string>(output), "file")(
      "quiet,q", po::bool_switch(quiet), "quiet")("top", po::value<int>(top), "n");
  return options;
}

TEST(CommandLine, ShortOptionsBundleGlueAndTakeTheNextArgument) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-q", "-o", "x.mwt", "prog", "-o", "y"},
        {"-qo", "x.mwt", "prog", "-o", "y"},
        {"-qox.mwt", "prog", "-o", "y"},
        {"-qo=x.mwt", "prog", "-o", "y"},
        {"-q", "-o=x.mwt", "prog", "-o", "y"},
        {"-q", "--output=x.mwt", "prog", "-o", "y"},
        {"-q", "--output", "x.mwt", "--", "prog", "-o", "y"}}) {
    std::string output;
    bool quiet = false;
    int top = 0;
    po::options_description options = RunLikeOptions(&output, &quiet, &top);
    SplitCommandLine split = SplitAtProgram(args, options);
    EXPECT_EQ(split.program, (std::vector<std::string>{"prog", "-o", "y"})) << args[0];
    po::variables_map vm;
    EXPECT_EQ(ParseOptions(split.options, options, "memwrap", &vm), -1) << args[0];
    EXPECT_EQ(output, "x.mwt") << args[0];
    EXPECT_TRUE(quiet) << args[0];
  }
  // A value that begins with '-' stays a value.
  std::string output;
  bool quiet = false;
  int top = 0;
  po::options_description options = RunLikeOptions(&output, &quiet, &top);
  SplitCommandLine split = SplitAtProgram({"--top", "-3", "-o", "-x", "prog"}, options);
  po::variables_map vm;
  EXPECT_EQ(ParseOptions(split.options, options, "memwrap", &vm), -1);
  EXPECT_EQ(top, -3);
  EXPECT_EQ(output, "-x");
  EXPECT_EQ(split.program, std::vector<std::string>{"prog"});
  EXPECT_FALSE(split.after_double_dash);
}

TEST(CommandLine, LongOptionsAreNeverGuessedAndTheRefusalSuggests) {
  ScratchDir dir;
  CommandResult run = RunProgram({kMemwrap, "--out", dir.File("t.mwt"), kExitWith, "0"});
  EXPECT_EQ(run.exit_code(), 2);
  EXPECT_NE(run.err.find("'--out'"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("did you mean --output?"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_FALSE(FileExists(dir.File("t.mwt")));
  CommandResult report = RunProgram({kMemwrap, "report", "--tpo", "3", dir.File("t.mwt")});
  EXPECT_EQ(report.exit_code(), 2);
  EXPECT_NE(report.err.find("memwrap report: "), std::string::npos) << report.err;
  EXPECT_NE(report.err.find("did you mean --top?"), std::string::npos) << report.err;
}

TEST(CommandLine, GluedAndBundledOutputsNameTheFileGiven) {
  ScratchDir dir;
  CommandResult equals = RunProgram({kMemwrap, "-q", "-o=" + dir.File("a.mwt"), kExitWith, "3"});
  EXPECT_EQ(equals.exit_code(), 3) << equals.err;
  EXPECT_TRUE(FileExists(dir.File("a.mwt")));
  CommandResult bundled = RunProgram({kMemwrap, "-qo", dir.File("b.mwt"), kExitWith, "4"});
  EXPECT_EQ(bundled.exit_code(), 4) << bundled.err;
  EXPECT_TRUE(FileExists(dir.File("b.mwt")));
  EXPECT_EQ(bundled.err, "");  // -q
  CommandResult said = RunProgram({kMemwrap, "-o", dir.File("c.mwt"), kExitWith, "0"});
  EXPECT_EQ(said.exit_code(), 0) << said.err;
  EXPECT_EQ(said.err.rfind("memwrap: recording to " + dir.File("c.mwt") + "\n", 0), 0u) << said.err;
}

TEST(CommandLine, VersionHelpAndMistypedCommands) {
  for (const char* spelling : {"--version", "version"}) {
    CommandResult version = RunProgram({kMemwrap, spelling});
    EXPECT_EQ(version.exit_code(), 0);
    EXPECT_EQ(version.out, std::string("memwrap ") + MEMWRAP_VERSION + "\n");
  }
  CommandResult help = RunProgram({kMemwrap, "help", "report"});
  EXPECT_EQ(help.exit_code(), 0);
  CommandResult report_help = RunProgram({kMemwrap, "report", "--help"});
  EXPECT_EQ(help.out, report_help.out);
  EXPECT_NE(help.out.find("--top"), std::string::npos) << help.out;
  CommandResult run_help = RunProgram({kMemwrap, "--help"});
  EXPECT_NE(help.out, run_help.out);
  // `memwrap` alone and `memwrap --help` list the same commands, and every one of them has a
  // help of its own.
  CommandResult bare = RunProgram({kMemwrap});
  EXPECT_EQ(bare.exit_code(), 2);
  const std::string list = bare.err.substr(0, bare.err.find("\n\n") + 1);
  EXPECT_EQ(list.rfind("usage: memwrap [run] ", 0), 0u) << bare.err;
  EXPECT_EQ(run_help.out.rfind(list, 0), 0u) << run_help.out;
  for (const char* command : {"report", "diff", "timeline", "check", "baseline", "plot", "export",
                              "fltrec", "ltrace", "strace", "sys"}) {
    EXPECT_NE(list.find(std::string("       memwrap ") + command + " "), std::string::npos)
        << command << " missing from:\n"
        << list;
    CommandResult own = RunProgram({kMemwrap, "help", command});
    EXPECT_EQ(own.exit_code(), 0) << command << ": " << own.err;
  }
  CommandResult unknown_topic = RunProgram({kMemwrap, "help", "reprot"});
  EXPECT_EQ(unknown_topic.exit_code(), 2);
  EXPECT_NE(unknown_topic.err.find("did you mean 'report'?"), std::string::npos)
      << unknown_topic.err;
  // Not a command and not a program: run as a program (127, as a shell), with the hint.
  CommandResult mistyped = RunProgram({kMemwrap, "reprot", "x.mwt"});
  EXPECT_EQ(mistyped.exit_code(), 127);
  EXPECT_NE(mistyped.err.find("did you mean 'memwrap report'?"), std::string::npos) << mistyped.err;
  EXPECT_EQ(std::count(mistyped.err.begin(), mistyped.err.end(), '\n'), 1) << mistyped.err;
}

}  // namespace
}  // namespace memwrap
