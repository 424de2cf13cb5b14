// The syscall table, selections, summary and decoders, without ptrace.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

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
  EXPECT_TRUE(selection.Has(9));  // mmap
  EXPECT_TRUE(selection.Has(uint32_t(SyscallNumber("brk"))));
  EXPECT_FALSE(selection.Has(0));  // read
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
            std::string::npos)
      << table;
  EXPECT_NE(table.find("total"), std::string::npos);
  EXPECT_EQ(summary.FormatCounts(), "close 2");
}

TEST(SyscallDecoder, ResultsAndNumbers) {
  CallState state;
  const DecodeOptions options;
  EXPECT_EQ(DecodeResult(0, -2, state, options), "-1 ENOENT (No such file or directory)");
  EXPECT_EQ(DecodeResult(0, 42, state, options), "42");
  // The kernel's restart codes, each as strace names it.
  EXPECT_EQ(DecodeResult(0, -512, state, options),
            "? ERESTARTSYS (To be restarted if SA_RESTART is set)");
  EXPECT_EQ(DecodeResult(0, -516, state, options),
            "? ERESTART_RESTARTBLOCK (Interrupted by signal)");
  state.format = ResultFormat::kHex;
  EXPECT_EQ(DecodeResult(0, 0x7f0000000000, state, options), "0x7f0000000000");
  EXPECT_EQ(ErrnoName(-9), "EBADF");
  EXPECT_EQ(ErrnoName(3), "");
  // mmap's arguments, all known at the entry.
  const uint64_t mmap_args[6] = {0, 4096, 3, 0x22, uint64_t(-1), 0};
  CallState mmap_state;
  EXPECT_EQ(DecodeEntry(getpid(), 9, SyscallArch::kX86_64, mmap_args, options, &mmap_state),
            "NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0");
  EXPECT_FALSE(mmap_state.exit_pending);
  // openat: the path read from the (here: own) memory, AT_FDCWD, flags; no mode without
  // O_CREAT, a mode with it.
  const char* path = "/etc/passwd";
  uint64_t openat_args[6] = {uint64_t(int64_t(AT_FDCWD)),
                             uint64_t(uintptr_t(path)),
                             O_RDONLY | O_CLOEXEC | O_DIRECTORY,
                             0,
                             0,
                             0};
  CallState openat_state;
  EXPECT_EQ(DecodeEntry(getpid(), uint32_t(SyscallNumber("openat")), SyscallArch::kX86_64,
                        openat_args, options, &openat_state),
            "AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC|O_DIRECTORY");
  openat_args[2] = O_WRONLY | O_CREAT | O_TRUNC;
  openat_args[3] = 0644;
  CallState create_state;
  EXPECT_EQ(DecodeEntry(getpid(), uint32_t(SyscallNumber("openat")), SyscallArch::kX86_64,
                        openat_args, options, &create_state),
            "AT_FDCWD, \"/etc/passwd\", O_WRONLY|O_CREAT|O_TRUNC, 0644");
  // read: the descriptor at the entry, the buffer (cut at -s) and the count at the exit.
  char buffer[64] = "hello, world, this is a long line of text!";
  const uint64_t read_args[6] = {3, uint64_t(uintptr_t(buffer)), 64, 0, 0, 0};
  CallState read_state;
  DecodeOptions short_strings;
  short_strings.string_limit = 5;
  EXPECT_EQ(DecodeEntry(getpid(), 0, SyscallArch::kX86_64, read_args, short_strings, &read_state),
            "3, ");
  EXPECT_EQ(
      DecodeExit(getpid(), 0, SyscallArch::kX86_64, read_args, 42, short_strings, &read_state),
      "\"hello\"..., 64");
  // A call with no decoder of its own still gets typed arguments (no raw hex words).
  const uint64_t kcmp_args[6] = {1, 2, 3, 4, 5, 0};
  CallState kcmp_state;
  EXPECT_EQ(DecodeEntry(getpid(), uint32_t(SyscallNumber("kcmp")), SyscallArch::kX86_64, kcmp_args,
                        options, &kcmp_state),
            "1, 2, 3, 4, 5");
  // A 32-bit call is named from the i386 table (x86_64's 20 is writev, its 8 lseek).
  EXPECT_EQ(Syscall(20, SyscallArch::kI386).name, "getpid");
  EXPECT_EQ(Syscall(8, SyscallArch::kI386).name, "creat");
}

TEST(SyscallDecoder, SignalsAndSiginfoAsStracePrintsThem) {
  EXPECT_EQ(SignalName(SIGTERM), "SIGTERM");
  EXPECT_EQ(SignalName(33), "SIGRT_1");
  uint64_t mask = (1ull << (SIGUSR2 - 1)) | (1ull << (SIGCHLD - 1));
  EXPECT_EQ(FormatSignalSet(reinterpret_cast<const uint8_t*>(&mask), 8), "[USR2 CHLD]");
  mask = ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
  EXPECT_EQ(FormatSignalSet(reinterpret_cast<const uint8_t*>(&mask), 8), "~[KILL STOP]");
  siginfo_t info{};
  info.si_signo = SIGCHLD;
  info.si_code = CLD_EXITED;
  info.si_pid = 42;
  info.si_status = 3;
  EXPECT_EQ(FormatSiginfo(&info),
            "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=42, si_uid=0, si_status=3, si_utime=0, "
            "si_stime=0}");
}

// The classes are strace 6.1's (generated from its table): the calls the issue found missing
// or wrongly added.
TEST(SyscallSelection, ClassesAreStraces) {
  auto in = [](const char* spec, const char* name) {
    SyscallSelection selection;
    EXPECT_EQ(SyscallSelection::ParseStraceSpec(spec, &selection), "") << spec;
    return selection.Has(uint32_t(SyscallNumber(name)));
  };
  for (const char* name : {"getxattr", "lgetxattr", "setxattr", "truncate", "statfs", "utimes"}) {
    EXPECT_TRUE(in("%file", name)) << name;
  }
  EXPECT_TRUE(in("%process", "pidfd_send_signal"));
  EXPECT_TRUE(in("%signal", "pidfd_send_signal"));
  EXPECT_TRUE(in("%memory", "io_setup"));
  EXPECT_TRUE(in("%memory", "io_destroy"));
  EXPECT_TRUE(in("%desc", "fgetxattr"));
  EXPECT_FALSE(in("%desc", "socket")) << "strace's socket is %network only";
  EXPECT_FALSE(in("%desc", "close_range"));
  // Without the %, as strace's legacy names; %%stat and the others strace knows.
  EXPECT_TRUE(in("file", "openat"));
  EXPECT_TRUE(in("%%stat", "newfstatat"));
  EXPECT_TRUE(in("%creds", "setuid"));
  EXPECT_TRUE(in("%clock", "clock_gettime"));
  EXPECT_TRUE(in("%pure", "getpid"));
  // The complement, a regular expression, an optional unknown name.
  EXPECT_FALSE(in("!read", "read"));
  EXPECT_TRUE(in("!read", "write"));
  EXPECT_TRUE(in("/getxattr$", "lgetxattr"));
  EXPECT_FALSE(in("/^getxattr$", "lgetxattr"));
  EXPECT_TRUE(in("?nosuchcall,read", "read"));
}

}  // namespace
}  // namespace memwrap
