// libmemwrap_audit.so: library-call tracing through the dynamic linker's audit interface
// (rtld-audit(7)), loaded with LD_AUDIT by ltracedrv and memwrap run --ltrace.
//
// Why the audit interface: it needs no breakpoints and no PLT patching, so it works for
// binaries linked with -z now (glibc 2.35+ sends their calls through the audit trampoline when
// an auditor has la_pltenter, and calls la_symbind for them) and for libraries loaded with
// dlopen. Costs and limits are measured in docs/ltrace.md.
//
//  * la_objopen: every object gets a number (its cookie) and a LIBRARY_OBJECT record; it is
//    audited as a caller (BINDFROM) and, if a pattern may match it, as a callee (BINDTO).
//  * la_symbind64: each binding to a matching function gets a number and a LIBRARY_FUNCTION
//    record; every other binding is told not to come back (LA_SYMB_NOPLTENTER|NOPLTEXIT).
//  * la_pltenter: the entry (time, arguments, caller) goes on a per-thread shadow stack.
//  * la_pltexit: the matching entry is completed with the return value and duration and
//    published as one LIBRARY_CALL record. Entries above it (calls left by longjmp or an
//    exception) are published as unfinished.
//
// Runs in its own link namespace with its own libc: nothing here touches the program's heap.
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "audit/audit_stream.h"
#include "audit/bind_now_stubs.h"
#include "memwrap/handshake.h"
#include "memwrap/library_prototypes.h"
#include "memwrap/ltrace_filter.h"
#include "memwrap/records.h"

