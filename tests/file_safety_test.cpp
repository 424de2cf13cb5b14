// How memwrap creates the files it writes and opens the files it reads (fileio/): never
// through a symbolic link, never over another user's file, --force replaces atomically, a
// failed start leaves nothing behind; inputs that are not regular files, hostile chunk sizes
// and a damaged file header are refused at once with one line. Also the option values that
// make no sense (--top -1, -o "").
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <stddef.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <filesystem>
#include <thread>
#include <vector>

#include "fileio/input_file.h"
#include "fileio/output_file.h"
#include "memwrap/records.h"
#include "memwrap/trace_format.h"
#include "tests/test_support.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_reader.h"

extern char** environ;

namespace memwrap {
namespace {

using test_support::CommandResult;
using test_support::FileExists;
using test_support::ReadFile;
using test_support::RunProgram;
using test_support::ScratchDir;
using test_support::WriteFile;

const std::string kMemwrap = test_support::BuiltFile("memwrap");
const std::string kExitWith = test_support::BuiltFile("exit_with");
const std::string kPeakPattern = test_support::BuiltFile("peak_pattern");
constexpr uid_t kNobody = 65534;

size_t Lines(const std::string& text) {
  return size_t(std::count(text.begin(), text.end(), '\n'));
}

// The names in `dir` (a failed run must leave no .partial file behind).
std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Trace(const ScratchDir& dir, const std::string& name = "t.mwt") {
  const std::string trace = dir.File(name);
  CommandResult run = RunProgram({kMemwrap, "-q", "-o", trace, kPeakPattern});
  EXPECT_EQ(run.exit_code(), 0) << run.err;
  return trace;
}

// ---------------------------------------------------------------------------------------------
// The module itself

TEST(OutputFile, NeverWritesThroughASymbolicLinkWhateverTheRule) {
  ScratchDir dir;
  WriteFile(dir.File("victim"), "victim");
  ASSERT_EQ(symlink(dir.File("victim").c_str(), dir.File("link").c_str()), 0);
  for (ExistingFile rule : {ExistingFile::kRefuse, ExistingFile::kReplace, ExistingFile::kAppend}) {
    OutputFile file;
    EXPECT_EQ(file.Open(dir.File("link"), rule, 0644), "it is a symbolic link (refused)");
    EXPECT_FALSE(file.is_open());
  }
  EXPECT_EQ(ReadFile(dir.File("victim")), "victim");
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"link", "victim"}));
}

TEST(OutputFile, ReplaceKeepsTheOldFileUntilCommitAndDiscardLeavesItAsItWas) {
  ScratchDir dir;
  const std::string path = dir.File("out");
  WriteFile(path, "old");
  OutputFile file;
  ASSERT_EQ(file.Open(path, ExistingFile::kReplace, 0644), "");
  ASSERT_EQ(write(file.fd(), "new", 3), 3);
  EXPECT_EQ(ReadFile(path), "old") << "written aside until committed";
  EXPECT_NE(file.written_path(), path);
  EXPECT_EQ(file.written_path().rfind(path + ".partial-", 0), 0u) << file.written_path();
  EXPECT_EQ(file.Commit(), "");
  EXPECT_EQ(ReadFile(path), "new");
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"out"}));

  OutputFile discarded;
  ASSERT_EQ(discarded.Open(path, ExistingFile::kReplace, 0644), "");
  ASSERT_EQ(write(discarded.fd(), "other", 5), 5);
  discarded.Discard();
  EXPECT_EQ(ReadFile(path), "new");
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"out"}));

  OutputFile fresh;
  ASSERT_EQ(fresh.Open(dir.File("fresh"), ExistingFile::kRefuse, 0644), "");
  fresh.Discard();
  EXPECT_FALSE(FileExists(dir.File("fresh")));
  EXPECT_EQ(fresh.Open(path, ExistingFile::kRefuse, 0644),
            "the file exists (use --force to replace it)");
}

TEST(OutputFile, WritesIntoADeviceInPlace) {
  // stracedrv -o /dev/null, as strace: a device is where the bytes go, not a file to replace.
  for (ExistingFile rule : {ExistingFile::kReplace, ExistingFile::kAppend}) {
    OutputFile file;
    ASSERT_EQ(file.Open("/dev/null", rule, 0644), "");
    EXPECT_EQ(file.written_path(), "/dev/null");
    EXPECT_EQ(write(file.fd(), "x", 1), 1);
    EXPECT_EQ(file.Commit(), "");
  }
  struct stat st {};
  ASSERT_EQ(lstat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST(OutputFile, NeverReplacesOrAppendsToAnotherUsersFile) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  ScratchDir dir;
  const std::string path = dir.File("theirs");
  WriteFile(path, "theirs");
  ASSERT_EQ(chown(path.c_str(), kNobody, kNobody), 0);
  for (ExistingFile rule : {ExistingFile::kReplace, ExistingFile::kAppend}) {
    OutputFile file;
    EXPECT_EQ(file.Open(path, rule, 0644), "it belongs to another user (uid 65534; refused)");
  }
  EXPECT_EQ(WriteWholeFile(path, "mine"), "it belongs to another user (uid 65534; refused)");
  EXPECT_EQ(ReadFile(path), "theirs");
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"theirs"}));
}

