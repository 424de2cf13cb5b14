// The fuzzers' inputs in the normal test build: every seed (tests/fuzz/corpus/<target>/) and
// every kept regression input (tests/fuzz/regressions/<target>/: inputs that once made a fuzzer
// crash, hang or leak) goes through the very code the fuzzer runs (fuzz_targets.h). Under
// .ci/test this build has ASan + UBSan, so a regression comes back as a failing test.
// Plus what a fuzzer cannot reach: traces whose module paths name files the symbolizer must not
// open, and a shim that rewrites a record while the consumer copies it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "analyzer/report.h"
#include "memwrap/records.h"
#include "shim_link/ring_producer.h"
#include "tests/fuzz/fuzz_targets.h"
#include "tests/test_support.h"
#include "tracefile/record_cursor.h"
#include "tracefile/trace_error.h"
#include "tracefile/trace_writer.h"
#include "tracer/collector/ring_consumer.h"

namespace memwrap {
namespace {

namespace fs = std::filesystem;
using Target = std::function<void(const uint8_t*, size_t)>;

const fs::path kFuzzDir = MEMWRAP_FUZZ_DIR;

// The input files of a directory, sorted; documentation and dot files are not inputs.
std::vector<fs::path> Inputs(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name[0] == '.' || name.ends_with(".md")) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The fuzzers stop an input after 10 s (-timeout=10); this build is slower (Debug, and ASan
// under .ci/test), hence the margin.
constexpr auto kSlowInput = std::chrono::seconds(30);

void Replay(const Target& target, const std::vector<fs::path>& files) {
  static const bool initialised = (fuzz::InitEnvironment(), true);
  (void)initialised;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const std::string bytes = test_support::ReadFile(file.string());
    const auto start = std::chrono::steady_clock::now();
    try {
      target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& error) {
      ADD_FAILURE() << file.filename() << ": " << error.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, kSlowInput) << file.filename();
  }
}

TEST(FuzzRegressions, TraceReader) {
  Replay(fuzz::TraceReaderTarget, Inputs(kFuzzDir / "regressions" / "trace_reader"));
}

TEST(FuzzRegressions, ColumnarCodec) {
  Replay(fuzz::ColumnarCodecTarget, Inputs(kFuzzDir / "regressions" / "columnar_codec"));
}

TEST(FuzzRegressions, RingConsumer) {
  Replay(fuzz::RingConsumerTarget, Inputs(kFuzzDir / "regressions" / "ring_consumer"));
}

TEST(FuzzSeeds, TraceReader) {
  std::vector<fs::path> seeds = Inputs(kFuzzDir / "corpus" / "trace_reader");
  ASSERT_GE(seeds.size(), 3u) << "seed corpus missing";
  Replay(fuzz::TraceReaderTarget, seeds);
}

TEST(FuzzSeeds, ColumnarCodec) {
  std::vector<fs::path> seeds = Inputs(kFuzzDir / "corpus" / "columnar_codec");
  ASSERT_GE(seeds.size(), 3u) << "seed corpus missing";
  Replay(fuzz::ColumnarCodecTarget, seeds);
}

TEST(FuzzSeeds, RingConsumer) {
  std::vector<fs::path> seeds = Inputs(kFuzzDir / "corpus" / "ring_consumer");
  ASSERT_GE(seeds.size(), 3u) << "seed corpus missing";
  // Each seed's ring header is one the collector accepts (the current layout): otherwise the
  // target stops at Validate and the fuzzer mutates refusals only (make-seeds, ring.h).
  for (const fs::path& seed : seeds) {
    const std::string bytes = test_support::ReadFile(seed);
    std::vector<uint8_t> mapping(kRingHeaderSize + kMinRingCapacity);
    ASSERT_GE(bytes.size(), 8 + sizeof(RingHeader)) << seed;
    memcpy(mapping.data(), bytes.data() + 8, sizeof(RingHeader));  // after the 8-byte params
    EXPECT_EQ(RingConsumer::Validate(mapping.data(), mapping.size()), "") << seed;
  }
  Replay(fuzz::RingConsumerTarget, seeds);
}

// --- Module paths a trace may name ---------------------------------------------------------

template <class T>
void Append(std::vector<uint8_t>* out, const T& record) {
  const auto* p = reinterpret_cast<const uint8_t*>(&record);
  out->insert(out->end(), p, p + sizeof(record));
}

// One process whose only live block was allocated from code in a module at `module_path`:
// building the report symbolizes that frame.
void WriteTraceNamingModule(const std::string& trace, const std::string& module_path) {
  std::vector<uint8_t> records;
  ProcessStartRecord start{};
  start.h = {uint32_t(sizeof(start) + 8), uint16_t(RecordType::kProcessStart), 0};
  start.ts_ns = 10;
  start.pid = 100;
  start.exe_size = 2;
  Append(&records, start);
  records.insert(records.end(), {'x', 0, 0, 0, 0, 0, 0, 0});

  ModuleRecord module{};
  const size_t module_used = sizeof(module) + sizeof(ModuleSegment) + module_path.size() + 1;
  module.h = {AlignRecordSize(module_used), uint16_t(RecordType::kModule), 0};
  module.ts_ns = 11;
  module.base = 0x400000;
  module.segment_count = 1;
  module.path_size = uint32_t(module_path.size() + 1);
  Append(&records, module);
  Append(&records, ModuleSegment{0x1000, 0x1000});
  records.insert(records.end(), module_path.begin(), module_path.end());
  records.resize(records.size() + module.h.size - module_used + 1, 0);

  StackRecord stack{};
  stack.h = {sizeof(stack) + 8, uint16_t(RecordType::kStack), 0};
  stack.id = 1;
  stack.depth = 1;
  Append(&records, stack);
  Append(&records, uint64_t{0x401500});

  AllocRecord alloc{};
  alloc.h = {sizeof(alloc), uint16_t(RecordType::kAlloc), 0};
  alloc.ts_ns = 12;
  alloc.addr = 0x5000;
  alloc.size = 100;
  alloc.stack = 1;
  Append(&records, alloc);

  TraceWriter writer(trace, TraceWriter::Existing::kReplace);
  writer.WriteRecords(100, records.data(), records.size());
}

// Builds the report in a child that gets 10 s: returns how the child ended.
std::string ReportInChild(const std::string& trace, const std::string& expected_module) {
  pid_t pid = fork();
  if (pid == 0) {
    alarm(10);
    int code = 3;
    try {
      Report report = BuildReport(trace, ReportOptions{});
      code = report.peak_sites.size() == 1 &&
                     report.peak_sites[0].location.module == expected_module &&
                     report.peak_sites[0].location.function == "??"
                 ? 0
                 : 4;
    } catch (...) {
      code = 5;
    }
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) return "hung";
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WEXITSTATUS(status) == 4) return "wrong report";
  if (WEXITSTATUS(status) == 5) return "threw";
  return WEXITSTATUS(status) == 0 ? "ok" : "exit " + std::to_string(WEXITSTATUS(status));
}

TEST(HostileModulePath, FifoIsNotOpened) {
  test_support::ScratchDir dir;
  const std::string fifo = dir.File("module.so");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  WriteTraceNamingModule(dir.File("t.mwt"), fifo);
  EXPECT_EQ(ReportInChild(dir.File("t.mwt"), "module.so"), "ok");
}

TEST(HostileModulePath, DeviceIsNotOpened) {
  test_support::ScratchDir dir;
  for (const char* device : {"/dev/zero", "/dev/urandom", "/dev/stdin"}) {
    WriteTraceNamingModule(dir.File("t.mwt"), device);
    const std::string path = device;
    EXPECT_EQ(ReportInChild(dir.File("t.mwt"), path.substr(path.rfind('/') + 1)), "ok") << device;
  }
}

TEST(HostileModulePath, DirectoryIsNotOpened) {
  test_support::ScratchDir dir;
  WriteTraceNamingModule(dir.File("t.mwt"), dir.path());
  const std::string name = fs::path(dir.path()).filename().string();
  EXPECT_EQ(ReportInChild(dir.File("t.mwt"), name), "ok");
}

// --- A shim that rewrites a committed record while the consumer copies it -------------------
// (A race the single-threaded fuzzer cannot produce.) Drain reads the record header, checks
// the size, then copies the record: whatever the other side writes meanwhile, what it appends
// must stay well framed, or the trace chunk it goes to becomes unreadable.
TEST(HostileRing, RecordResizedDuringTheCopyStaysWellFramed) {
  const uint64_t size = kRingHeaderSize + kMinRingCapacity;
  void* mapping = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mapping, MAP_FAILED);
  InitRing(mapping, kMinRingCapacity);
  auto* header = static_cast<RingHeader*>(mapping);
  uint8_t* data = static_cast<uint8_t*>(mapping) + kRingHeaderSize;
  // One committed ALLOC at position 0; the next slot is uncommitted (zero) at either size.
  AllocRecord alloc{};
  alloc.h = {sizeof(alloc), uint16_t(RecordType::kAlloc), 0};
  memcpy(data + kSlotTagSize, &alloc, sizeof(alloc));
  const uint64_t tag = CommitTag(0);
  memcpy(data, &tag, sizeof(tag));
  header->head.store(kSlotTagSize + sizeof(alloc));

  std::atomic<bool> stop{false};
  std::thread hostile([&] {
    auto* size_field = reinterpret_cast<uint32_t*>(data + kSlotTagSize);
    for (uint32_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
      __atomic_store_n(size_field, (i & 1) != 0 ? 48u : 40u, __ATOMIC_RELAXED);
    }
  });
  std::string failure;
  uint64_t trials = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (failure.empty() && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 1000 && failure.empty(); ++i, ++trials) {
      header->tail.store(0);
      RingConsumer consumer(mapping);
      ByteBuffer out;
      consumer.Drain(&out, SIZE_MAX);
      RecordCursor cursor(out.data(), out.size());
      RecordView record;
      try {
        while (cursor.Next(&record, "Drain output")) {
        }
      } catch (const TraceError& error) {
        failure = error.what();
      }
    }
  }
  stop = true;
  hostile.join();
  munmap(mapping, size);
  EXPECT_EQ(failure, "") << "after " << trials << " drains";
}

}  // namespace
}  // namespace memwrap
