// memwrap event records: the one encoding shared by the shared-memory ring (shim -> collector)
// and the trace file's chunks (collector -> analyzer).
//
// Every record is a RecordHeader followed by a type-specific payload. Records are padded to a
// multiple of 8 bytes (kRecordAlign); `size` includes the header and the padding. All integers
// are little-endian, all structs have a fixed layout (static_assert'ed below), so a 32-bit
// reader or a different compiler reads the same bytes. Full prose: docs/trace-format.md.
//
// Ordering contract (what makes the exact peak exact): within one process, the order of records
// in the ring -- and therefore in the trace -- is a valid linearisation of the heap:
//   * an ALLOC record is reserved after the real allocator returned the block;
//   * a FREE record is reserved before the real free() runs;
//   * realloc is split in two records: REALLOC_BEGIN (before the real call; the old block leaves
//     the live set) and REALLOC_END (after it; the new block enters, or on failure the old one
//     comes back).
// So if another thread receives a just-freed address, its ALLOC is always after the FREE.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace memwrap {

inline constexpr uint32_t kRecordAlign = 8;

// Record types whose fixed part grew a field at its end since traces were first written name
// their first size in kFirstSize; the other types have had one size only.
template <class T>
constexpr uint32_t FirstSizeOf() {
  if constexpr (requires { T::kFirstSize; }) {
    return T::kFirstSize;
  } else {
    return uint32_t(sizeof(T));
  }
}

// Copies a record of `size` bytes as T: false when it is shorter than T's first size; the
// fields an older, shorter record lacks read as 0.
template <class T>
bool CopyRecord(const void* data, uint32_t size, T* out) {
  if (size < FirstSizeOf<T>()) return false;
  *out = T{};
  memcpy(out, data, size < sizeof(T) ? size : sizeof(T));
  return true;
}

enum class RecordType : uint16_t {
  kInvalid = 0,
  kProcessStart = 1,     // file only: written by the collector from the shim's hello
  kModule = 2,           // shim: one loaded ELF object (for offline symbolisation)
  kStack = 3,            // shim: an interned call stack, sent once per distinct stack
  kAlloc = 4,            // shim: malloc / calloc / realloc(NULL, n) returned a block
  kFree = 5,             // shim: free(p), p != NULL
  kReallocBegin = 6,     // shim: realloc(p, n), p != NULL, before the real call
  kReallocEnd = 7,       // shim: the result of that realloc
  kProcessExit = 8,      // file only: the collector saw the process end
  kLost = 9,             // collector: ring bytes that could not be read (damaged ring, process
                         // died mid-record); shim: records dropped because the ring was full
                         // (--on-full=drop). See LostRecord.
  kShimNotice = 10,      // shim: counters the shim kept (sent when the process exits normally)
  kImageEnd = 11,        // collector: the process image is gone (its connection closed: exit, exec
                         // or death); its live blocks leave the heap at this point
  kMmap = 12,            // shim: mmap/mmap64 succeeded (after the call)
  kMunmap = 13,          // shim: munmap about to run (before the call, like free)
  kMremapBegin = 14,     // shim: mremap about to run: the old range leaves
  kMremapEnd = 15,       // shim: mremap's result: the new range enters, or the old one comes back
  kBrk = 16,             // shim: brk/sbrk moved the program break
  kModulesChanged = 17,  // shim: dlopen/dlclose changed the loaded objects; MODULE records of
                         // every object loaded now follow
  kMemorySample = 18,    // collector: the process's memory as /proc reports it
  kMark = 19,            // shim: the program called memwrap_mark(name) (include/memwrap/memwrap.h)
  kStdoutLine = 20,      // collector: a line the program wrote to its stdout (memwrap run --stdout)
  kSyscall = 21,         // tracer: one system call of a traced thread (ptrace), after it returned
  kStackSample = 22,     // tracer: a native stack sample of a traced thread (ptrace + libdwfl)
  // 23: reserved.
  kLibraryCall = 24,      // auditor: one call of a traced library function (LibraryCallRecord)
  kLibraryFunction = 25,  // auditor: a traced function, named once before its first call
  kLibraryObject = 26,    // auditor: a loaded ELF object, named once before its functions
  // 27: reserved for library calls.
  kSystemMemory = 28,  // dlogger/cronlogger: the machine's memory (/proc/meminfo), like free(1)
  kSystemCpu = 29,     // dlogger/cronlogger: CPU time of all CPUs since boot (/proc/stat)
  kSystemLoad = 30,    // dlogger/cronlogger: load averages and tasks (/proc/loadavg)
  kSystemItem = 31,    // dlogger/cronlogger: one network interface, disk or top process
  kHeapCounters = 32,  // collector: a sampled-mode image's exact heap counters (since 1.4;
                       // HeapCountersRecord)
  kThreadHeapCounters = 33,  // shim or collector: one thread's exact heap counts in sampled
                             // mode (since 1.6; ThreadHeapCountersRecord)
  kCallerTotals = 34,  // shim or collector: exact calls and bytes of one calling instruction in
                       // sampled mode (since 1.7; CallerTotalsRecord)
  kMaxType = 34,
};

