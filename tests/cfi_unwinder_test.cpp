// The shim's unwinder (preload/cfi_unwinder.h, preload/eh_frame_reader.h):
// - rules read from hand-written CFI with known answers;
// - stacks equal to libunwind's (the unwinder the shim used before, and still its fallback),
//   return-address slots included, on this program's frames, libc's and libstdc++'s, a
//   stack-realigning function, and threads;
// - stacks it must not follow (a signal frame) are handed back.
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <functional>
#include <thread>
#include <vector>

#define UNW_LOCAL_ONLY
#include <gtest/gtest.h>
#include <libunwind.h>

#include "preload/cfi_unwinder.h"
#include "preload/eh_frame_reader.h"

using memwrap::shim::CfiUnwind;
using memwrap::shim::ForgetFrameRules;
using memwrap::shim::FrameRegisters;
using memwrap::shim::FrameRule;
using memwrap::shim::ReadFrameRule;

// Functions whose CFI is known because it is written here. Labels mark addresses inside them.
asm(R"(
  .text
  .globl cfi_frame_pointer, cfi_fp_after_push, cfi_fp_body, cfi_fp_after_leave, cfi_fp_restored
  .type cfi_frame_pointer, @function
cfi_frame_pointer:
  .cfi_startproc
  push %rbp
cfi_fp_after_push:
  .cfi_def_cfa_offset 16
  .cfi_offset %rbp, -16
  mov %rsp, %rbp
  .cfi_def_cfa_register %rbp
cfi_fp_body:
  nop
  .cfi_remember_state
  leave
  .cfi_def_cfa %rsp, 8
cfi_fp_after_leave:
  ret
  .cfi_restore_state
cfi_fp_restored:
  nop
  ret
  .cfi_endproc
  .size cfi_frame_pointer, .-cfi_frame_pointer

  .globl cfi_signal_frame
  .type cfi_signal_frame, @function
cfi_signal_frame:
  .cfi_startproc
  .cfi_signal_frame
  nop
  ret
  .cfi_endproc

  .globl cfi_outermost
  .type cfi_outermost, @function
cfi_outermost:
  .cfi_startproc
  .cfi_undefined %rip
  nop
  ret
  .cfi_endproc

  .globl cfi_cfa_in_rbx
  .type cfi_cfa_in_rbx, @function
cfi_cfa_in_rbx:
  .cfi_startproc
  .cfi_def_cfa %rbx, 32
  nop
  ret
  .cfi_endproc

  .globl cfi_no_fde
  .type cfi_no_fde, @function
cfi_no_fde:
  nop
  ret

# cfi_realigned(void (*probe)()): calls probe with its stack realigned to 64 bytes, the way GCC
# does it with a DRAP register: CFA = *(rbp - 8), rbp saved at rbp + 0.
  .globl cfi_realigned, cfi_realigned_body, cfi_realigned_cfa_in_r10
  .type cfi_realigned, @function
cfi_realigned:
  .cfi_startproc
  lea 8(%rsp), %r10
  .cfi_def_cfa %r10, 0
cfi_realigned_cfa_in_r10:
  and $-64, %rsp
  push -8(%r10)
  push %rbp
  mov %rsp, %rbp
  .cfi_escape 0x10, 0x06, 0x02, 0x76, 0x00
  push %r10
  .cfi_escape 0x0f, 0x03, 0x76, 0x78, 0x06
cfi_realigned_body:
  sub $8, %rsp
  call *%rdi
  add $8, %rsp
  pop %r10
  .cfi_def_cfa %r10, 0
  pop %rbp
  lea -8(%r10), %rsp
  .cfi_def_cfa %rsp, 8
  ret
  .cfi_endproc
  .size cfi_realigned, .-cfi_realigned
)");

extern "C" {
extern char cfi_frame_pointer[], cfi_fp_after_push[], cfi_fp_body[], cfi_fp_after_leave[],
    cfi_fp_restored[], cfi_signal_frame[], cfi_outermost[], cfi_cfa_in_rbx[], cfi_no_fde[],
    cfi_realigned_body[], cfi_realigned_cfa_in_r10[];
void cfi_realigned(void (*probe)());
}

