// The keys of a trace's session information (docs/trace-format.md, "Session info"; a system
// log's in docs/dlogger.md): declared once, used by every command that writes them and every
// reader. The strings are the on-disk format: never change one.
#pragma once

namespace memwrap::session_key {

// --- a program's trace: memwrap run / fltrec (cli/run_launched.cpp), memwrap run -p
// (cli/run_attached.cpp), stracedrv (cli/strace_command.cpp), ltracedrv (cli/ltrace_command.cpp)

// PROGRAM and its ARGS as given, joined with spaces (attached: the process's command line).
inline constexpr char kCommand[] = "command";
// The path executed (PROGRAM, or its match in PATH). run, stracedrv, ltracedrv.
inline constexpr char kProgram[] = "program";
// The host name (gethostname). run, attach; dlogger and cronlogger too.
inline constexpr char kHost[] = "host";
// The launched (or attached) process's id, in decimal. run, attach, stracedrv, ltracedrv.
inline constexpr char kPid[] = "pid";
// memwrap's version. run, attach, ltracedrv; dlogger and cronlogger too.
inline constexpr char kMemwrapVersion[] = "memwrap_version";
// Why the heap was not recorded, as a phrase; absent when it was. run, attach, stracedrv,
// ltracedrv.
inline constexpr char kHeapNotRecorded[] = "heap_not_recorded";
// The --syscalls set ("default" when not given), or stracedrv's -e trace= set. run, attach,
// stracedrv.
inline constexpr char kSyscalls[] = "syscalls";
// "1": memwrap attached to a running process (memwrap run -p).
inline constexpr char kAttached[] = "attached";
// --interval in ns (memory samples). run, attach; dlogger and cronlogger: their sampling
// interval (absent with --once).
inline constexpr char kSampleIntervalNs[] = "sample_interval_ns";
// --stack-sample-rate in Hz, when given. run, attach.
inline constexpr char kStackSampleRateHz[] = "stack_sample_rate_hz";
// --keep-stacks-if EXPR as given (and the plugins that drop allocations). run.
inline constexpr char kKeepStacksIf[] = "keep_stacks_if";
// The --plugin libraries, joined with ", ". run.
inline constexpr char kPlugins[] = "plugins";
// The library-call patterns traced (memwrap run --ltrace, ltracedrv's -e/-x/-l as given).
inline constexpr char kLtrace[] = "ltrace";
// Who wrote the trace when not memwrap run: "stracedrv"; a system log's "dlogger" or
// "cronlogger".
inline constexpr char kRecorder[] = "recorder";

// --- the recording options (cli/record_options.cpp, RecordOptions::AddSessionInfo)

inline constexpr char kRingBytes[] = "ring_bytes";      // --buffer, in bytes
inline constexpr char kOnFull[] = "on_full";            // --on-full: "block" or "drop"
inline constexpr char kStacks[] = "stacks";             // --stacks: "full", "none", "sampled"
inline constexpr char kBuffers[] = "buffers";           // --buffers: "per-process", "per-thread"
inline constexpr char kStackDepth[] = "stack_depth";    // --stack-depth
inline constexpr char kSampleBytes[] = "sample_bytes";  // --sample-bytes (sampled stacks only)
inline constexpr char kSampleSeed[] = "sample_seed";    // --sample-seed, when given (sampled)

// --- a parallel job's rank (tracer/job_rank.cpp, AddJobSessionInfo; docs/cluster.md)

inline constexpr char kRank[] = "rank";               // the rank
inline constexpr char kRankSource[] = "rank_source";  // the variable it came from
inline constexpr char kJobSize[] = "job_size";        // the job's size, when known

// --- a flight-recorder dump (tracer/flight/flight_recorder.cpp; fltrec_keep: cli/run_launched.cpp)

inline constexpr char kFltrecTrigger[] = "fltrec_trigger";   // what fired
inline constexpr char kFltrecFiredNs[] = "fltrec_fired_ns";  // when, monotonic ns
inline constexpr char kFltrecDump[] = "fltrec_dump";         // the dump's number, from 1
// Records overwritten before the window.
inline constexpr char kFltrecOverwrittenRecords[] = "fltrec_overwritten_records";
inline constexpr char kFltrecKeep[] = "fltrec_keep";         // --keep as given
inline constexpr char kFltrecAfterNs[] = "fltrec_after_ns";  // --after in ns

// --- a system log: dlogger, cronlogger (cli/sys_command.cpp; docs/dlogger.md)

// "system" in a system log; absent in a program's trace.
inline constexpr char kTraceKind[] = "trace_kind";
inline constexpr char kTraceKindSystem[] = "system";  // kTraceKind's value in a system log
inline constexpr char kModules[] = "modules";         // the sampling modules, comma-separated
inline constexpr char kTop[] = "top";                 // --top

// Every key above, for tests that hold the documentation to this list.
inline constexpr const char* kAll[] = {kCommand,
                                       kProgram,
                                       kHost,
                                       kPid,
                                       kMemwrapVersion,
                                       kHeapNotRecorded,
                                       kSyscalls,
                                       kAttached,
                                       kSampleIntervalNs,
                                       kStackSampleRateHz,
                                       kKeepStacksIf,
                                       kPlugins,
                                       kLtrace,
                                       kRecorder,
                                       kRingBytes,
                                       kOnFull,
                                       kStacks,
                                       kBuffers,
                                       kStackDepth,
                                       kSampleBytes,
                                       kSampleSeed,
                                       kRank,
                                       kRankSource,
                                       kJobSize,
                                       kFltrecTrigger,
                                       kFltrecFiredNs,
                                       kFltrecDump,
                                       kFltrecOverwrittenRecords,
                                       kFltrecKeep,
                                       kFltrecAfterNs,
                                       kTraceKind,
                                       kModules,
                                       kTop};

}  // namespace memwrap::session_key
