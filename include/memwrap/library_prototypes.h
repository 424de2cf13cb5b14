// What memwrap knows of common library functions' signatures: which argument registers mean
// something and how to show them (ltracedrv's text and JSON), and which functions must not be
// returned through by the audit library (they return twice, never return, or look at their
// own return address). Shared by the audit library (libmemwrap_audit.so) and the formatter;
// plain constant data, no heap.
#pragma once

#include <stdint.h>
#include <string.h>

namespace memwrap {

enum class ArgKind : uint8_t {
  kNone = 0,  // (return type) void
  kInt,       // int, shown in decimal
  kUint,      // unsigned, decimal
  kLong,      // long / ssize_t / off_t, decimal
  kSize,      // size_t, decimal
  kPtr,       // any pointer, hex (NULL for 0)
  kString,    // const char*: its text is recorded (up to kMaxArgText bytes)
  kStringN,   // a char array bounded by the function's first kSize argument (strncmp, ...)
  kChar,      // int holding a character
  kHex,       // flags and modes, hex
};

// How a function is traced.
enum class CallShape : uint8_t {
  kReturns = 0,  // entry and return are recorded
  kEntryOnly,    // recorded at entry only (see the header comment)
  kVariadic,     // returns, but passes arguments on the stack: the frame is copied generously
};

// Bytes of a string argument (or result) recorded, without its NUL; longer ones are cut.
inline constexpr uint32_t kMaxArgText = 47;

struct LibraryPrototype {
  const char* name;
  ArgKind result;
  uint8_t arg_count;
  ArgKind args[6];
  CallShape shape;
};

using A = ArgKind;
inline constexpr LibraryPrototype kLibraryPrototypes[] = {
    // Heap.
    {"malloc", A::kPtr, 1, {A::kSize}, CallShape::kReturns},
    {"free", A::kNone, 1, {A::kPtr}, CallShape::kReturns},
    {"calloc", A::kPtr, 2, {A::kSize, A::kSize}, CallShape::kReturns},
    {"realloc", A::kPtr, 2, {A::kPtr, A::kSize}, CallShape::kReturns},
    {"reallocarray", A::kPtr, 3, {A::kPtr, A::kSize, A::kSize}, CallShape::kReturns},
    {"posix_memalign", A::kInt, 3, {A::kPtr, A::kSize, A::kSize}, CallShape::kReturns},
    {"aligned_alloc", A::kPtr, 2, {A::kSize, A::kSize}, CallShape::kReturns},
    {"memalign", A::kPtr, 2, {A::kSize, A::kSize}, CallShape::kReturns},
    {"valloc", A::kPtr, 1, {A::kSize}, CallShape::kReturns},
    {"pvalloc", A::kPtr, 1, {A::kSize}, CallShape::kReturns},
    {"malloc_usable_size", A::kSize, 1, {A::kPtr}, CallShape::kReturns},
    // Memory.
    {"memcpy", A::kPtr, 3, {A::kPtr, A::kPtr, A::kSize}, CallShape::kReturns},
    {"memmove", A::kPtr, 3, {A::kPtr, A::kPtr, A::kSize}, CallShape::kReturns},
    {"memset", A::kPtr, 3, {A::kPtr, A::kChar, A::kSize}, CallShape::kReturns},
    {"memcmp", A::kInt, 3, {A::kPtr, A::kPtr, A::kSize}, CallShape::kReturns},
    {"memchr", A::kPtr, 3, {A::kPtr, A::kChar, A::kSize}, CallShape::kReturns},
    {"memrchr", A::kPtr, 3, {A::kPtr, A::kChar, A::kSize}, CallShape::kReturns},
    {"mempcpy", A::kPtr, 3, {A::kPtr, A::kPtr, A::kSize}, CallShape::kReturns},
    {"bzero", A::kNone, 2, {A::kPtr, A::kSize}, CallShape::kReturns},
    {"mmap", A::kPtr, 6, {A::kPtr, A::kSize, A::kHex, A::kHex, A::kInt, A::kLong}, CallShape::kReturns},
    {"mmap64", A::kPtr, 6, {A::kPtr, A::kSize, A::kHex, A::kHex, A::kInt, A::kLong}, CallShape::kReturns},
    {"munmap", A::kInt, 2, {A::kPtr, A::kSize}, CallShape::kReturns},
    {"mremap", A::kPtr, 4, {A::kPtr, A::kSize, A::kSize, A::kHex}, CallShape::kVariadic},
    // Strings.
    {"strlen", A::kSize, 1, {A::kString}, CallShape::kReturns},
    {"strnlen", A::kSize, 2, {A::kStringN, A::kSize}, CallShape::kReturns},
    {"strcmp", A::kInt, 2, {A::kString, A::kString}, CallShape::kReturns},
    {"strncmp", A::kInt, 3, {A::kStringN, A::kStringN, A::kSize}, CallShape::kReturns},
    {"strcasecmp", A::kInt, 2, {A::kString, A::kString}, CallShape::kReturns},
    {"strncasecmp", A::kInt, 3, {A::kStringN, A::kStringN, A::kSize}, CallShape::kReturns},
    {"strcoll", A::kInt, 2, {A::kString, A::kString}, CallShape::kReturns},
    {"strcpy", A::kPtr, 2, {A::kPtr, A::kString}, CallShape::kReturns},
    {"strncpy", A::kPtr, 3, {A::kPtr, A::kStringN, A::kSize}, CallShape::kReturns},
    {"stpcpy", A::kPtr, 2, {A::kPtr, A::kString}, CallShape::kReturns},
    {"strcat", A::kPtr, 2, {A::kPtr, A::kString}, CallShape::kReturns},
    {"strncat", A::kPtr, 3, {A::kPtr, A::kStringN, A::kSize}, CallShape::kReturns},
    {"strdup", A::kPtr, 1, {A::kString}, CallShape::kReturns},
    {"strndup", A::kPtr, 2, {A::kStringN, A::kSize}, CallShape::kReturns},
    {"strchr", A::kPtr, 2, {A::kString, A::kChar}, CallShape::kReturns},
    {"strrchr", A::kPtr, 2, {A::kString, A::kChar}, CallShape::kReturns},
    {"strstr", A::kPtr, 2, {A::kString, A::kString}, CallShape::kReturns},
    {"strtok", A::kPtr, 2, {A::kString, A::kString}, CallShape::kReturns},
    {"strtol", A::kLong, 3, {A::kString, A::kPtr, A::kInt}, CallShape::kReturns},
    {"strtoul", A::kLong, 3, {A::kString, A::kPtr, A::kInt}, CallShape::kReturns},
    {"atoi", A::kInt, 1, {A::kString}, CallShape::kReturns},
    {"atol", A::kLong, 1, {A::kString}, CallShape::kReturns},
    {"getenv", A::kString, 1, {A::kString}, CallShape::kReturns},
    {"secure_getenv", A::kString, 1, {A::kString}, CallShape::kReturns},
    {"setenv", A::kInt, 3, {A::kString, A::kString, A::kInt}, CallShape::kReturns},
    {"unsetenv", A::kInt, 1, {A::kString}, CallShape::kReturns},
    {"strerror", A::kString, 1, {A::kInt}, CallShape::kReturns},
    {"puts", A::kInt, 1, {A::kString}, CallShape::kReturns},
    // Files and directories.
    {"open", A::kInt, 3, {A::kString, A::kHex, A::kHex}, CallShape::kVariadic},
    {"close", A::kInt, 1, {A::kInt}, CallShape::kReturns},
    {"read", A::kLong, 3, {A::kInt, A::kPtr, A::kSize}, CallShape::kReturns},
    {"write", A::kLong, 3, {A::kInt, A::kPtr, A::kSize}, CallShape::kReturns},
    {"fopen", A::kPtr, 2, {A::kString, A::kString}, CallShape::kReturns},
    {"fclose", A::kInt, 1, {A::kPtr}, CallShape::kReturns},
    {"opendir", A::kPtr, 1, {A::kString}, CallShape::kReturns},
    {"fdopendir", A::kPtr, 1, {A::kInt}, CallShape::kReturns},
    {"readdir", A::kPtr, 1, {A::kPtr}, CallShape::kReturns},
    {"readdir64", A::kPtr, 1, {A::kPtr}, CallShape::kReturns},
    {"closedir", A::kInt, 1, {A::kPtr}, CallShape::kReturns},
    // Variadic: arguments beyond the registers are on the stack.
    {"printf", A::kInt, 1, {A::kString}, CallShape::kVariadic},
    {"fprintf", A::kInt, 2, {A::kPtr, A::kString}, CallShape::kVariadic},
    {"sprintf", A::kInt, 2, {A::kPtr, A::kString}, CallShape::kVariadic},
    {"snprintf", A::kInt, 3, {A::kPtr, A::kSize, A::kString}, CallShape::kVariadic},
    {"__printf_chk", A::kInt, 2, {A::kInt, A::kString}, CallShape::kVariadic},
    {"__fprintf_chk", A::kInt, 3, {A::kPtr, A::kInt, A::kString}, CallShape::kVariadic},
    {"__sprintf_chk", A::kInt, 4, {A::kPtr, A::kInt, A::kSize, A::kString}, CallShape::kVariadic},
    {"__snprintf_chk", A::kInt, 5, {A::kPtr, A::kSize, A::kInt, A::kSize, A::kString}, CallShape::kVariadic},
    // Entry only: they return twice (a frame of the tracer's between them would be gone),
    // never return, or find their caller from their return address (dlsym(RTLD_NEXT)).
    {"setjmp", A::kInt, 1, {A::kPtr}, CallShape::kEntryOnly},
    {"_setjmp", A::kInt, 1, {A::kPtr}, CallShape::kEntryOnly},
    {"__sigsetjmp", A::kInt, 2, {A::kPtr, A::kInt}, CallShape::kEntryOnly},
    {"sigsetjmp", A::kInt, 2, {A::kPtr, A::kInt}, CallShape::kEntryOnly},
    {"longjmp", A::kNone, 2, {A::kPtr, A::kInt}, CallShape::kEntryOnly},
    {"_longjmp", A::kNone, 2, {A::kPtr, A::kInt}, CallShape::kEntryOnly},
    {"siglongjmp", A::kNone, 2, {A::kPtr, A::kInt}, CallShape::kEntryOnly},
    {"__longjmp_chk", A::kNone, 2, {A::kPtr, A::kInt}, CallShape::kEntryOnly},
    {"vfork", A::kInt, 0, {}, CallShape::kEntryOnly},
    {"getcontext", A::kInt, 1, {A::kPtr}, CallShape::kEntryOnly},
    {"setcontext", A::kInt, 1, {A::kPtr}, CallShape::kEntryOnly},
    {"swapcontext", A::kInt, 2, {A::kPtr, A::kPtr}, CallShape::kEntryOnly},
    {"makecontext", A::kNone, 3, {A::kPtr, A::kPtr, A::kInt}, CallShape::kEntryOnly},
    {"exit", A::kNone, 1, {A::kInt}, CallShape::kEntryOnly},
    {"_exit", A::kNone, 1, {A::kInt}, CallShape::kEntryOnly},
    {"_Exit", A::kNone, 1, {A::kInt}, CallShape::kEntryOnly},
    {"quick_exit", A::kNone, 1, {A::kInt}, CallShape::kEntryOnly},
    {"abort", A::kNone, 0, {}, CallShape::kEntryOnly},
    {"pthread_exit", A::kNone, 1, {A::kPtr}, CallShape::kEntryOnly},
    {"__libc_start_main", A::kInt, 3, {A::kPtr, A::kInt, A::kPtr}, CallShape::kEntryOnly},
    {"__cxa_throw", A::kNone, 3, {A::kPtr, A::kPtr, A::kPtr}, CallShape::kEntryOnly},
    {"__cxa_rethrow", A::kNone, 0, {}, CallShape::kEntryOnly},
    {"_Unwind_Resume", A::kNone, 1, {A::kPtr}, CallShape::kEntryOnly},
    {"_Unwind_RaiseException", A::kInt, 1, {A::kPtr}, CallShape::kEntryOnly},
    {"execve", A::kInt, 3, {A::kString, A::kPtr, A::kPtr}, CallShape::kEntryOnly},
    {"execv", A::kInt, 2, {A::kString, A::kPtr}, CallShape::kEntryOnly},
    {"execvp", A::kInt, 2, {A::kString, A::kPtr}, CallShape::kEntryOnly},
    {"execvpe", A::kInt, 3, {A::kString, A::kPtr, A::kPtr}, CallShape::kEntryOnly},
    {"execl", A::kInt, 2, {A::kString, A::kString}, CallShape::kEntryOnly},
    {"execlp", A::kInt, 2, {A::kString, A::kString}, CallShape::kEntryOnly},
    {"execle", A::kInt, 2, {A::kString, A::kString}, CallShape::kEntryOnly},
    {"fexecve", A::kInt, 3, {A::kInt, A::kPtr, A::kPtr}, CallShape::kEntryOnly},
    {"dlopen", A::kPtr, 2, {A::kString, A::kHex}, CallShape::kEntryOnly},
    {"dlmopen", A::kPtr, 3, {A::kLong, A::kString, A::kHex}, CallShape::kEntryOnly},
    {"dlsym", A::kPtr, 2, {A::kPtr, A::kString}, CallShape::kEntryOnly},
    {"dlvsym", A::kPtr, 3, {A::kPtr, A::kString, A::kString}, CallShape::kEntryOnly},
    {"dlclose", A::kInt, 1, {A::kPtr}, CallShape::kEntryOnly},
    {"dlerror", A::kString, 0, {}, CallShape::kEntryOnly},
    {"dladdr", A::kInt, 2, {A::kPtr, A::kPtr}, CallShape::kEntryOnly},
    {"dladdr1", A::kInt, 4, {A::kPtr, A::kPtr, A::kPtr, A::kInt}, CallShape::kEntryOnly},
    {"dlinfo", A::kInt, 3, {A::kPtr, A::kInt, A::kPtr}, CallShape::kEntryOnly},
};

// The prototype of `name`, or nullptr when unknown.
inline const LibraryPrototype* FindLibraryPrototype(const char* name) {
  for (const LibraryPrototype& prototype : kLibraryPrototypes) {
    if (strcmp(prototype.name, name) == 0) return &prototype;
  }
  return nullptr;
}

}  // namespace memwrap