namespace {

uint64_t Address(const char* label) {
  return reinterpret_cast<uint64_t>(label);
}

TEST(EhFrameReader, FramePointerFunctionRuleAtEachInstruction) {
  FrameRule entry = ReadFrameRule(Address(cfi_frame_pointer));
  EXPECT_EQ(entry.cfa, FrameRule::kRspPlus);
  EXPECT_EQ(entry.cfa_offset, 8);
  EXPECT_EQ(entry.return_address_offset, -8);
  EXPECT_EQ(entry.saved_rbp, FrameRule::kRbpUnchanged);

  FrameRule pushed = ReadFrameRule(Address(cfi_fp_after_push));
  EXPECT_EQ(pushed.cfa, FrameRule::kRspPlus);
  EXPECT_EQ(pushed.cfa_offset, 16);
  EXPECT_EQ(pushed.saved_rbp, FrameRule::kRbpAtCfa);
  EXPECT_EQ(pushed.rbp_offset, -16);

  FrameRule body = ReadFrameRule(Address(cfi_fp_body));
  EXPECT_EQ(body.cfa, FrameRule::kRbpPlus);
  EXPECT_EQ(body.cfa_offset, 16);
  EXPECT_EQ(body.saved_rbp, FrameRule::kRbpAtCfa);

  FrameRule left = ReadFrameRule(Address(cfi_fp_after_leave));
  EXPECT_EQ(left.cfa, FrameRule::kRspPlus);
  EXPECT_EQ(left.cfa_offset, 8);

  // DW_CFA_restore_state brings back the rule remembered before the epilogue.
  FrameRule restored = ReadFrameRule(Address(cfi_fp_restored));
  EXPECT_EQ(restored.cfa, FrameRule::kRbpPlus);
  EXPECT_EQ(restored.cfa_offset, 16);
  EXPECT_EQ(restored.saved_rbp, FrameRule::kRbpAtCfa);
  EXPECT_EQ(restored.rbp_offset, -16);
}

TEST(EhFrameReader, RealignedStackExpressions) {
  FrameRule rule = ReadFrameRule(Address(cfi_realigned_body));
  EXPECT_EQ(rule.cfa, FrameRule::kLoadRbpPlus);
  EXPECT_EQ(rule.cfa_offset, -8);
  EXPECT_EQ(rule.saved_rbp, FrameRule::kRbpAtRbp);
  EXPECT_EQ(rule.rbp_offset, 0);
  EXPECT_EQ(rule.return_address_offset, -8);
}

TEST(EhFrameReader, OutermostAndUnsupportedForms) {
  EXPECT_EQ(ReadFrameRule(Address(cfi_outermost)).cfa, FrameRule::kOutermost);
  EXPECT_FALSE(ReadFrameRule(Address(cfi_signal_frame)).supported());
  EXPECT_FALSE(ReadFrameRule(Address(cfi_cfa_in_rbx)).supported());
  EXPECT_FALSE(ReadFrameRule(Address(cfi_no_fde)).supported());
  EXPECT_FALSE(ReadFrameRule(0x10).supported());  // in no loaded object
  // The realigning function's prologue, CFA in r10.
  EXPECT_FALSE(ReadFrameRule(Address(cfi_realigned_cfa_in_r10)).supported());
}

// A stack as the shim takes it: from the probe's caller on, with where each return address
// was found.
struct Stack {
  std::vector<uint64_t> ips;
  std::vector<uint64_t> slots;  // slots[0] is not compared: the first frame's is implied
};

constexpr uint32_t kMaxDepth = 128;

// libunwind, stepping from the probe's own frame to its caller as the shim's fallback does.
__attribute__((noinline)) Stack LibunwindStack(uint64_t caller_ip) {
  Stack stack;
  unw_context_t context;
  unw_cursor_t cursor;
  unw_getcontext(&context);
  unw_init_local(&cursor, &context);
  bool in_caller = false;
  do {
    unw_word_t ip = 0, sp = 0;
    if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
    unw_get_reg(&cursor, UNW_REG_SP, &sp);
    if (!in_caller) {
      if (ip != caller_ip) continue;
      in_caller = true;
    }
    stack.ips.push_back(ip);
    stack.slots.push_back(sp - 8);
    if (stack.ips.size() == kMaxDepth) break;
  } while (unw_step(&cursor) > 0);
  return stack;
}

struct Comparison {
  Stack cfi;
  Stack reference;
  bool handed_back = false;
};

// Takes the caller's registers the way the shim's hooks do (a frame-pointer frame).
__attribute__((noinline)) Comparison Probe() {
  FrameRegisters start{reinterpret_cast<uint64_t>(__builtin_return_address(0)),
                       reinterpret_cast<uint64_t>(__builtin_frame_address(0)) + 16,
                       *reinterpret_cast<const uint64_t*>(__builtin_frame_address(0))};
  Comparison result;
  uint64_t ips[kMaxDepth], slots[kMaxDepth];
  uint32_t depth = CfiUnwind(start, ips, slots, kMaxDepth);
  result.handed_back = depth == 0;
  result.cfi.ips.assign(ips, ips + depth);
  result.cfi.slots.assign(slots, slots + depth);
  result.reference = LibunwindStack(start.ip);
  return result;
}

void ExpectSameStack(const Comparison& c) {
  ASSERT_FALSE(c.handed_back);
  ASSERT_GT(c.reference.ips.size(), 2u);
  EXPECT_EQ(c.cfi.ips, c.reference.ips);
  ASSERT_EQ(c.cfi.slots.size(), c.reference.slots.size());
  for (size_t i = 1; i < c.cfi.slots.size(); ++i) EXPECT_EQ(c.cfi.slots[i], c.reference.slots[i]);
}

// Frames of several shapes: stack-pointer based, with a variable-size frame (alloca: frame
// pointer based), deep recursion.
volatile int g_sink;

__attribute__((noinline)) Comparison Leaf(int n) {
  Comparison c = Probe();
  g_sink = n;
  return c;
}

__attribute__((noinline)) Comparison WithAlloca(int n) {
  char* scratch = static_cast<char*>(alloca(64 + n * 16));
  scratch[0] = char(n);
  g_sink = scratch[0];
  Comparison c = Leaf(n);
  g_sink = scratch[n];
  return c;
}

__attribute__((noinline)) Comparison Recurse(int depth, int n) {
  if (depth == 0) return n % 2 ? WithAlloca(n) : Leaf(n);
  volatile char frame[128];
  frame[depth % 128] = char(depth);
  Comparison c = Recurse(depth - 1, n);
  g_sink = frame[depth % 128];
  return c;
}

TEST(CfiUnwinder, SameStacksAsLibunwindOnThisProgramsFrames) {
  for (int depth : {0, 1, 5, 20, 60}) {
    for (int n : {1, 2}) {
      SCOPED_TRACE(testing::Message() << "depth " << depth << " n " << n);
      ExpectSameStack(Recurse(depth, n));
    }
  }
}

__attribute__((noinline)) std::vector<uint64_t> TakeStack(uint32_t limit) {
  FrameRegisters here{reinterpret_cast<uint64_t>(__builtin_return_address(0)),
                      reinterpret_cast<uint64_t>(__builtin_frame_address(0)) + 16,
                      *reinterpret_cast<const uint64_t*>(__builtin_frame_address(0))};
  uint64_t ips[kMaxDepth], slots[kMaxDepth];
  uint32_t depth = CfiUnwind(here, ips, slots, limit);
  return {ips, ips + depth};
}

TEST(CfiUnwinder, DepthLimitKeepsTheInnermostFrames) {
  std::vector<std::vector<uint64_t>> stacks;
  for (uint32_t limit : {kMaxDepth, 5u}) stacks.push_back(TakeStack(limit));  // one call site
  ASSERT_GT(stacks[0].size(), 5u);
  ASSERT_EQ(stacks[1].size(), 5u);
  EXPECT_TRUE(std::equal(stacks[1].begin(), stacks[1].end(), stacks[0].begin()));
}

// Through libc (qsort's comparator) and libstdc++ (std::function).
Comparison g_from_callback;

int CompareAndProbe(const void* a, const void* b) {
  if (g_from_callback.reference.ips.empty()) g_from_callback = Probe();
  return *static_cast<const int*>(a) - *static_cast<const int*>(b);
}

TEST(CfiUnwinder, SameStacksThroughLibcAndLibstdcxx) {
  g_from_callback = {};
  int values[] = {5, 3, 9, 1, 7, 2, 8};
  qsort(values, 7, sizeof(int), CompareAndProbe);
  ExpectSameStack(g_from_callback);

  std::function<Comparison(int)> through_function = [](int n) { return Recurse(3, n); };
  ExpectSameStack(through_function(1));
}

Comparison g_realigned;
void ProbeIntoGlobal() {
  g_realigned = Probe();
}

TEST(CfiUnwinder, SameStackThroughARealigningFunction) {
  cfi_realigned(ProbeIntoGlobal);
  ExpectSameStack(g_realigned);
  // The realigning function is on the stack, found by its return address.
  bool found = false;
  for (uint64_t ip : g_realigned.cfi.ips) {
    found |= ip > Address(cfi_realigned_body) && ip < Address(cfi_realigned_body) + 16;
  }
  EXPECT_TRUE(found);
}

TEST(CfiUnwinder, SameStacksOnThreadsAndAfterRulesAreForgotten) {
  std::vector<Comparison> results(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &results] {
      results[2 * t] = Recurse(t * 7, t);
      results[2 * t + 1] = Recurse(t * 3 + 1, t + 1);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const Comparison& c : results) ExpectSameStack(c);
  ForgetFrameRules();
  ExpectSameStack(Recurse(4, 1));
}

// Out of a signal handler: the kernel's signal frame has no rule this unwinder applies, so the
// stack is handed to libunwind.
Comparison g_in_handler;
void ProbingHandler(int) {
  g_in_handler = Probe();
}

TEST(CfiUnwinder, HandsBackAStackThroughASignalFrame) {
  struct sigaction action {};
  action.sa_handler = ProbingHandler;
  sigemptyset(&action.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &action, nullptr), 0);
  pthread_kill(pthread_self(), SIGUSR1);
  signal(SIGUSR1, SIG_DFL);
  EXPECT_TRUE(g_in_handler.handed_back);
  EXPECT_GT(g_in_handler.reference.ips.size(), 3u);
}

}  // namespace