TEST(InputFile, RefusesWhatIsNotARegularFileWithoutWaiting) {
  ScratchDir dir;
  ASSERT_EQ(mkfifo(dir.File("fifo").c_str(), 0600), 0);
  std::string reason;
  EXPECT_EQ(OpenRegularFile(dir.File("fifo"), &reason), -1);
  EXPECT_EQ(reason, "it is a FIFO, not a regular file");
  EXPECT_EQ(OpenRegularFile(dir.path(), &reason), -1);
  EXPECT_EQ(reason, "it is a directory, not a regular file");
  EXPECT_EQ(OpenRegularFile("/dev/zero", &reason), -1);
  EXPECT_EQ(reason, "it is a character device, not a regular file");
}

// ---------------------------------------------------------------------------------------------
// Every command that writes a file

TEST(FileSafety, NoCommandWritesThroughASymbolicLink) {
  ScratchDir dir;
  const std::string trace = Trace(dir);
  WriteFile(dir.File("victim"), "victim");
  const std::string link = dir.File("link");
  ASSERT_EQ(symlink(dir.File("victim").c_str(), link.c_str()), 0);
  const std::vector<std::vector<std::string>> commands = {
      {kMemwrap, "-q", "-o", link, kExitWith, "0"},
      {kMemwrap, "-q", "--force", "-o", link, kExitWith, "0"},
      {kMemwrap, "plot", trace, "-o", link},
      {kMemwrap, "export", "--format", "folded", trace, "-o", link},
      {kMemwrap, "baseline", "save", trace, "-o", link},
      {kMemwrap, "check", "--max-peak-heap", "1GiB", "--junit", link, trace},
      {kMemwrap, "check", "--max-peak-heap", "1GiB", "--summary", link, trace},
      {kMemwrap, "strace", "-o", link, "--no-trace", kExitWith, "0"},
      {kMemwrap, "strace", "--force", "--write-trace", link, kExitWith, "0"},
  };
  for (const auto& command : commands) {
    CommandResult run = RunProgram(command);
    std::string shown;
    for (const auto& arg : command) shown += arg + " ";
    EXPECT_EQ(run.exit_code(), 2) << shown << run.err;
    EXPECT_NE(run.err.find("symbolic link"), std::string::npos) << shown << run.err;
    EXPECT_EQ(Lines(run.err), 1u) << shown << run.err;
    EXPECT_EQ(ReadFile(dir.File("victim")), "victim") << shown;
  }
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"link", "t.mwt", "victim"}));
}

TEST(FileSafety, NoCommandReplacesAnotherUsersFile) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  ScratchDir dir;
  const std::string trace = Trace(dir);
  const std::string theirs = dir.File("theirs");
  WriteFile(theirs, "theirs");
  ASSERT_EQ(chown(theirs.c_str(), kNobody, kNobody), 0);
  const std::vector<std::vector<std::string>> commands = {
      {kMemwrap, "-q", "--force", "-o", theirs, kExitWith, "0"},
      {kMemwrap, "plot", trace, "-o", theirs},
      {kMemwrap, "baseline", "save", trace, "-o", theirs},
      {kMemwrap, "check", "--max-peak-heap", "1GiB", "--junit", theirs, trace},
  };
  for (const auto& command : commands) {
    CommandResult run = RunProgram(command);
    EXPECT_EQ(run.exit_code(), 2) << command[1] << " " << run.err;
    EXPECT_NE(run.err.find("belongs to another user"), std::string::npos) << run.err;
    EXPECT_EQ(Lines(run.err), 1u) << run.err;
    EXPECT_EQ(ReadFile(theirs), "theirs");
  }
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"t.mwt", "theirs"}));
}