// The records a reader needs to name the frames of an image's later events: its modules and
// its interned stacks. A reader that keeps only a window of records (the flight recorder, a
// watcher that joins a recording late) keeps these whatever else it drops.
constexpr bool IsSymbolContext(RecordType type) {
  return type == RecordType::kModule || type == RecordType::kStack ||
         type == RecordType::kModulesChanged;
}

// Every record type except STACK carries its CLOCK_MONOTONIC timestamp (ts_ns) right after the
// RecordHeader, at byte offset 8. Record types added later must keep it there: readers order
// records of different processes by it.

// Which entry point produced an ALLOC / REALLOC_END (RecordHeader::flags, low 8 bits).
enum class AllocKind : uint16_t {
  kMalloc = 0,
  kCalloc = 1,
  kRealloc = 2,
  kReallocArray = 3,
  kPosixMemalign = 4,
  kAlignedAlloc = 5,
  kMemalign = 6,
  kValloc = 7,
  kPvalloc = 8,
};

// RecordHeader::flags of ALLOC / REALLOC_END, bit 8: this allocation's stack was sampled
// (--stacks=sampled). Before format 1.4 a sampled-mode trace held every event and unsampled
// allocations carried kNoStack; since 1.4 (an image with HEAP_COUNTERS records) only sampled
// allocations and the frees of sampled blocks are recorded, and the exact totals come from
// the counters.
inline constexpr uint16_t kAllocFlagSampled = 0x100;
inline constexpr uint16_t kAllocKindMask = 0xff;

struct RecordHeader {
  uint32_t size;   // total record size in bytes, header and padding included, multiple of 8
  uint16_t type;   // RecordType
  uint16_t flags;  // type-specific (AllocKind for ALLOC / REALLOC_END)
};
static_assert(sizeof(RecordHeader) == 8);

// Where the timestamp is (see above RecordHeader's definition, at RecordType).
inline constexpr uint32_t kRecordTimestampOffset = sizeof(RecordHeader);

// A record's timestamp, by the rule above: false for STACK and for a record too short to hold
// one. `record` holds `size` >= sizeof(RecordHeader) bytes. (A reader that does not trust the
// rule for types newer than it knows checks the type too: analyzer/process_cursor.h.)
inline bool ReadRecordTimestamp(const uint8_t* record, uint32_t size, uint64_t* ts_ns) {
  RecordHeader header;
  memcpy(&header, record, sizeof(header));
  if (header.type == uint16_t(RecordType::kStack) ||
      size < kRecordTimestampOffset + sizeof(uint64_t)) {
    return false;
  }
  memcpy(ts_ns, record + kRecordTimestampOffset, sizeof(*ts_ns));
  return true;
}

// Sets the timestamp of a record that has one (ReadRecordTimestamp returned true).
inline void WriteRecordTimestamp(uint8_t* record, uint64_t ts_ns) {
  memcpy(record + kRecordTimestampOffset, &ts_ns, sizeof(ts_ns));
}

// Identifies a stack in STACK records and heap events. 0 means "no stack recorded".
using StackId = uint32_t;
inline constexpr StackId kNoStack = 0;

