// The procfs room: /proc read in one go and its text parsed, checked against this test
// process's own files (whose pid, name and parent it knows) and against fixed text.
#include <gtest/gtest.h>
#include <string.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "procfs/proc_files.h"
#include "procfs/proc_text.h"

namespace memwrap {
namespace {

TEST(ProcFiles, ReadsThisProcessesOwnStatus) {
  EXPECT_EQ(ProcPath(42, "status"), "/proc/42/status");
  const std::string status = ReadProcFile(getpid(), "status");
  const char* pid = ProcField(status.c_str(), "Pid");
  ASSERT_NE(pid, nullptr) << status;
  EXPECT_EQ(std::stoul(pid), unsigned(getpid()));
  const char* parent = ProcField(status.c_str(), "PPid");
  ASSERT_NE(parent, nullptr);
  EXPECT_EQ(std::stoul(parent), unsigned(getppid()));
  EXPECT_EQ(ProcField(status.c_str(), "NoSuchKey"), nullptr);
  // "Pid" must not match the "PPid" line, nor a key that only starts the same.
  EXPECT_EQ(ProcField("PPid:\t1\n", "Pid"), nullptr);
  EXPECT_EQ(ProcField("Pidfoo:\t1\n", "Pid"), nullptr);
}

TEST(ProcFiles, SnapshotsWithoutAllocatingAndSaysWhenItCannot) {
  char buffer[8192];
  size_t length = 0;
  ASSERT_TRUE(ReadProcSnapshot("/proc/self/status", buffer, sizeof(buffer), &length));
  EXPECT_EQ(strlen(buffer), length);
  EXPECT_NE(ProcField(buffer, "VmRSS"), nullptr);
  EXPECT_FALSE(ReadProcSnapshot("/proc/self/no-such-file", buffer, sizeof(buffer), &length));
  std::string text = "left over";
  EXPECT_FALSE(ReadProcFile("/proc/self/no-such-file", &text));
  EXPECT_TRUE(text.empty());
  EXPECT_EQ(ReadProcFile(getpid(), "no-such-file"), "");
}

TEST(ProcText, MeminfoValuesInBytesAndCountsAsTheyAre) {
  const std::string_view meminfo =
      "MemTotal:       24572000 kB\nMemFree:  100 kB\nHugePages_Total:       3\nMem: x\n";
  uint64_t bytes = 0;
  ASSERT_TRUE(MeminfoBytes(meminfo, "MemTotal", &bytes));
  EXPECT_EQ(bytes, 24572000ull * 1024);
  ASSERT_TRUE(MeminfoBytes(meminfo, "HugePages_Total", &bytes));
  EXPECT_EQ(bytes, 3u);
  EXPECT_FALSE(MeminfoBytes(meminfo, "Mem", &bytes));  // a value that is not a number
  EXPECT_FALSE(MeminfoBytes(meminfo, "MemAvailable", &bytes));
}

TEST(ProcText, SplitsAndParsesFieldsExactly) {
  EXPECT_EQ(Fields("  a \tbb  c "), (std::vector<std::string_view>{"a", "bb", "c"}));
  EXPECT_EQ(Lines("one\ntwo\n"), (std::vector<std::string_view>{"one", "two"}));
  uint64_t value = 0;
  EXPECT_TRUE(ParseU64("18446744073709551615", &value));
  EXPECT_EQ(value, 18446744073709551615ull);
  EXPECT_FALSE(ParseU64("18446744073709551616", &value));
  EXPECT_FALSE(ParseU64("12a", &value));
  EXPECT_FALSE(ParseU64("", &value));
  uint32_t milli = 0;
  EXPECT_TRUE(ParseMilli("9.87", &milli));
  EXPECT_EQ(milli, 9870u);
  EXPECT_TRUE(ParseMilli("3", &milli));
  EXPECT_EQ(milli, 3000u);
  EXPECT_FALSE(ParseMilli("1.2345", &milli));
  char name[4];
  CopyName("abcdef", name, sizeof(name));
  EXPECT_STREQ(name, "abc");
}

}  // namespace
}  // namespace memwrap
