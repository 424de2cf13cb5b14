/* memwrap's plugin API: a shared library that sees a recording's heap events as they happen.
 *
 *   memwrap run --plugin ./libcount.so[:ARG] [--plugin-timeout 1s] -- ./app
 *   memwrap fltrec --plugin ./libwatchdog.so --trigger crash -- ./app
 *
 * Isolation. The library is loaded neither into the traced program nor into memwrap, but into
 * a plugin host: a process of its own that memwrap starts (a new run of its own executable,
 * not a fork), outside the traced process tree and its process group. memwrap sends it each
 * batch of records drained from a process's ring (every millisecond or so while the program
 * allocates) and waits for one answer per batch, never one per event. So:
 *   - a plugin that crashes kills only its host: memwrap says so in one line on standard
 *     error ("memwrap: plugin LIB crashed (signal 11); recording goes on without it"), and
 *     records every event from then on as if there were no plugin;
 *   - a plugin that does not answer a batch within --plugin-timeout (default 1s) is killed
 *     with its host ("... did not answer within 1s; ..."); the traced program waits at most
 *     that long (in --on-full=block mode its ring fills while memwrap waits);
 *   - a plugin that cannot be loaded (no such file, not a library, no or another API version,
 *     memwrap_plugin_init refusing) is an error before the program starts: one line, exit
 *     status 2, nothing run.
 *   The program's exit status is memwrap's whatever a plugin does.
 *
 * Versioning. A plugin defines memwrap_plugin_api_version() returning the
 * MEMWRAP_PLUGIN_API_VERSION it was compiled with; the host loads it only when that is the
 * version it speaks. A later version that changes a structure or a callback's meaning gets a
 * new number; fields are only ever added at the end of a structure, whose `size` says how
 * many there are.
 *
 * Callbacks. Every one is optional except memwrap_plugin_api_version; all are called on one
 * thread of the host, in the order of the records (for one process: the order of its heap,
 * docs/trace-format.md; processes interleave batch by batch). Pointers passed to a callback
 * are valid only until it returns. Pure C, usable from C and C++ (define the callbacks
 * extern "C"). Full prose: docs/plugins.md. */
#ifndef MEMWRAP_PLUGIN_H_
#define MEMWRAP_PLUGIN_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MEMWRAP_PLUGIN_API_VERSION 1

/* What a plugin's on_event returns for an allocation (ALLOC or REALLOC): keep its record and
 * stack in the trace, or drop them; applied under memwrap run to a plugin that defines
 * memwrap_plugin_drops_allocations (below). The answer for any other event is ignored. A
 * dropped allocation is still counted (totals and the peak stay exact); its free goes with
 * it (tracer/collector/kept_allocations.h). */
#define MEMWRAP_PLUGIN_KEEP 1
#define MEMWRAP_PLUGIN_DROP 0

enum memwrap_plugin_event_kind {
  MEMWRAP_EVENT_ALLOC = 1,         /* malloc, calloc, memalign... returned `address` of `size` */
  MEMWRAP_EVENT_FREE = 2,          /* free(address) */
  MEMWRAP_EVENT_REALLOC_BEGIN = 3, /* realloc(address, ...) is about to run */
  MEMWRAP_EVENT_REALLOC = 4,       /* realloc(old_address, size) returned `address` (0: failed
                                      or size 0) */
  MEMWRAP_EVENT_MMAP = 5,          /* the program mapped `size` bytes at `address` */
  MEMWRAP_EVENT_MUNMAP = 6,        /* the program unmaps `size` bytes at `address` */
  MEMWRAP_EVENT_MARK = 7,          /* memwrap_mark(`mark`) */
  MEMWRAP_EVENT_BRK = 8            /* the break moved from old_address to address */
};

/* One heap event of a traced process. */
typedef struct memwrap_plugin_event {
  uint32_t size; /* sizeof this structure as the host filled it */
  uint32_t kind; /* enum memwrap_plugin_event_kind */
  uint32_t pid;
  uint32_t tid;
  uint64_t time_ns; /* CLOCK_MONOTONIC, the clock of the trace */
  uint64_t address;
  uint64_t old_address; /* REALLOC, BRK: the block or break before; else 0 */
  uint64_t bytes;       /* ALLOC, REALLOC: the size asked for; MMAP, MUNMAP: the length */
  /* The call stack as return addresses, innermost first (the caller of malloc first); empty
   * (depth 0) for events without one (FREE, MUNMAP, MARK) or under --stacks=none. */
  uint32_t depth;
  uint32_t reserved;
  const uint64_t* frames;
  const char* mark; /* MARK: its name; else NULL */
} memwrap_plugin_event;