struct AllocRecord {
  RecordHeader h;
  uint64_t ts_ns;  // CLOCK_MONOTONIC, taken after the real allocator returned
  uint64_t addr;
  uint64_t size;  // requested size in bytes (calloc: nmemb * size)
  uint32_t tid;
  StackId stack;
};
static_assert(sizeof(AllocRecord) == 40);

struct FreeRecord {
  RecordHeader h;
  uint64_t ts_ns;  // taken before the real free() ran
  uint64_t addr;
  uint32_t tid;
  uint32_t reserved;
};
static_assert(sizeof(FreeRecord) == 32);

struct ReallocBeginRecord {
  RecordHeader h;
  uint64_t ts_ns;  // taken before the real realloc() ran
  uint64_t old_addr;
  uint32_t tid;
  uint32_t reserved;
};
static_assert(sizeof(ReallocBeginRecord) == 32);

// The analyzer pairs an END with the most recent BEGIN of the same thread.
struct ReallocEndRecord {
  RecordHeader h;
  uint64_t ts_ns;  // taken after the real realloc() returned
  uint64_t old_addr;
  uint64_t new_addr;  // 0: realloc failed (old block still live) or size was 0 (old block freed)
  uint64_t size;
  uint32_t tid;
  StackId stack;
};
static_assert(sizeof(ReallocEndRecord) == 48);

// Followed by `depth` uint64_t return addresses, innermost first (the caller of malloc first).
struct StackRecord {
  RecordHeader h;
  StackId id;
  uint32_t depth;
};
static_assert(sizeof(StackRecord) == 16);

inline constexpr uint32_t kMaxStackDepth = 256;

struct ModuleSegment {
  uint64_t vaddr;  // p_vaddr of a PT_LOAD segment (add `base` for the runtime address)
  uint64_t memsz;
};
static_assert(sizeof(ModuleSegment) == 16);

// Followed by `segment_count` ModuleSegment, then `build_id_size` bytes of GNU build-id, then
// the path (`path_size` bytes including a terminating NUL), then padding.
struct ModuleRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint64_t base;  // load bias (dl_phdr_info::dlpi_addr)
  uint16_t segment_count;
  uint16_t build_id_size;
  uint32_t path_size;
};
static_assert(sizeof(ModuleRecord) == 32);

inline constexpr uint32_t kMaxModuleSegments = 16;
inline constexpr uint32_t kMaxBuildIdSize = 64;

// ProcessStartRecord::h.flags: the tracer wrote it from /proc (the image has no shim: a static
// or setuid program, or a trace by stracedrv), so the image has no heap records.
inline constexpr uint16_t kProcessStartWithoutShim = 0x1;

// Followed by `exe_size` bytes (NUL-terminated executable path), then `cmdline_size` bytes
// (arguments, each NUL-terminated), then padding.
struct ProcessStartRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint32_t pid;
  uint32_t ppid;
  uint32_t exe_size;
  uint32_t cmdline_size;
};
static_assert(sizeof(ProcessStartRecord) == 32);

enum class ExitKind : uint32_t {
  kUnknown = 0,   // the process is gone but its status was not observed (not our child)
  kExited = 1,    // `status` is the exit code
  kSignaled = 2,  // `status` is the terminating signal
};

struct ProcessExitRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint32_t pid;
  uint32_t kind;  // ExitKind
  int32_t status;
  uint32_t max_rss_kib;  // the program's peak resident set: VmHWM of the last image read at
                         // PTRACE_EVENT_EXIT, else wait4's ru_maxrss, minus memwrap_rss_kib;
                         // 0: unknown
  // Since 40-byte records: memwrap's own resident memory in the process when it exited
  // (tracer/collector/memwrap_resident.h), left out of max_rss_kib; 0 in older records (not known).
  uint32_t memwrap_rss_kib;
  uint32_t reserved;

  static constexpr uint32_t kFirstSize = 32;
};
static_assert(sizeof(ProcessExitRecord) == 40);
// ProcessExitRecord::h.flags, bit 0: memwrap_rss_kib is known (0 then means that memwrap had
// nothing in the process: no shim). Without it, max_rss_kib includes memwrap's share: an older
// trace, or a process whose exit memwrap did not see in time to measure it (killed by SIGKILL).
inline constexpr uint16_t kProcessExitMemwrapRssKnown = 0x1;

