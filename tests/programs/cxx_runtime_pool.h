// libstdc++'s initialiser allocates an emergency pool for exceptions (eh_alloc.cc) in every
// dynamically linked C++ program, before main and before the shim's constructor, and never
// frees it. In GCC 12's libstdc++ on 64-bit: 64 objects of 1,024 bytes plus 64
// dependent-exception headers of 112 bytes, 72,704 bytes. 0 for other versions (unknown here).
#pragma once

#include <stddef.h>

#if defined(_GLIBCXX_RELEASE) && _GLIBCXX_RELEASE == 12 && defined(__x86_64__)
constexpr size_t kRuntimePoolBytes = 72704;
#else
constexpr size_t kRuntimePoolBytes = 0;
#endif