TEST(FileSafety, ConcurrentForcedRunsOnOnePathLeaveOneWholeTrace) {
  ScratchDir dir;
  const std::string trace = dir.File("same.mwt");
  WriteFile(trace, "an old file, replaced whole");
  constexpr int kRuns = 6;
  std::vector<CommandResult> results(kRuns);
  std::vector<std::thread> runs;
  for (int i = 0; i < kRuns; ++i) {
    runs.emplace_back([&, i] {
      results[size_t(i)] = RunProgram({kMemwrap, "-q", "--force", "-o", trace, kPeakPattern});
    });
  }
  for (auto& run : runs) run.join();
  for (const CommandResult& result : results) EXPECT_EQ(result.exit_code(), 0) << result.err;
  CommandResult check = RunProgram({kMemwrap, "check", "--max-peak-heap", "1GiB", trace});
  EXPECT_EQ(check.exit_code(), 0) << check.out << check.err;
  EXPECT_EQ(check.err, "") << "a whole trace, not an incomplete one";
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"same.mwt"}));
}

TEST(FileSafety, AFailedStartLeavesTheOldTraceAsItWasAndNothingElse) {
  ScratchDir dir;
  const std::string trace = Trace(dir);
  const std::string before = ReadFile(trace);
  // Found and executable, but its exec fails (the interpreter is missing): memwrap learns it
  // only once the trace was opened and the program let go.
  const std::string program = dir.File("bad-interpreter");
  WriteFile(program, "#!/nonexistent/interpreter\n");
  ASSERT_EQ(chmod(program.c_str(), 0755), 0);
  const std::vector<std::vector<std::string>> commands = {
      {kMemwrap, "-q", "--force", "-o", trace, program},
      {kMemwrap, "strace", "--force", "--write-trace", trace, "-o", dir.File("calls.txt"), program},
  };
  for (const auto& command : commands) {
    CommandResult run = RunProgram(command);
    EXPECT_EQ(run.exit_code(), 127) << command[1] << " " << run.err;
    EXPECT_NE(run.err.find("No such file or directory"), std::string::npos) << run.err;
    EXPECT_EQ(ReadFile(trace), before) << command[1];
    EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"bad-interpreter", "t.mwt"}))
        << command[1];
  }
  // Without --force, the trace it created goes again: a rerun is not refused.
  CommandResult fresh = RunProgram({kMemwrap, "-q", "-o", dir.File("new.mwt"), program});
  EXPECT_EQ(fresh.exit_code(), 127) << fresh.err;
  EXPECT_FALSE(FileExists(dir.File("new.mwt")));
}