enum class LostUnit : uint32_t {
  kRecords = 0,  // `count` whole records were lost
  kBytes = 1,    // `count` bytes of the ring could not be decoded into records
};

struct LostRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint64_t count;
  uint32_t unit;  // LostUnit
  uint32_t reserved;
};
static_assert(sizeof(LostRecord) == 32);

// Sent by the shim from its destructor when the process exits normally (not after _exit,
// exec or a fatal signal): counters that explain records that are absent by design.
struct ShimNoticeRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint64_t untracked_nested_calls;  // calls made while the hook was already active on the
                                    // thread (the shim's own unwinder, a signal handler)
  uint64_t stacks_not_interned;     // events whose stack was dropped: the stack table was full
};

struct ImageEndRecord {
  RecordHeader h;
  uint64_t ts_ns;  // when the collector saw the connection close
};
static_assert(sizeof(ImageEndRecord) == 16);
static_assert(sizeof(ShimNoticeRecord) == 32);

// Mappings the program makes itself (glibc's own mmaps behind large mallocs and the dynamic
// loader's do not go through the interposed functions, so they are never counted twice and
// library loads are not mappings). Lengths are as passed; the analyzer rounds them to pages.
struct MmapRecord {
  RecordHeader h;
  uint64_t ts_ns;  // after the call
  uint64_t addr;
  uint64_t length;
  uint32_t prot;
  uint32_t flags;  // MAP_* as passed (MAP_ANONYMOUS tells anonymous from file-backed)
  uint32_t tid;
  StackId stack;
};
static_assert(sizeof(MmapRecord) == 48);

struct MunmapRecord {
  RecordHeader h;
  uint64_t ts_ns;  // before the call
  uint64_t addr;
  uint64_t length;
  uint32_t tid;
  uint32_t reserved;
};
static_assert(sizeof(MunmapRecord) == 40);

struct MremapBeginRecord {
  RecordHeader h;
  uint64_t ts_ns;  // before the call
  uint64_t old_addr;
  uint64_t old_length;
  uint32_t tid;
  uint32_t flags;  // MREMAP_* as passed
};
static_assert(sizeof(MremapBeginRecord) == 40);

// The analyzer pairs an END with the most recent BEGIN of the same thread.
struct MremapEndRecord {
  RecordHeader h;
  uint64_t ts_ns;  // after the call
  uint64_t old_addr;
  uint64_t old_length;
  uint64_t new_addr;  // 0: mremap failed, the old range is unchanged
  uint64_t new_length;
  uint32_t flags;  // MREMAP_* as passed (MREMAP_DONTUNMAP keeps the old range)
  uint32_t tid;
  StackId stack;
  uint32_t reserved;
};
static_assert(sizeof(MremapEndRecord) == 64);

struct BrkRecord {
  RecordHeader h;
  uint64_t ts_ns;  // after the call
  uint64_t old_break;
  uint64_t new_break;
  uint32_t tid;
  StackId stack;
};
static_assert(sizeof(BrkRecord) == 40);

// Sampled by the collector on a drift-free timer (memwrap run --interval) from
// /proc/PID/status (VmRSS, RssAnon, RssFile, RssShmem, VmSwap, VmHWM) and
// /proc/PID/smaps_rollup (Pss). All in bytes; the kernel reports them in KiB. Each figure is
// the program's own: memwrap's share (memwrap_rss) is left out of it.
struct MemorySampleRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint64_t rss;
  uint64_t pss;
  uint64_t rss_anon;
  uint64_t rss_file;
  uint64_t rss_shmem;
  uint64_t swap;
  uint64_t hwm;  // VmHWM, the peak RSS so far as the kernel keeps it, minus memwrap_rss
  // Since 80-byte records: memwrap's own resident memory in the process
  // (tracer/collector/memwrap_resident.h); 0 in older records, whose figures include it.
  uint64_t memwrap_rss;

  static constexpr uint32_t kFirstSize = 72;
};
static_assert(sizeof(MemorySampleRecord) == 80);
// MemorySampleRecord::h.flags, bit 0: `pss` was not read (it is 0); readers keep the process's
// previous PSS. Set on the tracer's samples right after a memory system call, and on timer
// samples while PSS is over its budget (tracer/collector/pss_budget.h): /proc/PID/smaps_rollup
// walks the page tables of the whole process, milliseconds per GiB of small pages.
inline constexpr uint16_t kMemorySampleWithoutPss = 0x1;
// Bit 1: memwrap_rss was not read again for this sample (reading it is budgeted too,
// tracer/collector/proc_memory.h): it is the last value read plus the growth of RssShmem since
// (CarriedShare in tracer/collector/memwrap_resident.h), an estimate. Readers that need it exact
// (the peak RSS) skip such samples.
inline constexpr uint16_t kMemorySampleMemwrapCarried = 0x2;