/* A process image whose heap stream begins: the program, a child it forked, or an image it
 * exec'd (an exec ends the image before it: on_process_exit, then on_process_start). */
typedef struct memwrap_plugin_process {
  uint32_t size;
  uint32_t pid;
  uint32_t ppid;
  uint32_t reserved;
  uint64_t time_ns;
  const char* exe; /* the executable's path */
} memwrap_plugin_process;

/* For each traced process when it starts and then every --interval (never with --interval 0,
 * nor under memwrap watch): its memory as /proc reports it (the program's own, memwrap's
 * share left out), and the live heap the plugin has seen. */
typedef struct memwrap_plugin_tick {
  uint32_t size;
  uint32_t pid;
  uint64_t time_ns;
  uint64_t rss; /* bytes: resident set (VmRSS) */
  uint64_t pss; /* bytes: proportional set, 0 when not read this time */
  uint64_t hwm; /* bytes: the peak resident set so far (VmHWM) */
  /* Bytes in blocks allocated and not yet freed among the events this plugin was given: the
   * exact live heap under --stacks=full or none; under --stacks=sampled only the sampled
   * blocks' (the others are not events). */
  uint64_t heap_live_bytes;
  uint64_t heap_live_blocks;
} memwrap_plugin_tick;

/* What a plugin can ask of memwrap, from any callback. Requests take effect when the host
 * answers the batch being handled (within about a millisecond of the event). */
typedef struct memwrap_plugin_host memwrap_plugin_host;
struct memwrap_plugin_host {
  uint32_t size;
  uint32_t api_version; /* MEMWRAP_PLUGIN_API_VERSION of the host */
  /* ARG of --plugin LIB:ARG, or "" */
  const char* argument;
  /* The function of frame `index` of `event`'s stack (the innermost inlined function at that
   * return address), symbolized on first use from the process's modules and their debug
   * information; "??" when unknown, NULL when index >= depth. Valid for the host's life. */
  const char* (*frame_function)(const memwrap_plugin_host* host, const memwrap_plugin_event* event,
                                uint32_t index);
  /* Adds a mark `name` to process `pid`'s timeline (as if it had called memwrap_mark), at
   * the time of the event being handled: in the trace, in `memwrap timeline`, and for
   * fltrec's mark: triggers. A pid that is not one of the recording's (0) means the process
   * whose event is being handled. */
  void (*add_mark)(const memwrap_plugin_host* host, uint32_t pid, const char* name);
  /* Under fltrec: dumps, exactly as a trigger firing would (the window before, then --after
   * more), with `reason` as the trigger. Under run: adds the mark "dump: REASON" to `pid`'s
   * timeline (the whole trace is being written anyway). */
  void (*request_dump)(const memwrap_plugin_host* host, uint32_t pid, const char* reason);
  /* Ends the recording: the trace is ended cleanly with what it holds, the traced processes
   * run on untraced (their shims stop recording), and memwrap still exits as the program
   * does. */
  void (*stop_recording)(const memwrap_plugin_host* host, const char* reason);
};

/* --- What a plugin defines (all but the first optional) --- */

/* Required: return MEMWRAP_PLUGIN_API_VERSION. */
int memwrap_plugin_api_version(void);
/* Once, after loading, before any event: 0 to go on; anything else refuses the plugin (the
 * run does not start). */
int memwrap_plugin_init(const memwrap_plugin_host* host);
/* Non-zero: on_event's MEMWRAP_PLUGIN_DROP is applied (memwrap run), and the trace is a
 * filtered one, as with --keep-stacks-if: counts, bytes and the peak exact from every event,
 * call sites from the kept allocations. Asked once, after memwrap_plugin_init. Without it (or
 * 0) every allocation is kept whatever on_event returns, and the trace is a full one. */
int memwrap_plugin_drops_allocations(void);
/* One event: MEMWRAP_PLUGIN_KEEP or MEMWRAP_PLUGIN_DROP (allocations only). */
int memwrap_plugin_on_event(const memwrap_plugin_host* host, const memwrap_plugin_event* event);
void memwrap_plugin_on_process_start(const memwrap_plugin_host* host,
                                     const memwrap_plugin_process* process);
/* The process image's heap stream ended (it exited, exec'd or died); its exit status is not
 * known yet at this point. */
void memwrap_plugin_on_process_exit(const memwrap_plugin_host* host, uint32_t pid,
                                    uint64_t time_ns);
void memwrap_plugin_on_tick(const memwrap_plugin_host* host, const memwrap_plugin_tick* tick);
/* Once, when the recording ends (not after a crash or a timeout). */
void memwrap_plugin_fini(const memwrap_plugin_host* host);

#ifdef __cplusplus
}
#endif

#endif /* MEMWRAP_PLUGIN_H_ */