TEST(FileSafety, AFullDiskAtTheStartLeavesNoFileThatBlocksTheRerun) {
  ScratchDir dir;
  const std::string disk = dir.File("disk");
  std::filesystem::create_directory(disk);
  if (mount("memwrap-test", disk.c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root and CAP_SYS_ADMIN): "
                 << strerror(errno);
  }
  // Fill the disk to the last byte.
  {
    const int fd = open((disk + "/filler").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    std::vector<char> block(4096, 'x');
    while (write(fd, block.data(), block.size()) > 0) {
    }
    while (write(fd, block.data(), 1) > 0) {
    }
    close(fd);
  }
  const std::string trace = disk + "/t.mwt";
  CommandResult full = RunProgram({kMemwrap, "-q", "-o", trace, kExitWith, "0"});
  CommandResult full_forced = RunProgram({kMemwrap, "-q", "--force", "-o", trace, kExitWith, "0"});
  const std::vector<std::string> left = Names(disk);
  unlink((disk + "/filler").c_str());
  CommandResult rerun = RunProgram({kMemwrap, "-q", "-o", trace, kExitWith, "0"});
  umount2(disk.c_str(), MNT_DETACH);
  EXPECT_EQ(full.exit_code(), 2) << full.err;
  EXPECT_NE(full.err.find("No space left on device"), std::string::npos) << full.err;
  EXPECT_EQ(Lines(full.err), 1u) << full.err;
  EXPECT_EQ(full_forced.exit_code(), 2) << full_forced.err;
  EXPECT_EQ(left, (std::vector<std::string>{"filler"}));
  EXPECT_EQ(rerun.exit_code(), 0) << rerun.err;
}

// ---------------------------------------------------------------------------------------------
// Every command that reads a file

TEST(FileSafety, EveryReaderRefusesWhatIsNotARegularFileAtOnce) {
  ScratchDir dir;
  const std::string trace = Trace(dir);
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string baseline = dir.File("b.json");
  ASSERT_EQ(RunProgram({kMemwrap, "baseline", "save", trace, "-o", baseline}).exit_code(), 0);
  for (const std::string& input : {fifo, dir.path(), std::string("/dev/zero")}) {
    // `timeout` ends a reader that hangs (a FIFO without a writer): a hang fails the test.
    const std::vector<std::vector<std::string>> commands = {
        {"/usr/bin/timeout", "60", kMemwrap, "report", input},
        {"/usr/bin/timeout", "60", kMemwrap, "timeline", input},
        {"/usr/bin/timeout", "60", kMemwrap, "diff", trace, input},
        {"/usr/bin/timeout", "60", kMemwrap, "plot", input, "-o", dir.File("p.html")},
        {"/usr/bin/timeout", "60", kMemwrap, "export", "--format", "folded", input},
        {"/usr/bin/timeout", "60", kMemwrap, "check", "--max-peak-heap", "1GiB", input},
        {"/usr/bin/timeout", "60", kMemwrap, "check", "--baseline", input, trace},
        {"/usr/bin/timeout", "60", kMemwrap, "baseline", "save", input, "-o", dir.File("c.json")},
    };
    for (const auto& command : commands) {
      CommandResult run = RunProgram(command);
      EXPECT_EQ(run.exit_code(), 2) << input << " " << command[3] << ": " << run.err;
      EXPECT_NE(run.err.find("not a regular file"), std::string::npos) << run.err;
      EXPECT_EQ(Lines(run.err), 1u) << run.err;
    }
  }
}

// A trace of `processes` records chunks, one per pid, each a few hundred bytes of zstd that
// hold 16 MiB of valid records (of a type no reader knows, which every reader skips): without
// the bound, a reader holds every process's chunk at once, and more, before it is done.
std::string HostileTrace(int processes) {
  std::string records(kMaxChunkRawSize, '\0');
  const RecordHeader skipped{sizeof(RecordHeader), 1000, 0};
  for (size_t at = 0; at < records.size(); at += sizeof(skipped)) {
    memcpy(records.data() + at, &skipped, sizeof(skipped));
  }
  std::string stored(ZSTD_compressBound(records.size()), '\0');
  stored.resize(ZSTD_compress(stored.data(), stored.size(), records.data(), records.size(), 19));
  std::string trace(sizeof(FileHeader), '\0');
  {
    // An old-style header (1.2, no checksum), as any hand-made file may have.
    FileHeader header{};
    memcpy(header.magic, kTraceMagic, sizeof(header.magic));
    header.format_major = 1;
    header.format_minor = 2;
    header.header_size = sizeof(FileHeader);
    memcpy(trace.data(), &header, sizeof(header));
  }
  for (int pid = 1; pid <= processes; ++pid) {
    ChunkHeader chunk{};
    chunk.magic = kChunkMagic;
    chunk.type = uint16_t(ChunkType::kRecords);
    chunk.codec = uint16_t(ChunkCodec::kZstd);
    chunk.pid = uint32_t(pid);
    chunk.stored_size = uint32_t(stored.size());
    chunk.raw_size = kMaxChunkRawSize;
    chunk.payload_crc32 =
        uint32_t(crc32(0, reinterpret_cast<const Bytef*>(stored.data()), uInt(stored.size())));
    chunk.header_crc32 = uint32_t(
        crc32(0, reinterpret_cast<const Bytef*>(&chunk), offsetof(ChunkHeader, header_crc32)));
    trace.append(reinterpret_cast<const char*>(&chunk), sizeof(chunk));
    trace += stored;
  }
  return trace;
}

// Runs argv and returns its wait status; *max_rss_kib is the child's peak RSS.
int RunMeasured(const std::vector<std::string>& argv, long* max_rss_kib, std::string* err) {
  ScratchDir dir;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, dir.File("err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  struct rusage usage {};
  EXPECT_EQ(wait4(pid, &status, 0, &usage), pid);
  *max_rss_kib = usage.ru_maxrss;
  *err = ReadFile(dir.File("err"));
  return status;
}

TEST(FileSafety, AHostileTraceCannotMakeAReaderUseMemoryItsSizeDoesNotJustify) {
  ScratchDir dir;
  const std::string trace = dir.File("hostile.mwt");
  // 96 chunks x 16 MiB claimed = 1.5 GiB of decompressed records at once, from ~60 KB.
  WriteFile(trace, HostileTrace(96));
  ASSERT_LT(ReadFile(trace).size(), 200u * 1024);
  for (const char* command : {"report", "check"}) {
    std::vector<std::string> argv = {kMemwrap, command, trace};
    if (std::string(command) == "check")
      argv = {kMemwrap, command, "--max-peak-heap", "1GiB", trace};
    long max_rss_kib = 0;
    std::string err;
    const int status = RunMeasured(argv, &max_rss_kib, &err);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << command << " " << status << err;
    EXPECT_NE(err.find("refusing it rather than exhausting memory"), std::string::npos) << err;
    EXPECT_EQ(Lines(err), 1u) << err;
    // memwrap itself (sanitised) takes some tens of MiB; the file justifies 32 MiB + 64 x its
    // size of chunks. Before the bound, this file made a reader decompress all of it.
    EXPECT_LT(max_rss_kib, 256 * 1024) << command;
  }
}

TEST(FileSafety, AFlippedHeaderByteIsAClearErrorNamingTheFile) {
  ScratchDir dir;
  const std::string trace = Trace(dir);
  std::string bytes = ReadFile(trace);
  ASSERT_GE(bytes.size(), sizeof(FileHeader));
  uint16_t minor = 0;
  memcpy(&minor, bytes.data() + offsetof(FileHeader, format_minor), sizeof(minor));
  EXPECT_EQ(minor, kTraceFormatMinor);
  // One bit of the creation time: every time in the trace would move without the checksum.
  std::string damaged = bytes;
  damaged[offsetof(FileHeader, created_monotonic_ns) + 4] ^= 0x01;
  const std::string bad = dir.File("bad.mwt");
  WriteFile(bad, damaged);
  for (const char* command : {"report", "timeline"}) {
    CommandResult run = RunProgram({kMemwrap, command, bad});
    EXPECT_EQ(run.exit_code(), 2) << command;
    EXPECT_EQ(run.err.find("trace '" + bad +
                           "' is corrupt at offset 0: file header checksum "
                           "mismatch"),
              run.err.find("trace '"))
        << run.err;
    EXPECT_NE(run.err.find("file header checksum mismatch"), std::string::npos) << run.err;
    EXPECT_EQ(Lines(run.err), 1u) << run.err;
  }
  // A trace of an older minor has no checksum and is read as before.
  std::string old = bytes;
  const uint16_t old_minor = kFirstMinorWithHeaderCrc - 1;
  memcpy(old.data() + offsetof(FileHeader, format_minor), &old_minor, sizeof(old_minor));
  memset(old.data() + offsetof(FileHeader, header_crc32), 0, 4);
  WriteFile(dir.File("old.mwt"), old);
  CommandResult read_old = RunProgram({kMemwrap, "report", dir.File("old.mwt")});
  EXPECT_EQ(read_old.exit_code(), 0) << read_old.err;
  EXPECT_EQ(read_old.err, "");
}

// ---------------------------------------------------------------------------------------------
// Option values

TEST(FileSafety, NegativeCountsAndEmptyFileNamesAreUsageErrors) {
  ScratchDir dir;
  const std::string trace = Trace(dir);
  const std::string marker = dir.File("ran");
  const std::vector<std::vector<std::string>> commands = {
      {kMemwrap, "report", "--top", "-1", trace},
      {kMemwrap, "report", "--top=-1", trace},
      {kMemwrap, "diff", "--top", "-1", trace, trace},
      {kMemwrap, "report", "--process", "-5", trace},
      {kMemwrap, "--top", "-1", "/usr/bin/touch", marker},
      {kMemwrap, "--stack-depth", "-1", "/usr/bin/touch", marker},
      {kMemwrap, "-o", "", "/usr/bin/touch", marker},
      {kMemwrap, "check", "--repeat", "-2", "--max-peak-heap", "1GiB", "--", "/usr/bin/touch",
       marker},
      {kMemwrap, "check", "--max-peak-heap", "1GiB", "--junit", "", trace},
      {kMemwrap, "plot", trace, "-o", ""},
      {kMemwrap, "export", "--format", "folded", trace, "-o", ""},
      {kMemwrap, "baseline", "save", trace, "-o", ""},
      {kMemwrap, "strace", "-o", "", "/usr/bin/touch", marker},
      {kMemwrap, "strace", "--trace", "", "/usr/bin/touch", marker},
      {kMemwrap, "strace", "--write-trace", "", "/usr/bin/touch", marker},
      {kMemwrap, "ltrace", "-o", "", "/usr/bin/touch", marker},
  };
  for (const auto& command : commands) {
    CommandResult run = RunProgram(command);
    std::string shown;
    for (const auto& arg : command) shown += "'" + arg + "' ";
    EXPECT_EQ(run.exit_code(), 2) << shown << run.err;
    EXPECT_EQ(Lines(run.err), 1u) << shown << run.err;
    EXPECT_EQ(run.out, "") << shown;
    EXPECT_FALSE(FileExists(marker)) << shown << "the program must not have run";
  }
  EXPECT_EQ(Names(dir.path()), (std::vector<std::string>{"t.mwt"}));
}

}  // namespace
}  // namespace memwrap