// Followed by `name_size` bytes: the mark's name, NUL-terminated (cut to kMaxMarkName bytes).
struct MarkRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint32_t tid;
  uint32_t name_size;
};
static_assert(sizeof(MarkRecord) == 24);
inline constexpr uint32_t kMaxMarkName = 1024;

// Followed by `text_size` bytes: the line without its newline, NUL-terminated (cut to
// kMaxStdoutLine bytes).
struct StdoutLineRecord {
  RecordHeader h;
  uint64_t ts_ns;  // when memwrap read the line from the program's stdout
  uint32_t text_size;
  uint32_t reserved;
};
static_assert(sizeof(StdoutLineRecord) == 24);
inline constexpr uint32_t kMaxStdoutLine = 4096;

// SyscallRecord::h.flags.
inline constexpr uint16_t kSyscallUnfinished = 0x1;  // the thread died (or was detached) inside
                                                     // the call: `result` and duration unknown

// One system call of a traced thread, written by the tracer when the call returned. The process
// is the chunk's pid; x86_64 numbering.
struct SyscallRecord {
  RecordHeader h;        // flags: kSyscall* above
  uint64_t ts_ns;        // syscall entry
  uint64_t duration_ns;  // entry to exit; 0 when unfinished
  uint32_t tid;
  uint32_t number;  // the x86_64 syscall number
  int64_t result;   // the return value; -errno on failure
  uint64_t args[6];
};
static_assert(sizeof(SyscallRecord) == 88);

// Stack ids the tracer assigns (stack samples) have this bit set, so they never collide with
// the shim's ids in the same process; their frames come in ordinary STACK records.
inline constexpr StackId kTracerStackIdBit = 0x80000000u;

// A native stack sample of a stopped thread, taken by the tracer (--stack-sample-rate).
struct StackSampleRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint32_t tid;
  StackId stack;  // a STACK record of this process (kTracerStackIdBit set); kNoStack: the unwind
                  // failed
};
static_assert(sizeof(StackSampleRecord) == 24);

// Library calls (ltracedrv, memwrap run --ltrace): written by the audit library
// (libmemwrap_audit.so, loaded with LD_AUDIT) into a ring of its own, in the process's stream.
// Objects and functions are numbered per process image, each named once (LIBRARY_OBJECT,
// LIBRARY_FUNCTION) before any record that refers to it.

// Followed by `path_size` bytes: the object's path as the dynamic linker names it ("" for the
// main program is replaced by /proc/self/exe's target), NUL-terminated.
struct LibraryObjectRecord {
  RecordHeader h;
  uint64_t ts_ns;   // when the object was loaded (la_objopen)
  uint64_t base;    // load bias (link_map::l_addr)
  uint32_t object;  // this object's number in the process image, from 1
  uint32_t path_size;
};
static_assert(sizeof(LibraryObjectRecord) == 32);

// Followed by `name_size` bytes: the symbol name, NUL-terminated.
struct LibraryFunctionRecord {
  RecordHeader h;
  uint64_t ts_ns;     // when the dynamic linker bound it (la_symbind)
  uint32_t function;  // this function's number in the process image, from 1
  uint32_t object;    // the object that defines it (LIBRARY_OBJECT)
  uint32_t name_size;
  uint32_t reserved;
};
static_assert(sizeof(LibraryFunctionRecord) == 32);

// LibraryCallRecord::h.flags.
inline constexpr uint16_t kLibraryCallUnfinished =
    0x1;  // never returned to its caller (exit,
          // longjmp, an exception, a function that does not return): `result`, duration unknown
inline constexpr uint16_t kLibraryCallNoExit =
    0x2;  // recorded at entry by design (a function
          // that must not be returned through: setjmp, vfork, exit, ...); duration unknown

