// C++ operator new and delete, all 20 replaceable forms (plain, array, nothrow, aligned,
// sized), exported under their mangled names.
//
// libstdc++'s operators call malloc, aligned_alloc and free, where the malloc hooks already
// record them; allocators such as tcmalloc and jemalloc define the operators themselves, and
// some of their forms never call the malloc family (a tcmalloc program's peak read 0), while
// others do (jemalloc's aligned new calls aligned_alloc, its unsized delete calls free). So
// each form finds out, at its first call, which case it is in: it calls its next definition
// once, on a one-byte block, while the malloc hooks watch (heap_probe.h).
// - The next definition reaches the malloc family: the form forwards with a tail call (in
//   sampled mode noting the program's return address first, for the caller tables:
//   NoteNewCaller), so the program's stacks are what they were without this file (they start
//   in the allocator's operator), and the malloc hooks record the call, once.
// - It does not: the form records the allocation (ALLOC kind 0, kind 5 for the aligned forms)
//   or the free (FREE) itself.
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

#include "preload/heap_probe.h"
#include "preload/sampled_heap.h"
#include "preload/shim.h"

namespace memwrap::shim {
__thread int t_probing __attribute__((tls_model("initial-exec")));
__thread int t_probe_saw_allocation __attribute__((tls_model("initial-exec")));
__thread int t_probe_saw_free __attribute__((tls_model("initial-exec")));
}  // namespace memwrap::shim

using memwrap::AllocKind;
using memwrap::shim::Active;

namespace {

enum class Mode : uint8_t { kUnknown, kForward, kRecord };

// Each form's next definition, looked up once (nullptr until something defines it).
template <int kForm, class F>
F Next(const char* mangled) {
  static void* next = nullptr;
  if (next == nullptr) next = dlsym(RTLD_NEXT, mangled);
  return reinterpret_cast<F>(next);
}

template <int kForm>
Mode& ModeOf() {
  static Mode mode = Mode::kUnknown;
  return mode;
}

using Plain = void* (*)(size_t);
using Aligned = void* (*)(size_t, size_t);
using Release = void (*)(void*);
using AlignedRelease = void (*)(void*, size_t);

constexpr size_t kProbeAlignment = 64;

// A one-byte block for probing a delete form, from the matching (array, aligned) new.
void* ProbeBlock(bool array, bool aligned) {
  if (aligned) {
    auto next = array ? Next<100, Aligned>("_ZnamSt11align_val_t")
                      : Next<101, Aligned>("_ZnwmSt11align_val_t");
    return next != nullptr ? next(1, kProbeAlignment) : nullptr;
  }
  auto next = array ? Next<102, Plain>("_Znam") : Next<103, Plain>("_Znwm");
  return next != nullptr ? next(1) : nullptr;
}

// Gives back a block a new form's probe made, with the matching unsized delete.
void ReleaseProbeBlock(void* block, bool array, bool aligned) {
  if (block == nullptr) return;
  if (aligned) {
    auto next = array ? Next<104, AlignedRelease>("_ZdaPvSt11align_val_t")
                      : Next<105, AlignedRelease>("_ZdlPvSt11align_val_t");
    if (next != nullptr) next(block, kProbeAlignment);
    return;
  }
  auto next = array ? Next<106, Release>("_ZdaPv") : Next<107, Release>("_ZdlPv");
  if (next != nullptr) next(block);
}

// Does `allocate` (a new form's next definition, for one byte) reach the malloc family?
template <class Allocate>
Mode ProbeNew(Allocate allocate, bool array, bool aligned) {
  memwrap::shim::HeapProbe probe;
  void* block = allocate();
  const bool reached = probe.saw_allocation();
  ReleaseProbeBlock(block, array, aligned);
  return reached ? Mode::kForward : Mode::kRecord;
}

// Does `release` (a delete form's next definition) reach free?
template <class ReleaseBlock>
Mode ProbeDelete(ReleaseBlock release, bool array, bool aligned) {
  memwrap::shim::HeapProbe probe;
  void* block = ProbeBlock(array, aligned);
  if (block == nullptr) return Mode::kForward;
  memwrap::shim::HeapProbe release_probe;  // only the release's calls
  release(block);
  return release_probe.saw_free() ? Mode::kForward : Mode::kRecord;
}

// Sampled mode: the malloc call inside the next definition is counted under the program's call
// of this form (sampled_heap.h, t_new_caller), which the malloc hooks take. Only the outermost
// form sets it (libstdc++'s operator new[] may call operator new through this file again). It
// is set before a tail call, so that the program's stacks keep no frame of this file: a call
// that fails (bad_alloc, or the nothrow forms' null) leaves it set, and the thread's next
// allocation is then counted under this caller (still counted, at the wrong address), as is an
// allocation a signal handler makes between here and the malloc call. Not while an outer form
// probes its next definition: the probe's malloc is not counted and would not take it.
inline void NoteNewCaller(uint64_t caller) {
  if (memwrap::shim::g_sampled && memwrap::shim::t_new_caller == 0 &&
      memwrap::shim::t_probing == 0) {
    memwrap::shim::t_new_caller = caller;
  }
}

void RecordNew(void* block, size_t size, AllocKind kind,
               const memwrap::shim::CallerContext& caller) {
  if (block != nullptr && Active()) memwrap::shim::RecordAlloc(block, size, kind, caller);
}

void RecordDelete(void* block) {
  if (block != nullptr && Active()) memwrap::shim::RecordFree(block);
}

}  // namespace