namespace memwrap::audit {
namespace {

constexpr uint32_t kMaxObjects = 4096;
constexpr uint32_t kMaxFunctions = 16384;
constexpr uint32_t kFunctionSlots = 32768;  // open addressing, a power of two > kMaxFunctions
// Bytes of the caller's stack copied for functions whose arguments may lie on the stack
// (unknown or variadic prototypes): 32 stack slots. glibc passes la_pltexit only a copy of
// that much of the frame.
constexpr long kUnknownFrameBytes = 256;

struct ObjectInfo {
  struct link_map* map;
  uint64_t base;
  const char* path;     // the dynamic linker's l_name (lives while the object is loaded)
  FilterObject filter;  // path, SONAME (or basename), main: what the filter matches
  bool closed;
};

struct FunctionInfo {
  uint32_t object;
  uint32_t symbol_index;
  const char* name;                   // in the object's string table
  const LibraryPrototype* prototype;  // nullptr: unknown
  CallShape shape;
};

LtraceFilter g_filter;
ObjectInfo g_objects[kMaxObjects + 1];
struct link_map* g_maps[kMaxObjects];  // the same objects' link maps, for BindNowStub
std::atomic<uint32_t> g_object_count{0};
FunctionInfo g_functions[kMaxFunctions + 1];
uint32_t g_function_count = 0;  // written under BindLock
// Lazy bindings run la_symbind on any thread at once (glibc takes no lock for them): the
// numbering of functions and the stubs are done under this lock.
std::atomic<bool> g_bind_lock{false};

class BindLock {
 public:
  BindLock() {
    for (int spins = 0; g_bind_lock.exchange(true, std::memory_order_acquire); ++spins) {
      if (spins > 100) syscall(SYS_sched_yield);  // the holder may be waiting for ring space
    }
  }
  ~BindLock() { g_bind_lock.store(false, std::memory_order_release); }
  BindLock(const BindLock&) = delete;
  BindLock& operator=(const BindLock&) = delete;
};
// (object << 32 | symbol index) + 1 -> function number; 0 = empty. Keys are stored (release)
// after the value, and read (acquire) before it, by la_pltenter on any thread.
std::atomic<uint64_t> g_slot_keys[kFunctionSlots];
uint32_t g_slot_values[kFunctionSlots];
char g_exe_path[4096];

// The object's DT_SONAME, or the basename of its path (ltrace's implicit SONAME).
const char* SonameOf(const struct link_map* map, const char* path) {
  const char* strtab = nullptr;
  uint64_t soname = UINT64_MAX;
  for (const ElfW(Dyn)* d = map->l_ld; d != nullptr && d->d_tag != DT_NULL; ++d) {
    if (d->d_tag == DT_STRTAB) strtab = reinterpret_cast<const char*>(d->d_un.d_ptr);
    if (d->d_tag == DT_SONAME) soname = d->d_un.d_val;
  }
  // glibc has adjusted DT_STRTAB by the load bias when the object is relocated; not yet at
  // la_objopen of the main program and its dependencies, whose pointers are still link-time.
  if (strtab != nullptr && reinterpret_cast<uint64_t>(strtab) < map->l_addr) strtab += map->l_addr;
  if (strtab != nullptr && soname != UINT64_MAX) return strtab + soname;
  const char* slash = strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

uint64_t SlotKey(uint32_t object, uint32_t symbol_index) {
  return ((uint64_t(object) << 32) | symbol_index) + 1;
}

uint32_t SlotOf(uint64_t key) {
  return uint32_t((key * 0x9e3779b97f4a7c15ull) >> 32) & (kFunctionSlots - 1);
}

uint32_t LookupFunction(uint32_t object, uint32_t symbol_index) {
  const uint64_t key = SlotKey(object, symbol_index);
  for (uint32_t slot = SlotOf(key), probes = 0; probes < kFunctionSlots;
       slot = (slot + 1) & (kFunctionSlots - 1), ++probes) {
    const uint64_t found = g_slot_keys[slot].load(std::memory_order_acquire);
    if (found == key) return g_slot_values[slot];
    if (found == 0) return 0;
  }
  return 0;
}

template <class Record>
void PublishNamed(Record* record, uint32_t* size_field, const char* text) {
  alignas(8) uint8_t buffer[sizeof(Record) + 4096 + 8];
  const size_t length = strnlen(text, 4095);
  *size_field = uint32_t(length + 1);
  const uint32_t used = uint32_t(sizeof(Record) + length + 1);
  record->h.size = AlignRecordSize(used);
  memcpy(buffer, record, sizeof(Record));
  memcpy(buffer + sizeof(Record), text, length);
  memset(buffer + sizeof(Record) + length, 0, record->h.size - sizeof(Record) - length);
  PublishRecord(buffer, record->h.size);
}

void PublishObject(uint32_t id) {
  LibraryObjectRecord record{};
  record.h = {0, uint16_t(RecordType::kLibraryObject), 0};
  record.ts_ns = NowNs();
  record.base = g_objects[id].base;
  record.object = id;
  PublishNamed(&record, &record.path_size, g_objects[id].path);
}

void PublishFunction(uint32_t id) {
  LibraryFunctionRecord record{};
  record.h = {0, uint16_t(RecordType::kLibraryFunction), 0};
  record.ts_ns = NowNs();
  record.function = id;
  record.object = g_functions[id].object;
  PublishNamed(&record, &record.name_size, g_functions[id].name);
}

// After a fork: the child's stream starts empty, so it names everything again.
void ResendNames() {
  const uint32_t objects = g_object_count.load(std::memory_order_acquire);
  for (uint32_t id = 1; id <= objects; ++id) {
    if (!g_objects[id].closed) PublishObject(id);
  }
  for (uint32_t id = 1; id <= g_function_count; ++id) {
    if (!g_objects[g_functions[id].object].closed) PublishFunction(id);
  }
}

// --- Per-thread shadow stacks --------------------------------------------------------------

// Bytes of each string recorded: ltracedrv's -s, plus one to tell a cut string
// (MEMWRAP_LTRACE_STRINGS; at most kMaxArgText).
uint32_t g_string_bytes = kDefaultStringSize + 1;

struct PendingCall {
  uint64_t rsp;  // the caller's stack pointer at the call: identifies the call at its exit
  uint64_t ts_ns;
  uint64_t caller;
  uint64_t args[6];
  uint32_t function;
  uint32_t caller_object;
  uint16_t text_size;  // bytes of `text` used: the string arguments, each NUL-terminated
  uint16_t text_args;  // which arguments they are (LibraryCallRecord::text_args)
  uint16_t depth;      // traced calls of this thread in progress below this one
  char text[kCallTextBytes];
};

// Copies the string at `address`, at most min(bound, g_string_bytes, room - 1) bytes, and a
// NUL. It reads no further than the function itself must (up to the NUL, or `bound` bytes).
uint32_t CopyText(char* out, uint32_t room, uint64_t address, uint64_t bound) {
  const char* text = reinterpret_cast<const char*>(address);
  uint64_t limit = bound < g_string_bytes ? bound : g_string_bytes;
  if (limit > room - 1) limit = room - 1;
  uint32_t n = 0;
  while (n < limit && text[n] != '\0') {
    out[n] = text[n];
    ++n;
  }
  out[n] = '\0';
  return n + 1;
}

// The text of the call's input strings (and of the strings its format converts), for
// functions whose prototype is known. Output strings ('+') are read at return.
void CaptureTexts(const LibraryPrototype* prototype, PendingCall* call) {
  call->text_size = 0;
  call->text_args = 0;
  if (prototype == nullptr) return;
  uint16_t wanted = 0;
  for (uint8_t i = 0; i < prototype->arg_count && i < 6; ++i) {
    const LtraceArg& arg = prototype->args[i];
    if (!IsText(arg.kind) || arg.output || call->args[i] == 0) continue;
    wanted = uint16_t(wanted | (1u << i));
    if (arg.kind == ArgKind::kFormat) {
      const char* format = reinterpret_cast<const char*>(call->args[i]);
      const uint8_t first = uint8_t(i + 1);
      ForEachFormatConversion(format, [&](int index, ArgKind kind) {
        const int slot = first + index;
        if (index >= 0 && kind == ArgKind::kString && slot < 6 && call->args[slot] != 0) {
          wanted = uint16_t(wanted | (1u << slot));
        }
      });
    }
  }
  for (uint8_t i = 0; i < 6; ++i) {
    if (!(wanted & (1u << i)) || size_t(call->text_size) + 2 > sizeof(call->text)) continue;
    const uint64_t bound =
        i < prototype->arg_count ? BoundOf(prototype->args[i], call->args, 0) : UINT64_MAX;
    call->text_size =
        uint16_t(call->text_size + CopyText(call->text + call->text_size,
                                            uint32_t(sizeof(call->text) - call->text_size),
                                            call->args[i], bound));
    call->text_args = uint16_t(call->text_args | (1u << i));
  }
}

// Sixteen pages per thread that makes a traced call, mapped on first use and kept until the
// process ends (the audit library has no hook at thread exit).
constexpr size_t kShadowBytes = 65536;
struct ShadowStack {
  uint32_t depth;
  uint32_t reserved;
  PendingCall calls[(kShadowBytes - 8) / sizeof(PendingCall)];
};
static_assert(sizeof(ShadowStack) <= kShadowBytes);
constexpr uint32_t kShadowDepth = sizeof(ShadowStack::calls) / sizeof(PendingCall);
static_assert(kShadowDepth == 90, "docs/ltrace.md and docs/trace-format.md state this depth");

__thread ShadowStack* t_shadow __attribute__((tls_model("initial-exec")));
// Set while this thread is inside la_pltenter / la_pltexit: a signal handler that makes a
// traced call then is not recorded (its record could wait on a ring slot that the interrupted
// record holds, and the shadow stack may be mid-update).
__thread int t_in_hook __attribute__((tls_model("initial-exec")));

class HookScope {
 public:
  HookScope() : entered_(t_in_hook == 0) { t_in_hook = 1; }
  ~HookScope() {
    if (entered_) t_in_hook = 0;
  }
  bool entered() const { return entered_; }

 private:
  bool entered_;
};

ShadowStack* Shadow() {
  if (__builtin_expect(t_shadow != nullptr, 1)) return t_shadow;
  long mapped = syscall(SYS_mmap, nullptr, kShadowBytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped < 0 && mapped > -4096) return nullptr;
  t_shadow = reinterpret_cast<ShadowStack*>(mapped);
  return t_shadow;
}

// Publishes a call. At its return (`returned`), the texts of its output strings and of its
// result are read now and merged with the entry's, in argument order.
void PublishCall(const PendingCall& call, uint16_t flags, uint64_t duration_ns, uint64_t result,
                 const LibraryPrototype* prototype = nullptr, bool returned = false) {
  constexpr uint32_t kTextRoom = 2 * kCallTextBytes + kMaxArgText + 8;
  alignas(8) uint8_t buffer[sizeof(LibraryCallRecord) + kTextRoom + 8];
  LibraryCallRecord& record = *reinterpret_cast<LibraryCallRecord*>(buffer);
  char* text = reinterpret_cast<char*>(buffer + sizeof(record));
  uint32_t text_size = 0;
  uint16_t text_args = 0;
  uint32_t entry_at = 0;
  for (uint8_t i = 0; i < 7; ++i) {
    if (call.text_args & (1u << i)) {
      const uint32_t length = uint32_t(strnlen(call.text + entry_at, call.text_size - entry_at));
      memcpy(text + text_size, call.text + entry_at, length);
      text[text_size + length] = '\0';
      text_size += length + 1;
      entry_at += length + 1;
      text_args = uint16_t(text_args | (1u << i));
      continue;
    }
    if (!returned || prototype == nullptr || text_size + 2 > kTextRoom) continue;
    const LtraceArg* arg =
        i < 6 ? (i < prototype->arg_count ? &prototype->args[i] : nullptr) : &prototype->result;
    const uint64_t value = i < 6 ? call.args[i] : result;
    if (arg == nullptr || !IsText(arg->kind) || arg->kind == ArgKind::kFormat || value == 0 ||
        (i < 6 && !arg->output)) {
      continue;
    }
    text_size +=
        CopyText(text + text_size, kTextRoom - text_size, value, BoundOf(*arg, call.args, result));
    text_args = uint16_t(text_args | (1u << i));
  }
  record.text_args = uint16_t(text_args | (uint16_t(call.depth < 255 ? call.depth : 255) << 8));
  const uint32_t used = uint32_t(sizeof(record) + text_size);
  const uint32_t size = AlignRecordSize(used);
  memset(buffer + used, 0, size - used);
  record.text_size = uint16_t(text_size);
  record.h = {size, uint16_t(RecordType::kLibraryCall), flags};
  record.ts_ns = call.ts_ns;
  record.duration_ns = duration_ns;
  record.tid = ThreadId();
  record.function = call.function;
  record.caller_object = call.caller_object;
  record.caller = call.caller;
  record.result = result;
  memcpy(record.args, call.args, sizeof(record.args));
  PublishRecord(buffer, size);
}

}  // namespace
}  // namespace memwrap::audit

using namespace memwrap;
using namespace memwrap::audit;

extern "C" {

__attribute__((visibility("default"))) unsigned int la_version(unsigned int version) {
  if (version < LAV_CURRENT) return 0;  // LAV_CURRENT 2 (glibc 2.35+) calls la_symbind for -z now
  char error[256];
  if (getenv(kEnvLtrace) == nullptr || getenv(kEnvSocket) == nullptr) return 0;
  if (!g_filter.Deserialise(getenv(kEnvLtrace), error, sizeof(error))) {
    const char prefix[] = "memwrap: invalid MEMWRAP_LTRACE, library calls are not traced: ";
    ssize_t ignored = write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
    ignored = write(STDERR_FILENO, error, strlen(error));
    ignored = write(STDERR_FILENO, "\n", 1);
    (void)ignored;
    return 0;
  }
  if (const char* strings = getenv(kEnvLtraceStrings)) {
    uint64_t n = 0;
    for (const char* p = strings; *p >= '0' && *p <= '9' && n <= kMaxArgText; ++p)
      n = n * 10 + uint64_t(*p - '0');
    g_string_bytes = uint32_t((n < kMaxArgText ? n : kMaxArgText) + 1);
  }
  // 0 unloads this library: the program then runs exactly as without it.
  return ConnectStream() ? LAV_CURRENT : 0;
}

__attribute__((visibility("default"))) unsigned int la_objopen(struct link_map* map, Lmid_t,
                                                               uintptr_t* cookie) {
  *cookie = 0;
  if (!StreamActive() || !EnsureConnectedHere(ResendNames)) return 0;
  const uint32_t id = g_object_count.load(std::memory_order_relaxed) + 1;
  if (id > kMaxObjects) return LA_FLG_BINDFROM;  // calls from it are still seen, not into it
  ObjectInfo& object = g_objects[id];
  object.map = map;
  g_maps[id - 1] = map;
  object.base = map->l_addr;
  object.path = map->l_name;
  if (object.path == nullptr || object.path[0] == '\0') {
    // The main program: the dynamic linker names it "".
    ssize_t n = readlink("/proc/self/exe", g_exe_path, sizeof(g_exe_path) - 1);
    g_exe_path[n > 0 ? n : 0] = '\0';
    object.path = g_exe_path;
  }
  // The main program is the first object the dynamic linker reports.
  object.filter = {object.path, SonameOf(map, object.path), id == 1};
  object.closed = false;
  g_object_count.store(id, std::memory_order_release);
  *cookie = id;
  PublishObject(id);
  // Audited as a caller if a -e chain may select its calls (or any -x chain: calls into a
  // library come from anywhere); as a callee likewise.
  const bool from = g_filter.HasChain(ChainKind::kCallee) ||
                    g_filter.MayMatchObject(ChainKind::kCaller, object.filter);
  const bool to = g_filter.HasChain(ChainKind::kCaller) ||
                  g_filter.MayMatchObject(ChainKind::kCallee, object.filter);
  return (from ? unsigned(LA_FLG_BINDFROM) : 0u) | (to ? unsigned(LA_FLG_BINDTO) : 0u);
}

__attribute__((visibility("default"))) unsigned int la_objclose(uintptr_t* cookie) {
  if (*cookie != 0 && *cookie <= kMaxObjects) g_objects[*cookie].closed = true;
  // The program itself closes only at exit (_dl_fini, on the exiting thread): its calls still
  // in progress (one that called exit) never return.
  if (*cookie == 1 && t_shadow != nullptr && StreamActive() && EnsureConnectedHere(ResendNames)) {
    while (t_shadow->depth > 0) {
      PublishCall(t_shadow->calls[--t_shadow->depth], kLibraryCallUnfinished, 0, 0);
    }
  }
  return 0;
}

__attribute__((visibility("default"))) uintptr_t la_symbind64(Elf64_Sym* sym, unsigned int ndx,
                                                              uintptr_t* refcook,
                                                              uintptr_t* defcook,
                                                              unsigned int* flags,
                                                              const char* symname) {
  const uint32_t object = uint32_t(*defcook);
  const uint32_t caller_object = uint32_t(*refcook);
  const bool wanted =
      object != 0 && object <= kMaxObjects && caller_object != 0 && caller_object <= kMaxObjects &&
      !(*flags & LA_SYMB_DLSYM) && StreamActive() && EnsureConnectedHere(ResendNames) &&
      g_filter.Matches(symname, g_objects[caller_object].filter, g_objects[object].filter);
  if (!wanted) {
    *flags |= LA_SYMB_NOPLTENTER | LA_SYMB_NOPLTEXIT;
    return sym->st_value;
  }
  // A signal handler's binding while this thread holds the lock would wait for itself: such a
  // binding (only a handler can nest here) is left untraced.
  HookScope scope;
  if (!scope.entered()) {
    *flags |= LA_SYMB_NOPLTENTER | LA_SYMB_NOPLTEXIT;
    return sym->st_value;
  }
  BindLock lock;
  uint32_t id = LookupFunction(object, ndx);
  if (id == 0 && g_function_count < kMaxFunctions) {
    id = ++g_function_count;
    FunctionInfo& function = g_functions[id];
    function.object = object;
    function.symbol_index = ndx;
    function.name = symname;
    const LibraryPrototype* prototype = FindLibraryPrototype(symname);
    function.prototype = prototype;
    function.shape = CallShapeOf(symname, prototype);
    // Named in the stream before any thread can find it (and record a call of it).
    PublishFunction(id);
    const uint64_t key = SlotKey(object, ndx);
    uint32_t slot = SlotOf(key);
    while (g_slot_keys[slot].load(std::memory_order_relaxed) != 0) {
      slot = (slot + 1) & (kFunctionSlots - 1);
    }
    g_slot_values[slot] = id;
    g_slot_keys[slot].store(key, std::memory_order_release);  // pairs with LookupFunction
  }
  const unsigned both = LA_SYMB_NOPLTENTER | LA_SYMB_NOPLTEXIT;
  if (id != 0 && (*flags & both) == both) {
    // A slot bound now (dlopen RTLD_NOW, LD_BIND_NOW): it gets a stub that enters the audit
    // trampoline like a lazy slot; 0 leaves the call untraced.
    const uint32_t caller = uint32_t(*refcook);
    if (caller != 0 && caller <= kMaxObjects) {
      const uint64_t stub = BindNowStub(g_objects[caller].map, symname, g_maps,
                                        g_object_count.load(std::memory_order_relaxed));
      if (stub != 0) return stub;
    }
    return sym->st_value;
  }
  if (id == 0) {
    *flags |= both;
  } else if (g_functions[id].shape == CallShape::kEntryOnly) {
    *flags |= LA_SYMB_NOPLTEXIT;
  }
  return sym->st_value;
}

__attribute__((visibility("default"))) Elf64_Addr la_x86_64_gnu_pltenter(
    Elf64_Sym* sym, unsigned int ndx, uintptr_t* refcook, uintptr_t* defcook, La_x86_64_regs* regs,
    unsigned int* flags, const char* symname, long int* framesizep) {
  (void)flags;
  (void)symname;
  HookScope scope;
  if (!scope.entered()) return sym->st_value;  // no frame size: no la_pltexit for it either
  const uint32_t function = LookupFunction(uint32_t(*defcook), ndx);
  if (function == 0 || !EnsureConnectedHere(ResendNames)) return sym->st_value;
  PendingCall call;
  call.ts_ns = NowNs();
  call.rsp = regs->lr_rsp;
  call.caller = *reinterpret_cast<const uint64_t*>(regs->lr_rsp);
  call.args[0] = regs->lr_rdi;
  call.args[1] = regs->lr_rsi;
  call.args[2] = regs->lr_rdx;
  call.args[3] = regs->lr_rcx;
  call.args[4] = regs->lr_r8;
  call.args[5] = regs->lr_r9;
  call.function = function;
  call.caller_object = uint32_t(*refcook);
  const FunctionInfo& info = g_functions[function];
  CaptureTexts(info.prototype, &call);
  // A live outer call was made from higher up the stack than this one: entries at or below
  // this call's stack pointer were left (longjmp, an exception) and are reported now.
  if (ShadowStack* pending = t_shadow) {
    while (pending->depth > 0 && pending->calls[pending->depth - 1].rsp <= call.rsp) {
      PublishCall(pending->calls[--pending->depth], kLibraryCallUnfinished, 0, 0);
    }
  }
  call.depth = uint16_t(t_shadow != nullptr ? t_shadow->depth : 0);
  ShadowStack* shadow = info.shape == CallShape::kEntryOnly ? nullptr : Shadow();
  if (shadow == nullptr || shadow->depth >= kShadowDepth) {
    // Not returned through (by design, or too deeply nested): recorded now, without exit.
    PublishCall(call, kLibraryCallNoExit, 0, 0);
    return sym->st_value;
  }
  shadow->calls[shadow->depth++] = call;
  *framesizep = info.shape == CallShape::kReturns ? 0 : kUnknownFrameBytes;
  return sym->st_value;
}

__attribute__((visibility("default"))) unsigned int la_x86_64_gnu_pltexit(
    Elf64_Sym* sym, unsigned int ndx, uintptr_t* refcook, uintptr_t* defcook,
    const La_x86_64_regs* inregs, La_x86_64_retval* outregs, const char* symname) {
  (void)sym;
  (void)refcook;
  (void)symname;
  const uint64_t now = NowNs();
  HookScope scope;
  if (!scope.entered()) return 0;
  ShadowStack* shadow = t_shadow;
  if (shadow == nullptr || !EnsureConnectedHere(ResendNames)) return 0;
  const uint32_t function = LookupFunction(uint32_t(*defcook), ndx);
  while (shadow->depth > 0) {
    const PendingCall& top = shadow->calls[shadow->depth - 1];
    if (top.rsp > inregs->lr_rsp) return 0;  // an outer call: this exit has no entry here
    --shadow->depth;
    if (top.rsp == inregs->lr_rsp && top.function == function) {
      PublishCall(top, 0, now - top.ts_ns, outregs->lrv_rax, g_functions[function].prototype,
                  /*returned=*/true);
      return 0;
    }
    PublishCall(top, kLibraryCallUnfinished, 0, 0);  // left by longjmp or an exception
  }
  return 0;
}

}  // extern "C"