// One call of a traced function, written when it returned (or, flagged, at entry or when it
// was found abandoned). `args` are the first six integer argument registers at entry
// (x86_64 System V: rdi, rsi, rdx, rcx, r8, r9); which of them mean something depends on the
// function's prototype, which the reader knows for common functions (docs/ltrace.md).
// Followed by `text_size` bytes: the text of the string arguments whose bit is set in
// `text_args` (bit i: args[i], bit 6: the result), in that order, each NUL-terminated and cut
// to kMaxArgText bytes (library_prototypes.h); then padding.
struct LibraryCallRecord {
  RecordHeader h;        // flags: kLibraryCall* above
  uint64_t ts_ns;        // entry
  uint64_t duration_ns;  // entry to return; 0 when unfinished or not observed
  uint32_t tid;
  uint32_t function;       // LIBRARY_FUNCTION of this process image
  uint32_t caller_object;  // the calling object (LIBRARY_OBJECT), 0: unknown
  uint16_t text_size;
  uint16_t text_args;
  uint64_t caller;  // return address in the caller (absolute)
  uint64_t result;  // rax at return
  uint64_t args[6];
};
static_assert(sizeof(LibraryCallRecord) == 104);
inline constexpr uint16_t kLibraryCallResultText = 1u << 6;

// System-wide samples (dlogger, cronlogger, `memwrap sys`; docs/dlogger.md). They belong to no
// process: they are written in records chunks of pid 0, one chunk per sample, which begins with
// a SYSTEM_ITEM of kind kSampleStart; every record of one sample carries the same ts_ns (when
// the sample began). A module whose /proc file
// could not be read writes no record for that sample (absent, never zeros).

// /proc/meminfo in bytes (the kernel reports KiB), with free(1)'s (procps-ng 4) definitions:
// used = MemTotal - MemAvailable (MemTotal - MemFree - Buffers - cache on kernels without
// MemAvailable, where `available` is then 0); cache = Cached + SReclaimable.
struct SystemMemoryRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint64_t total;  // MemTotal
  uint64_t used;
  uint64_t free;        // MemFree
  uint64_t available;   // MemAvailable
  uint64_t buffers;     // Buffers
  uint64_t cache;       // Cached + SReclaimable
  uint64_t shared;      // Shmem
  uint64_t swap_total;  // SwapTotal
  uint64_t swap_used;   // SwapTotal - SwapFree
};
static_assert(sizeof(SystemMemoryRecord) == 88);

// The "cpu" line of /proc/stat: time all CPUs spent in each state since boot, in clock ticks
// (USER_HZ). Busy share over an interval = 1 - (idle + iowait deltas) / (sum of all deltas).
struct SystemCpuRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint64_t user;
  uint64_t nice;
  uint64_t system;
  uint64_t idle;
  uint64_t iowait;
  uint64_t irq;
  uint64_t softirq;
  uint64_t steal;
  uint32_t ticks_per_second;  // sysconf(_SC_CLK_TCK)
  uint32_t cpus;              // "cpuN" lines: CPUs online
};
static_assert(sizeof(SystemCpuRecord) == 88);

// /proc/loadavg. Load averages in thousandths (the kernel prints two decimals: exact).
struct SystemLoadRecord {
  RecordHeader h;
  uint64_t ts_ns;
  uint32_t load1_milli;
  uint32_t load5_milli;
  uint32_t load15_milli;
  uint32_t runnable;  // tasks runnable now
  uint32_t tasks;     // tasks in total (threads included)
  uint32_t reserved;
};
static_assert(sizeof(SystemLoadRecord) == 40);