// A form without a next definition cannot be reached: whoever calls it links one. A mode
// other than kRecord forwards with a tail call (nothing follows the call). The probe calls
// the form with a size of one (PROBE_ARGS); sized deletes get that size back.
#define MEMWRAP_NEW_FORM(form, mangled, kind, array, aligned, PARAMS, ARGS, PROBE_ARGS)           \
  extern "C" __attribute__((visibility("default"), noinline)) void* mangled PARAMS {              \
    using Next = void*(*)PARAMS;                                                                  \
    auto next = ::Next<form, Next>(#mangled);                                                     \
    if (next == nullptr) return nullptr;                                                          \
    Mode& mode = ModeOf<form>();                                                                  \
    if (mode == Mode::kUnknown) mode = ProbeNew([&] { return next PROBE_ARGS; }, array, aligned); \
    if (mode != Mode::kRecord) {                                                                  \
      NoteNewCaller(reinterpret_cast<uint64_t>(__builtin_return_address(0)));                     \
      return next ARGS;                                                                           \
    }                                                                                             \
    void* block = next ARGS;                                                                      \
    RecordNew(block, size, kind, MEMWRAP_CALLER_CONTEXT());                                       \
    return block;                                                                                 \
  }

#define MEMWRAP_DELETE_FORM(form, mangled, array, aligned, PARAMS, ARGS, PROBE_ARGS)   \
  extern "C" __attribute__((visibility("default"), noinline)) void mangled PARAMS {    \
    using Next = void(*) PARAMS;                                                       \
    auto next = ::Next<form, Next>(#mangled);                                          \
    if (next == nullptr) return;                                                       \
    Mode& mode = ModeOf<form>();                                                       \
    if (mode == Mode::kUnknown) {                                                      \
      mode = ProbeDelete([&](void* probe_block) { next PROBE_ARGS; }, array, aligned); \
    }                                                                                  \
    if (mode != Mode::kRecord) return next ARGS;                                       \
    RecordDelete(block);                                                               \
    next ARGS;                                                                         \
  }

// std::nothrow_t const& and std::align_val_t travel as a pointer and a size_t.
using Nothrow = const void*;

MEMWRAP_NEW_FORM(0, _Znwm, AllocKind::kMalloc, false, false, (size_t size), (size), (1))
MEMWRAP_NEW_FORM(1, _Znam, AllocKind::kMalloc, true, false, (size_t size), (size), (1))
MEMWRAP_NEW_FORM(2, _ZnwmRKSt9nothrow_t, AllocKind::kMalloc, false, false,
                 (size_t size, Nothrow tag), (size, tag), (1, tag))
MEMWRAP_NEW_FORM(3, _ZnamRKSt9nothrow_t, AllocKind::kMalloc, true, false,
                 (size_t size, Nothrow tag), (size, tag), (1, tag))
MEMWRAP_NEW_FORM(4, _ZnwmSt11align_val_t, AllocKind::kAlignedAlloc, false, true,
                 (size_t size, size_t align), (size, align), (1, kProbeAlignment))
MEMWRAP_NEW_FORM(5, _ZnamSt11align_val_t, AllocKind::kAlignedAlloc, true, true,
                 (size_t size, size_t align), (size, align), (1, kProbeAlignment))
MEMWRAP_NEW_FORM(6, _ZnwmSt11align_val_tRKSt9nothrow_t, AllocKind::kAlignedAlloc, false, true,
                 (size_t size, size_t align, Nothrow tag), (size, align, tag),
                 (1, kProbeAlignment, tag))
MEMWRAP_NEW_FORM(7, _ZnamSt11align_val_tRKSt9nothrow_t, AllocKind::kAlignedAlloc, true, true,
                 (size_t size, size_t align, Nothrow tag), (size, align, tag),
                 (1, kProbeAlignment, tag))

MEMWRAP_DELETE_FORM(10, _ZdlPv, false, false, (void* block), (block), (probe_block))
MEMWRAP_DELETE_FORM(11, _ZdaPv, true, false, (void* block), (block), (probe_block))
MEMWRAP_DELETE_FORM(12, _ZdlPvm, false, false, (void* block, size_t size), (block, size),
                    (probe_block, 1))
MEMWRAP_DELETE_FORM(13, _ZdaPvm, true, false, (void* block, size_t size), (block, size),
                    (probe_block, 1))
MEMWRAP_DELETE_FORM(14, _ZdlPvRKSt9nothrow_t, false, false, (void* block, Nothrow tag),
                    (block, tag), (probe_block, tag))
MEMWRAP_DELETE_FORM(15, _ZdaPvRKSt9nothrow_t, true, false, (void* block, Nothrow tag), (block, tag),
                    (probe_block, tag))
MEMWRAP_DELETE_FORM(16, _ZdlPvSt11align_val_t, false, true, (void* block, size_t align),
                    (block, align), (probe_block, kProbeAlignment))
MEMWRAP_DELETE_FORM(17, _ZdaPvSt11align_val_t, true, true, (void* block, size_t align),
                    (block, align), (probe_block, kProbeAlignment))
MEMWRAP_DELETE_FORM(18, _ZdlPvmSt11align_val_t, false, true,
                    (void* block, size_t size, size_t align), (block, size, align),
                    (probe_block, 1, kProbeAlignment))
MEMWRAP_DELETE_FORM(19, _ZdaPvmSt11align_val_t, true, true,
                    (void* block, size_t size, size_t align), (block, size, align),
                    (probe_block, 1, kProbeAlignment))
MEMWRAP_DELETE_FORM(20, _ZdlPvSt11align_val_tRKSt9nothrow_t, false, true,
                    (void* block, size_t align, Nothrow tag), (block, align, tag),
                    (probe_block, kProbeAlignment, tag))
MEMWRAP_DELETE_FORM(21, _ZdaPvSt11align_val_tRKSt9nothrow_t, true, true,
                    (void* block, size_t align, Nothrow tag), (block, align, tag),
                    (probe_block, kProbeAlignment, tag))
