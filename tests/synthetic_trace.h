// Hand-made traces for tests: records appended one by one, with the layouts of
// include/memwrap/records.h, written by the real TraceWriter. For records no program produces
// yet (SYSCALL, STACK_SAMPLE) and for exact shapes (a spike, 10^5 rows).
#pragma once

#include <string.h>
#include <time.h>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "memwrap/records.h"
#include "tracefile/trace_writer.h"

namespace memwrap::test_support {

class SyntheticTrace {
 public:
  // Timestamps for a trace about to be written: the analyzer measures time from the file's
  // creation (CLOCK_MONOTONIC), so records must come after it. This one is 1 s ahead of now.
  static uint64_t Soon() {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return uint64_t(now.tv_sec + 1) * 1000000000u + uint64_t(now.tv_nsec);
  }

  explicit SyntheticTrace(uint32_t pid) : pid_(pid) {}

  // without_shim: an image the tracer announced (static, setuid), as kProcessStartWithoutShim.
  void Start(uint64_t ts, const std::string& exe, bool without_shim = false) {
    ProcessStartRecord r{};
    const std::string strings = exe + '\0' + exe + '\0';
    r.h = Header(sizeof(r) + strings.size(), RecordType::kProcessStart);
    r.h.flags = without_shim ? kProcessStartWithoutShim : 0;
    r.ts_ns = ts;
    r.pid = pid_;
    r.exe_size = uint32_t(exe.size() + 1);
    r.cmdline_size = uint32_t(exe.size() + 1);
    Add(r, strings);
  }
  void Stack(StackId id, const std::vector<uint64_t>& frames) {
    StackRecord r{};
    r.h = Header(sizeof(r) + frames.size() * 8, RecordType::kStack);
    r.id = id;
    r.depth = uint32_t(frames.size());
    Add(r, std::string(reinterpret_cast<const char*>(frames.data()), frames.size() * 8));
  }
  void Alloc(uint64_t ts, uint64_t addr, uint64_t size, StackId stack) {
    AllocRecord r{};
    r.h = Header(sizeof(r), RecordType::kAlloc);
    r.ts_ns = ts;
    r.addr = addr;
    r.size = size;
    r.tid = pid_;
    r.stack = stack;
    Add(r);
  }
  void Free(uint64_t ts, uint64_t addr) {
    FreeRecord r{};
    r.h = Header(sizeof(r), RecordType::kFree);
    r.ts_ns = ts;
    r.addr = addr;
    r.tid = pid_;
    Add(r);
  }
  void Syscall(uint64_t ts, uint64_t duration, uint32_t tid, uint32_t number, int64_t result,
               bool unfinished = false, const std::array<uint64_t, 6>& args = {0x1000}) {
    SyscallRecord r{};
    r.h = Header(sizeof(r), RecordType::kSyscall);
    r.h.flags = unfinished ? kSyscallUnfinished : 0;
    r.ts_ns = ts;
    r.duration_ns = duration;
    r.tid = tid;
    r.number = number;
    r.result = result;
    for (int i = 0; i < 6; ++i) r.args[i] = args[i];
    Add(r);
  }
  // A loaded object at `base` with one segment [vaddr, vaddr+memsz) and no build-id: frames in
  // it are shown as PATH+OFFSET when PATH cannot be read (a fixed trace's output never depends
  // on the machine's files).
  void Module(uint64_t ts, uint64_t base, uint64_t vaddr, uint64_t memsz, const std::string& path) {
    ModuleRecord r{};
    const ModuleSegment segment{vaddr, memsz};
    std::string tail(reinterpret_cast<const char*>(&segment), sizeof(segment));
    tail += path + '\0';
    r.h = Header(sizeof(r) + tail.size(), RecordType::kModule);
    r.ts_ns = ts;
    r.base = base;
    r.segment_count = 1;
    r.path_size = uint32_t(path.size() + 1);
    Add(r, tail);
  }
  void Mark(uint64_t ts, const std::string& name) {
    MarkRecord r{};
    r.h = Header(sizeof(r) + name.size() + 1, RecordType::kMark);
    r.ts_ns = ts;
    r.tid = pid_;
    r.name_size = uint32_t(name.size() + 1);
    Add(r, name + '\0');
  }
  void StackSample(uint64_t ts, uint32_t tid, StackId stack) {
    StackSampleRecord r{};
    r.h = Header(sizeof(r), RecordType::kStackSample);
    r.ts_ns = ts;
    r.tid = tid;
    r.stack = stack;
    Add(r);
  }
  void Exit(uint64_t ts, int status) {
    ProcessExitRecord r{};
    r.h = Header(sizeof(r), RecordType::kProcessExit);
    r.ts_ns = ts;
    r.pid = pid_;
    r.kind = uint32_t(ExitKind::kExited);
    r.status = status;
    Add(r);
  }
  // An exit with its peak RSS: the program's own and memwrap's share (nullopt: not known). With
  // `first_layout`, the 32-byte record of traces written before memwrap recorded its share.
  void ExitWithRss(uint64_t ts, uint64_t max_rss_kib, std::optional<uint32_t> memwrap_rss_kib,
                   bool first_layout = false) {
    ProcessExitRecord r{};
    r.h =
        Header(first_layout ? ProcessExitRecord::kFirstSize : sizeof(r), RecordType::kProcessExit);
    r.h.flags = memwrap_rss_kib ? kProcessExitMemwrapRssKnown : 0;
    r.ts_ns = ts;
    r.pid = pid_;
    r.kind = uint32_t(ExitKind::kExited);
    r.max_rss_kib = uint32_t(max_rss_kib);
    r.memwrap_rss_kib = memwrap_rss_kib.value_or(0);
    Add(r);
  }
  // A memory sample (the program's figures; `flags` e.g. kMemorySampleMemwrapCarried). With
  // `first_layout`, the 72-byte record without memwrap_rss.
  void MemorySample(uint64_t ts, uint64_t rss, uint64_t hwm, uint64_t memwrap_rss,
                    uint16_t flags = 0, bool first_layout = false) {
    MemorySampleRecord r{};
    r.h = Header(first_layout ? MemorySampleRecord::kFirstSize : sizeof(r),
                 RecordType::kMemorySample);
    r.h.flags = flags;
    r.ts_ns = ts;
    r.rss = rss;
    r.rss_anon = rss;
    r.hwm = hwm;
    r.memwrap_rss = memwrap_rss;
    Add(r);
  }
  // `session`: e.g. {"sample_interval_ns", "10000000"}.
  void Write(const std::string& path, const std::map<std::string, std::string>& session = {}) {
    Write(path, session, TraceWriter::Now());
  }
  // With the header's clock pair given: traces of one job on an aligned clock.
  void Write(const std::string& path, const std::map<std::string, std::string>& session,
             TraceWriter::ClockOrigin origin) {
    TraceWriter writer(path, TraceWriter::Existing::kRefuse, origin);
    if (!session.empty()) writer.WriteSessionInfo(session);
    // Chunks of at most 1 MiB, split at record boundaries.
    size_t start = 0;
    while (start < bytes_.size()) {
      size_t end = start;
      while (end < bytes_.size() && end - start < (1u << 20)) {
        uint32_t size;
        memcpy(&size, bytes_.data() + end, 4);
        end += size;
      }
      writer.WriteRecords(pid_, bytes_.data() + start, end - start);
      start = end;
    }
    writer.Finish();  // a whole recording: readers see no "incomplete" warning
  }

 private:
  static RecordHeader Header(size_t size, RecordType type) {
    return {AlignRecordSize(size), uint16_t(type), 0};
  }
  template <class T>
  void Add(const T& fixed, const std::string& tail = "") {
    const size_t start = bytes_.size();
    const auto* p = reinterpret_cast<const uint8_t*>(&fixed);
    bytes_.insert(bytes_.end(), p, p + sizeof(fixed));
    bytes_.insert(bytes_.end(), tail.begin(), tail.end());
    bytes_.resize(start + fixed.h.size, 0);
  }
  uint32_t pid_;
  std::vector<uint8_t> bytes_;
};

}  // namespace memwrap::test_support