// SystemItemRecord::h.flags: what the item is, and what its eight values mean.
enum class SystemItemKind : uint16_t {
  // /proc/net/dev, counters since boot: rx_bytes, rx_packets, rx_errors, rx_dropped, tx_bytes,
  // tx_packets, tx_errors, tx_dropped.
  kNetworkInterface = 1,
  // /proc/diskstats, whole disks only, counters since boot: reads, read_bytes, read_ms, writes,
  // written_bytes, write_ms, in_flight (now), io_ms. Bytes are sectors x 512 (the kernel's
  // unit in diskstats whatever the device's sector size).
  kDisk = 2,
  // /proc/PID/stat of one of the top processes by RSS: rss_bytes, vsize_bytes, cpu_ticks
  // (utime + stime, USER_HZ), threads, rank (1 = largest RSS); the rest 0. `id` is the pid.
  kProcess = 3,
  // The first record of every sample, written by the sampler itself: `name` is the host name,
  // values[0] the CLOCK_REALTIME ns when the sample began (wall time survives reboots, which
  // restart CLOCK_MONOTONIC between two cronlogger calls), values[1] the sample's number in
  // the run that wrote it (0 first), values[2] the interval in ns (0 for a single sample); the
  // rest 0.
  kSampleStart = 4,
};

// One named item of a system sample (see SystemItemKind); `name` is NUL-padded, cut to 31
// bytes (interface names are at most 15, process names (comm) 15).
struct SystemItemRecord {
  RecordHeader h;  // flags: SystemItemKind
  uint64_t ts_ns;
  uint32_t id;  // the pid of a process; 0 otherwise
  uint32_t reserved;
  char name[32];
  uint64_t values[8];
};
static_assert(sizeof(SystemItemRecord) == 120);

// Sampled mode (--stacks=sampled, format 1.4 on): the exact figures that the sampled events
// cannot give, read by the collector from the ring's counter area (ring.h, HeapCounterArea) at
// each --interval and when the image ends. Counts and byte totals are exact once the image
// ended (flags bit 0); the ones in between may miss the calls in flight on other threads.
// Bytes freed and the live heap are in the allocator's usable bytes (malloc_usable_size: a free
// does not say the size that was asked for); bytes allocated are the requested sizes. A realloc
// that moves or resizes a block counts as one free of the old block and one allocation.
struct HeapCountersRecord {
  RecordHeader h;               // flags: kHeapCountersFinal
  uint64_t ts_ns;               // when the collector read the counters
  uint64_t alloc_count;         // blocks handed out (malloc family, realloc's new block)
  uint64_t alloc_bytes;         // their requested sizes
  uint64_t alloc_usable_bytes;  // their usable sizes
  uint64_t free_count;          // blocks released (free, realloc's old block)
  uint64_t free_usable_bytes;   // their usable sizes
  uint64_t peak_usable_bytes;   // highest live heap (usable bytes) seen by the shared total
  uint64_t peak_bound_bytes;    // the true peak lies within peak_usable_bytes +- this
  uint64_t sample_bytes;        // the sampler's mean (--sample-bytes)
  uint64_t samples_untracked;   // samples dropped because the sampled-block set was full
  uint32_t threads;             // most threads counting at once (peak_bound = threads x flush)
  uint32_t flush_bytes;         // per-thread live delta that triggers a flush to the total
  // Since format 1.5 (0 in older records and in the shim's counters, which cannot say):
  uint64_t peak_ts_ns;            // when the peak was reached
  uint64_t untracked_frees;       // frees of addresses that were not live
  uint64_t replaced_live_blocks;  // allocations at an address still live (a missed free)
  // kHeapCountersCounted only: the highest sum of the live heaps of every image counted so
  // far (the trace-wide peak, in the order the records are written) and when it was reached.
  uint64_t all_images_peak_bytes;
  uint64_t all_images_peak_ts_ns;
  static constexpr uint32_t kFirstSize = 96;
};
static_assert(sizeof(HeapCountersRecord) == 136);
// HeapCountersRecord::h.flags, bit 0: read after the image ended: every figure is final.
inline constexpr uint16_t kHeapCountersFinal = 0x1;
// Bit 1: counted by the collector from every heap event of the image, as the analyzer's heap
// replay counts them (memwrap run --keep-stacks-if: the trace keeps only some of the events).
// Every figure is exact; the "usable" byte fields hold requested sizes (bytes freed: the
// requested sizes of the blocks that left the live heap), peak_bound_bytes is 0, and
// sample_bytes, samples_untracked, threads and flush_bytes are 0.
inline constexpr uint16_t kHeapCountersCounted = 0x2;

