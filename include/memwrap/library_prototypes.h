// What memwrap knows of common library functions' signatures: which argument registers mean
// something and how to show them (ltracedrv's text and JSON), and which functions must not be
// returned through by the audit library (they return twice, never return, or look at their
// own return address). Shared by the audit library (libmemwrap_audit.so) and the formatter;
// plain constant data, no heap.
#pragma once

#include <stdint.h>
#include <string.h>

namespace memwrap {

// How an argument or result is shown; ltrace's types (ltrace.conf(5)) mapped by
// audit/ltrace_conf_to_prototypes.py.
enum class ArgKind : uint8_t {
  kNone = 0,   // (result) void: "<void>"
  kInt,        // int, short: signed decimal (32 bits)
  kUint,       // uint, ushort: unsigned decimal (32 bits)
  kLong,       // long: signed decimal
  kUlong,      // ulong (size_t): unsigned decimal
  kChar,       // char: 'c', escaped
  kOctal,      // octal: 0755
  kHex,        // hex(int), hex(uint): 0x..., 32 bits
  kHexLong,    // hex(long), hex(ulong)
  kAddr,       // addr, file, and anything read through a pointer: 0x..., 0 for NULL
  kString,     // string: its text up to the NUL (nil for NULL)
  kStringN,    // string bounded by argument `aux` (1-based): stringN, string[argN]
  kStringRet,  // string bounded by the result: string0, string[retval] (read at return)
  kArrayN,     // string(array(char, argN)*): `aux` bytes (shown up to a NUL, then \0)
  kFormat,     // format: a printf format, followed by the arguments it converts
  kEnum,       // enum(...): the name of its value in table `aux`, else the number
  kUnknown,    // no prototype: ltrace's guess (decimal below 65536 unsigned, else hex)
};

// How a function is traced.
enum class CallShape : uint8_t {
  kReturns = 0,  // entry and return are recorded
  kEntryOnly,    // recorded at entry only (see the header comment)
  kVariadic,     // returns, but may pass arguments on the stack: the frame is copied
};

// The most bytes of a string shown (-s); the audit library captures one more, to know when a
// string was cut.
inline constexpr uint32_t kMaxArgText = 512;
// Bytes of text the audit library keeps per call in progress: the string arguments together.
inline constexpr uint32_t kCallTextBytes = 640;
inline constexpr uint32_t kDefaultStringSize = 32;  // ltrace's -s default

struct LtraceArg {
  ArgKind kind = ArgKind::kNone;
  uint8_t aux = 0;      // kStringN / kArrayN: the bounding argument (1-based); kEnum: the table
  bool output = false;  // '+': filled by the function, read at return
};

// True for the kinds whose value points to text the tracer reads from the program: the audit
// library and `ltracedrv -p` read the same arguments.
inline bool IsText(ArgKind kind) {
  return kind == ArgKind::kString || kind == ArgKind::kStringN || kind == ArgKind::kStringRet ||
         kind == ArgKind::kArrayN || kind == ArgKind::kFormat;
}

// The bound of a string argument or result: the argument it names (1-based), the result's
// length for kStringRet, or none (UINT64_MAX).
inline uint64_t BoundOf(const LtraceArg& arg, const uint64_t* args, uint64_t result) {
  if (arg.kind == ArgKind::kStringRet) return int64_t(result) > 0 ? result : 0;
  if ((arg.kind == ArgKind::kStringN || arg.kind == ArgKind::kArrayN) && arg.aux >= 1 &&
      arg.aux <= 6) {
    return args[arg.aux - 1];
  }
  return UINT64_MAX;
}

struct LibraryPrototype {
  const char* name;
  LtraceArg result;
  LtraceArg args[6];
  uint8_t arg_count;  // as ltrace's prototype has them (the first six are in `args`)
};

struct LtraceEnumValue {
  uint8_t table;
  int64_t value;
  const char* name;
};

using A = ArgKind;
#define LTRACE_ENUM(id, value, name) {id, value, name},
inline constexpr LtraceEnumValue kLtraceEnums[] = {
#include "memwrap/ltrace_prototypes.inc"
};
#undef LTRACE_ENUM

// ltrace 0.7.3's default configuration (/etc/ltrace.conf), generated.
#define LTRACE_PROTOTYPE(...) {__VA_ARGS__},
inline constexpr LibraryPrototype kLtracePrototypes[] = {
#include "memwrap/ltrace_prototypes.inc"
};
#undef LTRACE_PROTOTYPE

// memwrap's own, for functions ltrace's configuration lacks (heap, memory, and the functions
// that must not be returned through), in the same types.
inline constexpr LtraceArg kI{A::kInt}, kU{A::kUint}, kL{A::kLong}, kUL{A::kUlong}, kP{A::kAddr},
    kS{A::kString}, kH{A::kHex}, kC{A::kChar}, kV{A::kNone};
inline constexpr LibraryPrototype kExtraPrototypes[] = {
    {"reallocarray", kP, {kP, kUL, kUL}, 3},
    {"posix_memalign", kI, {kP, kUL, kUL}, 3},
    {"aligned_alloc", kP, {kUL, kUL}, 2},
    {"memalign", kP, {kUL, kUL}, 2},
    {"valloc", kP, {kUL}, 1},
    {"pvalloc", kP, {kUL}, 1},
    {"malloc_usable_size", kUL, {kP}, 1},
    {"memcmp", kI, {kP, kP, kUL}, 3},
    {"memrchr", kP, {kP, kC, kUL}, 3},
    {"mempcpy", kP, {kP, kP, kUL}, 3},
    {"mmap", kP, {kP, kUL, kH, kH, kI, kL}, 6},
    {"mmap64", kP, {kP, kUL, kH, kH, kI, kL}, 6},
    {"munmap", kI, {kP, kUL}, 2},
    {"mremap", kP, {kP, kUL, kUL, kH}, 4},
    {"strnlen", kUL, {{A::kStringN, 2}, kUL}, 2},
    {"strncasecmp", kI, {{A::kStringN, 3}, {A::kStringN, 3}, kUL}, 3},
    {"strncat", kS, {kS, {A::kStringN, 3}, kUL}, 3},
    {"strndup", kP, {{A::kStringN, 2}, kUL}, 2},
    {"strtol", kL, {kS, kP, kI}, 3},
    {"strtoul", kUL, {kS, kP, kI}, 3},
    {"atoi", kI, {kS}, 1},
    {"atol", kL, {kS}, 1},
    {"secure_getenv", kS, {kS}, 1},
    {"fdopendir", kP, {kI}, 1},
    {"__printf_chk", kI, {kI, {A::kFormat}}, 2},
    {"__fprintf_chk", kI, {kP, kI, {A::kFormat}}, 3},
    {"__sprintf_chk", kI, {{A::kString, 0, true}, kI, kUL, {A::kFormat}}, 4},
    {"__snprintf_chk", kI, {{A::kStringN, 2, true}, kUL, kI, kUL, {A::kFormat}}, 5},
    {"setjmp", kI, {kP}, 1},
    {"_setjmp", kI, {kP}, 1},
    {"__sigsetjmp", kI, {kP, kI}, 2},
    {"sigsetjmp", kI, {kP, kI}, 2},
    {"longjmp", kV, {kP, kI}, 2},
    {"_longjmp", kV, {kP, kI}, 2},
    {"siglongjmp", kV, {kP, kI}, 2},
    {"__longjmp_chk", kV, {kP, kI}, 2},
    {"vfork", kI, {}, 0},
    {"getcontext", kI, {kP}, 1},
    {"setcontext", kI, {kP}, 1},
    {"swapcontext", kI, {kP, kP}, 2},
    {"makecontext", kV, {kP, kP, kI}, 3},
    {"_Exit", kV, {kI}, 1},
    {"quick_exit", kV, {kI}, 1},
    {"pthread_exit", kV, {kP}, 1},
    {"__libc_start_main", kI, {kP, kI, kP}, 3},
    {"__cxa_throw", kV, {kP, kP, kP}, 3},
    {"__cxa_rethrow", kV, {}, 0},
    {"_Unwind_Resume", kV, {kP}, 1},
    {"_Unwind_RaiseException", kI, {kP}, 1},
    {"execve", kI, {kS, kP, kP}, 3},
    {"execvp", kI, {kS, kP}, 2},
    {"execvpe", kI, {kS, kP, kP}, 3},
    {"execl", kI, {kS, kS}, 2},
    {"execle", kI, {kS, kS}, 2},
    {"fexecve", kI, {kI, kP, kP}, 3},
    {"dlmopen", kP, {kL, kS, kH}, 3},
    {"dlvsym", kP, {kP, kS, kS}, 3},
    {"dladdr", kI, {kP, kP}, 2},
    {"dladdr1", kI, {kP, kP, kP, kI}, 4},
    {"dlinfo", kI, {kP, kI, kP}, 3},
};

// Functions recorded at entry only: they return twice (a frame of the tracer's between them
// would be gone), never return, or find their caller from their return address
// (dlsym(RTLD_NEXT), dlopen's caller's namespace).
inline constexpr const char* kEntryOnlyFunctions[] = {
    "setjmp",      "_setjmp",       "__sigsetjmp",    "sigsetjmp",
    "longjmp",     "_longjmp",      "siglongjmp",     "__longjmp_chk",
    "vfork",       "getcontext",    "setcontext",     "swapcontext",
    "makecontext", "exit",          "_exit",          "_Exit",
    "quick_exit",  "abort",         "pthread_exit",   "__libc_start_main",
    "__cxa_throw", "__cxa_rethrow", "_Unwind_Resume", "_Unwind_RaiseException",
    "execve",      "execv",         "execvp",         "execvpe",
    "execl",       "execlp",        "execle",         "fexecve",
    "dlopen",      "dlmopen",       "dlsym",          "dlvsym",
    "dlclose",     "dlerror",       "dladdr",         "dladdr1",
    "dlinfo",
};

// The prototype of `name` (ltrace's first, then memwrap's), or nullptr when unknown.
inline const LibraryPrototype* FindLibraryPrototype(const char* name) {
  for (const LibraryPrototype& prototype : kLtracePrototypes) {
    if (strcmp(prototype.name, name) == 0) return &prototype;
  }
  for (const LibraryPrototype& prototype : kExtraPrototypes) {
    if (strcmp(prototype.name, name) == 0) return &prototype;
  }
  return nullptr;
}

// How `name` is traced: entry only (above); variadic when it may pass arguments on the stack
// (unknown prototype, a format, more than six arguments); else entry and return with no frame.
inline CallShape CallShapeOf(const char* name, const LibraryPrototype* prototype) {
  for (const char* entry_only : kEntryOnlyFunctions) {
    if (strcmp(entry_only, name) == 0) return CallShape::kEntryOnly;
  }
  if (prototype == nullptr || prototype->arg_count > 6) return CallShape::kVariadic;
  for (uint8_t i = 0; i < prototype->arg_count; ++i) {
    if (prototype->args[i].kind == ArgKind::kFormat) return CallShape::kVariadic;
  }
  return CallShape::kReturns;
}

// The name of `value` in enum table `table`, or nullptr.
inline const char* LtraceEnumName(uint8_t table, int64_t value) {
  for (const LtraceEnumValue& entry : kLtraceEnums) {
    if (entry.table == table && entry.value == value) return entry.name;
  }
  return nullptr;
}

// printf format conversions, for `format` arguments: calls `on_conversion(index, kind)` for
// each conversion that takes an argument, in order (`index` from 0, over the integer
// arguments after the format), with kString for %s, kChar for %c, kLong/kUlong/kInt/kUint/
// kHex/kHexLong/kOctal for the integers, kAddr for %p and %n; floating point (passed in a
// vector register, not recorded) is reported with index -1 and kUnknown. `*` widths and precisions
// take an int argument. Stops at the end of `format`.
template <class F>
inline void ForEachFormatConversion(const char* format, F on_conversion) {
  int index = 0;
  for (const char* p = format; *p != '\0'; ++p) {
    if (*p != '%') continue;
    ++p;
    if (*p == '%') continue;
    int longs = 0;
    for (; *p != '\0'; ++p) {
      const char c = *p;
      if (c == '*') {
        on_conversion(index++, ArgKind::kInt);
      } else if (c == 'l' || c == 'j' || c == 'z' || c == 't' || c == 'q' || c == 'L') {
        ++longs;
      } else if (strchr("#0- +'.123456789hI$", c) != nullptr) {
        // flags, width, precision, short sizes
      } else {
        break;
      }
    }
    if (*p == '\0') return;
    ArgKind kind;
    switch (*p) {
      case 'd':
      case 'i':
        kind = longs > 0 ? ArgKind::kLong : ArgKind::kInt;
        break;
      case 'u':
        kind = longs > 0 ? ArgKind::kUlong : ArgKind::kUint;
        break;
      case 'x':
      case 'X':
        kind = longs > 0 ? ArgKind::kHexLong : ArgKind::kHex;
        break;
      case 'o':
        kind = ArgKind::kOctal;
        break;
      case 'c':
        kind = ArgKind::kChar;
        break;
      case 's':
        kind = ArgKind::kString;
        break;
      case 'p':
      case 'n':
        kind = ArgKind::kAddr;
        break;
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G':
      case 'a':
      case 'A':
        on_conversion(-1, ArgKind::kUnknown);  // in a vector register: takes no integer one
        continue;
      case 'm':
        continue;  // strerror(errno): no argument
      default:
        return;  // not a conversion ltrace knows either
    }
    on_conversion(index++, kind);
  }
}

}  // namespace memwrap
