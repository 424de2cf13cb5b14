// The syscall table, selections, summary and decoders, without ptrace.
#include <gtest/gtest.h>

#include "tracer/syscall_summary.h"
#include "tracer/syscalls/seccomp_filter.h"
#include "tracer/syscalls/syscall_decoder.h"
#include "tracer/syscalls/syscall_selection.h"
#include "tracer/syscalls/syscall_table.h"

namespace memwrap {
namespace {

TEST(SyscallTable, NamesComeFromTheKernelHeadersAndFactsFromTheTable) {
  EXPECT_EQ(Syscall(0).name, "read");
  EXPECT_EQ(SyscallNumber("mmap"), 9);
  EXPECT_EQ(SyscallNumber("no_such_call"), -1);
  EXPECT_EQ(Syscall(9).arguments, 6);
  EXPECT_TRUE(Syscall(9).classes & TM);
  EXPECT_EQ(Syscall(SyscallNumber("getppid")).arguments, 0);
  EXPECT_EQ(Syscall(1000).name, "syscall_1000");
}

TEST(SyscallSelection, StraceSpecsAndRunSpecs) {
  SyscallSelection selection;
  ASSERT_EQ(SyscallSelection::ParseStraceSpec("trace=%memory", &selection), "");
  EXPECT_TRUE(selection.Has(9));                              // mmap
  EXPECT_TRUE(selection.Has(uint32_t(SyscallNumber("brk"))));
  EXPECT_FALSE(selection.Has(0));                             // read
  ASSERT_EQ(SyscallSelection::ParseStraceSpec("openat,close", &selection), "");
  EXPECT_EQ(selection.Numbers().size(), 2u);
  ASSERT_EQ(SyscallSelection::ParseStraceSpec("%file,getpid", &selection), "");
  EXPECT_TRUE(selection.Has(uint32_t(SyscallNumber("openat"))));
  EXPECT_TRUE(selection.Has(uint32_t(SyscallNumber("getpid"))));
  EXPECT_NE(SyscallSelection::ParseStraceSpec("%bogus", &selection), "");
  EXPECT_NE(SyscallSelection::ParseStraceSpec("nosuchcall", &selection), "");
  ASSERT_EQ(SyscallSelection::ParseStraceSpec("all", &selection), "");
  EXPECT_TRUE(selection.all());

  ASSERT_EQ(SyscallSelection::ParseRunSpec("memory", &selection), "");
  for (const char* name : {"mmap", "munmap", "mremap", "brk", "madvise", "mprotect", "execve",
                           "clone", "fork", "vfork", "exit", "exit_group"}) {
    EXPECT_TRUE(selection.Has(uint32_t(SyscallNumber(name)))) << name;
  }
  EXPECT_FALSE(selection.Has(0));
  ASSERT_EQ(SyscallSelection::ParseRunSpec("none", &selection), "");
  EXPECT_TRUE(selection.empty());
  EXPECT_NE(SyscallSelection::ParseRunSpec("mmap,bogus", &selection), "");
}

TEST(SeccompFilter, OneCompareAndReturnPerTracedCall) {
  SyscallSelection selection;
  ASSERT_EQ(SyscallSelection::ParseRunSpec("mmap,munmap", &selection), "");
  // arch check (3), number load and x32 check (3), 2 per call, final allow.
  EXPECT_EQ(BuildSeccompFilter(selection).size(), 3u + 3u + 2u * 2u + 1u);
}

TEST(SyscallSummary, CountsCallsErrorsAndSkipsCallsThatNeverReturned) {
  SyscallSummary summary;
  SyscallEvent call;
  call.number = uint32_t(SyscallNumber("close"));
  call.entry_ns = 1000;
  call.exit_ns = 4000;
  call.result = -9;  // EBADF
  summary.Add(call);
  call.result = 0;
  summary.Add(call);
  SyscallEvent exit_group;
  exit_group.number = uint32_t(SyscallNumber("exit_group"));
  exit_group.finished = false;
  summary.Add(exit_group);
  EXPECT_EQ(summary.calls(call.number), 2u);
  EXPECT_EQ(summary.calls(exit_group.number), 0u);
  const std::string table = summary.FormatTable();
  EXPECT_NE(table.find("100.00    0.000006           3         2         1 close"),
            std::string::npos) << table;
  EXPECT_NE(table.find("total"), std::string::npos);
  EXPECT_EQ(summary.FormatCounts(), "close 2");
}

TEST(SyscallDecoder, ResultsAndNumbers) {
  EXPECT_EQ(DecodeResult(uint32_t(SyscallNumber("openat")), -2),
            "-1 ENOENT (No such file or directory)");
  EXPECT_EQ(DecodeResult(9, 0x7f0000000000), "0x7f0000000000");
  EXPECT_EQ(DecodeResult(0, 42), "42");
  EXPECT_EQ(ErrnoName(-9), "EBADF");
  EXPECT_EQ(ErrnoName(3), "");
  EXPECT_EQ(FormatNumber(uint64_t(-100)), "-100");
  EXPECT_EQ(FormatNumber(0xffffff9cu), "-100");  // AT_FDCWD passed as a 32-bit int
  EXPECT_EQ(FormatNumber(0x7ffc0000), "0x7ffc0000");
  const uint64_t args[6] = {0, 4096, 3, 0x22, uint64_t(-1), 0};
  EXPECT_EQ(DecodeArguments(0, 9, args),
            "NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0");
}

}  // namespace
}  // namespace memwrap