// Sampled mode's per-thread figures (since 1.6). The shim's counter slots (memwrap/ring.h,
// HeapCounterSlot) are reused: a thread that exits leaves its slot to the next one, which adds
// to the same sums. So:
//  * the shim writes one record (flags 0) when a thread leaves its slot (its exit): that
//    thread's own figures, counted since it claimed the slot;
//  * the collector writes one record with kThreadHeapCountersSlotTotal when it reads the
//    counters after the image ended, for every slot still claimed then (threads alive at the
//    end, the main thread among them) and for the shared overflow slot (`slot` =
//    kOverflowCounterSlot, `tid` 0: threads that found no free slot, together): the slot's
//    sums since the image started. A thread's own figures are those sums less those of the
//    threads that left the same slot before (the records without the flag, same `slot`).
struct ThreadHeapCountersRecord {
  RecordHeader h;               // flags: kThreadHeapCountersSlotTotal
  uint64_t ts_ns;               // when the thread left its slot / when the collector read it
  uint32_t tid;                 // the thread (0 for the overflow slot)
  uint32_t slot;                // the counter slot's index, or kOverflowCounterSlot
  uint64_t alloc_count;         // blocks handed out
  uint64_t alloc_bytes;         // their requested sizes
  uint64_t alloc_usable_bytes;  // their usable sizes
  uint64_t free_count;          // blocks released: free() calls and reallocs' old blocks
  uint64_t free_usable_bytes;   // their usable sizes
  uint64_t realloc_releases;    // of free_count, the reallocs' old blocks
};
static_assert(sizeof(ThreadHeapCountersRecord) == 72);
inline constexpr uint16_t kThreadHeapCountersSlotTotal = 0x1;
inline constexpr uint32_t kOverflowCounterSlot = 0xffffffffu;

// Sampled mode's exact per-caller figures (since 1.7): every allocation that the heap counters
// count (HeapCountersRecord.alloc_count: the malloc family, realloc's new block, operator new
// when the shim records it itself) adds one call and its requested size to an entry keyed by
// the return address into its caller, in the calling thread's table in the ring (memwrap/ring.h,
// CallerTotalsEntry); since 1.8, when that caller is runtime code (memwrap/runtime_modules.h),
// by the return address of the first frame above it outside the runtime, the call's site.
// They reach the trace as these records:
//  * the shim writes one when an address finds no entry in its thread's table (the entry it
//    evicts, or the call itself: a thread without a table counts each call so);
//  * the collector writes one for every entry of the tables when it reads the counters after
//    the image ended (with kCallerTotalsFromTable).
// The records of one image sum, per address, to that address's exact figures; over all
// addresses, calls sum to the image's final alloc_count and bytes to its alloc_bytes. A reader
// that finds other sums (a record lost: --on-full=drop, a damaged ring, a flight recorder's
// window, the image's counters never read) must not take them as exact.
struct CallerTotalsRecord {
  RecordHeader h;    // flags: kCallerTotalsFromTable
  uint64_t ts_ns;    // when the shim evicted the entry / when the collector read the tables
  uint64_t address;  // return address into the caller of the allocating function, or (1.8)
                     // of the first program frame above runtime code (absolute)
  uint64_t calls;    // allocations made from there
  uint64_t bytes;    // their requested sizes (calloc: nmemb * size)
};
static_assert(sizeof(CallerTotalsRecord) == 40);
inline constexpr uint16_t kCallerTotalsFromTable = 0x1;

struct ModulesChangedRecord {
  RecordHeader h;
  uint64_t ts_ns;
};
static_assert(sizeof(ModulesChangedRecord) == 16);

constexpr uint32_t AlignRecordSize(uint64_t n) {
  return static_cast<uint32_t>((n + kRecordAlign - 1) & ~uint64_t{kRecordAlign - 1});
}

// Largest record either side will produce or accept (a STACK of kMaxStackDepth frames is the
// biggest; a MODULE with a PATH_MAX path is next).
inline constexpr uint32_t kMaxRecordSize = 8192;
static_assert(sizeof(StackRecord) + kMaxStackDepth * 8 <= kMaxRecordSize);
static_assert(sizeof(ModuleRecord) + kMaxModuleSegments * sizeof(ModuleSegment) + kMaxBuildIdSize +
                  4096 <=
              kMaxRecordSize);

}  // namespace memwrap
