// Call sites of known, small volume for sampled mode's exact per-caller counts: every figure
// lies far below --sample-bytes, so only exact counting can report them.
//   three_small:      3 x malloc(100)                                    3 calls,    300 bytes
//   with_calloc:      2 x calloc(5, 20)                                  2 calls,    200 bytes
//   with_realloc:     realloc(NULL, 10), then to 20, then to 30          3 calls,     60 bytes
//   from_threads:     4 threads x 1,000 x malloc(48), one instruction    4,000 calls, 192,000
//   many_callers:     2,000 distinct call instructions x 3 rounds        6,000 calls, 96,000
//   with_new:         5 x new char[100]                                  5 calls,    500 bytes
// and calls that runtime code makes on the program's behalf, counted at the program's frame:
//   with_strdup:      7 x strdup of 99 characters (libc calls malloc)    7 calls,    700 bytes
//   with_string:      4 x std::string::assign(200, 'x') (libstdc++)      4 calls,    804 bytes
//   with_stdio:       fopen, fputs, fclose of /dev/null: the FILE and its buffer (libc's
//                     sizes: the test compares them with a full-mode recording)
// many_callers has more calling instructions than a thread's caller table holds (256), so its
// counts survive evictions only if no eviction loses one. Each site keeps its calls on one
// source line, so that it is one report site. Blocks are kept in static storage and freed.
// `caller_totals kill` then dies of SIGKILL, so that nothing of the shim runs at its exit.
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>

namespace {

void* g_kept[2000];

__attribute__((noinline)) void Keep(int index, void* block) {
  g_kept[index] = block;
}

__attribute__((noinline)) void FreeKept(int count) {
  for (int i = 0; i < count; ++i) free(g_kept[i]);
}

// clang-format off
__attribute__((noinline)) void three_small() { for (int i = 0; i < 3; ++i) Keep(i, malloc(100)); }
__attribute__((noinline)) void with_calloc() { Keep(0, calloc(5, 20)); Keep(1, calloc(5, 20)); }
__attribute__((noinline)) void with_realloc() { Keep(0, realloc(realloc(realloc(nullptr, 10), 20), 30)); }
// clang-format on

__attribute__((noinline)) void from_threads_site(void** blocks) {
  for (int i = 0; i < 1000; ++i) blocks[i] = malloc(48);
}

void* ThreadMain(void*) {
  static thread_local void* blocks[1000];
  from_threads_site(blocks);
  for (void* block : blocks) free(block);
  return nullptr;
}

// clang-format off
#define ONE_CALLER Keep(n++, malloc(16));
#define TEN_CALLERS \
  ONE_CALLER ONE_CALLER ONE_CALLER ONE_CALLER ONE_CALLER ONE_CALLER ONE_CALLER ONE_CALLER ONE_CALLER ONE_CALLER
#define HUNDRED_CALLERS \
  TEN_CALLERS TEN_CALLERS TEN_CALLERS TEN_CALLERS TEN_CALLERS TEN_CALLERS TEN_CALLERS TEN_CALLERS TEN_CALLERS TEN_CALLERS
#define THOUSAND_CALLERS \
  HUNDRED_CALLERS HUNDRED_CALLERS HUNDRED_CALLERS HUNDRED_CALLERS HUNDRED_CALLERS HUNDRED_CALLERS HUNDRED_CALLERS HUNDRED_CALLERS HUNDRED_CALLERS HUNDRED_CALLERS

__attribute__((noinline)) void many_callers() { int n = 0; THOUSAND_CALLERS THOUSAND_CALLERS }
__attribute__((noinline)) void with_new() { for (int i = 0; i < 5; ++i) Keep(i, new char[100]); }
// clang-format on

const char kNinetyNine[] =
    "ninety-nine characters ninety-nine characters ninety-nine characters ninety-nine characters "
    "abcdefg";
static_assert(sizeof(kNinetyNine) == 100);
std::string g_strings[4];

// clang-format off
__attribute__((noinline)) void with_strdup() { for (int i = 0; i < 7; ++i) Keep(i, strdup(kNinetyNine)); }
__attribute__((noinline)) void with_string() { for (std::string& text : g_strings) text.assign(200, 'x'); }
__attribute__((noinline)) void with_stdio() { FILE* file = fopen("/dev/null", "w"); fputs("x", file); fclose(file); }
// clang-format on

}  // namespace

int main(int argc, char** argv) {
  three_small();
  FreeKept(3);
  with_calloc();
  FreeKept(2);
  with_realloc();
  FreeKept(1);
  pthread_t threads[4];
  for (pthread_t& thread : threads) pthread_create(&thread, nullptr, ThreadMain, nullptr);
  for (pthread_t thread : threads) pthread_join(thread, nullptr);
  for (int round = 0; round < 3; ++round) {
    many_callers();
    FreeKept(2000);
  }
  with_new();
  for (int i = 0; i < 5; ++i) delete[] static_cast<char*>(g_kept[i]);
  with_strdup();
  FreeKept(7);
  with_string();
  with_stdio();
  if (argc > 1 && strcmp(argv[1], "kill") == 0) raise(SIGKILL);
  return 0;
}
