// The audit library's connection to the collector: its own ring (include/memwrap/ring.h) sent
// through the same handshake as the heap shim's, as the process's library-call stream
// (handshake.h, Stream::kLibraryCalls). Heap-free: static buffers and raw system calls only.
//
// A forked child must not write into its parent's ring. The audit library has no fork hook
// (it runs with its own copy of libc, whose pthread_atfork the program's fork() never calls),
// so it keeps a flag in a MADV_WIPEONFORK page: a child sees the page zeroed, and the next
// record it makes connects it anew (EnsureConnectedHere).
#pragma once

#include <stdint.h>

namespace memwrap::audit {

// Connects (once, from la_version). False: no collector, or it refused us; trace nothing.
bool ConnectStream();
bool StreamActive();

// Called before each record: after a fork, joins the collector as the new process and calls
// `resend` so the child's stream names its objects and functions again. False when tracing
// stopped.
using NameResender = void (*)();
bool EnsureConnectedHere(NameResender resend);

// Publishes one complete record (waits while the ring is full, like the heap shim's default).
void PublishRecord(const void* record, uint32_t size);

uint64_t NowNs();
uint32_t ThreadId();

}  // namespace memwrap::audit
