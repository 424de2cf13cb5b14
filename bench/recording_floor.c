// What recording every malloc-family call costs at the very least, for bench/run_bench.sh: a
// preload library whose hooks only forward the call and store a 32-byte record with a
// timestamp into a thread-local array, overwritten in a circle and never read. No call stack,
// no order between threads, no collector, nothing leaves the thread: a real recorder does
// all of that on top. Built twice: timestamps from rdtsc (cheapest clock), or from
// clock_gettime(CLOCK_MONOTONIC) with -DFLOOR_CLOCK_GETTIME.
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <x86intrin.h>

extern void* __libc_malloc(size_t size);
extern void* __libc_calloc(size_t count, size_t size);
extern void* __libc_realloc(void* block, size_t size);
extern void __libc_free(void* block);

struct Record {
  uint64_t ts, address, size, kind;
};
static __thread struct Record g_records[4096];
static __thread unsigned g_next;

static inline uint64_t Timestamp(void) {
#ifdef FLOOR_CLOCK_GETTIME
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
#else
  return __rdtsc();
#endif
}

static inline void Store(const void* address, size_t size, uint64_t kind) {
  struct Record* record = &g_records[g_next++ & 4095];
  record->ts = Timestamp();
  record->address = (uint64_t)address;
  record->size = size;
  record->kind = kind;
}

void* malloc(size_t size) {
  void* block = __libc_malloc(size);
  Store(block, size, 1);
  return block;
}

void* calloc(size_t count, size_t size) {
  void* block = __libc_calloc(count, size);
  Store(block, count * size, 1);
  return block;
}

void* realloc(void* block, size_t size) {
  Store(block, 0, 2);  // as memwrap: one record before, one after
  void* moved = __libc_realloc(block, size);
  Store(moved, size, 3);
  return moved;
}

void free(void* block) {
  if (block != NULL) Store(block, 0, 4);  // before the call: the address may be reused at once
  __libc_free(block);
}
