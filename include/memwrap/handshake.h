// How a shim finds and joins its collector.
//
//  1. memwrap starts the program with LD_PRELOAD=<libmemwrap_preload.so> and
//     MEMWRAP_SOCKET=<name of an abstract unix stream socket> (the name without the leading NUL).
//  2. The shim's constructor connects (SOCK_CLOEXEC), creates its ring memfd and sends one
//     message: a Hello struct as data, the memfd as SCM_RIGHTS. The executable path and the
//     command line follow as a second plain message of hello.strings_size bytes.
//  3. The collector validates the ring, maps it, and answers with one HelloAck. The shim
//     starts recording only after a positive ack; without a live collector the MEMWRAP_*
//     variables are ignored and the program runs untraced.
//  4. The connection stays open for the life of the process: its end-of-file tells the
//     collector that the process is gone and the ring can be drained for the last time.
//     The socket is close-on-exec; a new image connects again from its own constructor.
//  5. A process may hold one connection per stream (Hello::stream): the heap shim's, and the
//     library-call auditor's (LD_AUDIT=libmemwrap_audit.so, MEMWRAP_LTRACE=patterns). Each has
//     its own ring; the collector puts both into the process's one stream of records.
#pragma once

#include <stdint.h>

namespace memwrap {

inline constexpr const char* kEnvSocket = "MEMWRAP_SOCKET";
inline constexpr const char* kEnvRingSize = "MEMWRAP_BUFFER";         // bytes, optional
inline constexpr const char* kEnvStackDepth = "MEMWRAP_STACK_DEPTH";  // optional
// The auditor's filter (include/memwrap/ltrace_filter.h): ltrace filter expressions, one a
// line, each led by "e " (-e: by the calling object) or "x " (-x, -l: by the defining one).
inline constexpr const char* kEnvLtrace = "MEMWRAP_LTRACE";
// Bytes of each string argument the auditor records (ltracedrv -s); default 32.
inline constexpr const char* kEnvLtraceStrings = "MEMWRAP_LTRACE_STRINGS";
// "1": the tracer puts memwrap's variables back into every image it sees exec'd
// (tracer/exec_environment.h), so the shim takes them out of the program's environ once it has
// read them (preload/environment_hiding.h): the program sees the environment it was given.
inline constexpr const char* kEnvRestoredAtExec = "MEMWRAP_RESTORED_AT_EXEC";
// The file names memwrap's injected libraries have; the shim recognises them in LD_PRELOAD and
// LD_AUDIT by these.
inline constexpr const char* kShimFileName = "libmemwrap_preload.so";
inline constexpr const char* kAuditFileName = "libmemwrap_audit.so";

enum class Stream : uint32_t {
  kHeap = 0,          // the preload shim: heap, mappings, modules, marks
  kLibraryCalls = 1,  // the audit library: LIBRARY_* records
};

inline constexpr uint32_t kHelloMagic = 0x4c454857;  // "WHEL"
inline constexpr uint32_t kHandshakeVersion = 1;
inline constexpr uint32_t kMaxHelloStrings = 64 * 1024;

struct Hello {
  uint32_t magic;
  uint32_t version;
  uint32_t pid;
  uint32_t ppid;
  uint64_t ring_bytes;    // size of the memfd: kRingHeaderSize + capacity
  uint64_t start_ts_ns;   // CLOCK_MONOTONIC when the shim started
  uint32_t strings_size;  // bytes of the second message: exe path NUL, then argv entries NUL
  uint32_t stream;        // Stream
};
static_assert(sizeof(Hello) == 40);

struct HelloAck {
  uint32_t magic;
  uint32_t accepted;  // 1: record; 0: run untraced
};
static_assert(sizeof(HelloAck) == 8);

}  // namespace memwrap
