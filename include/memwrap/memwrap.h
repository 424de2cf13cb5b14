/* memwrap's API for traced programs: named marks on the memory timeline.
 *
 *   #include <memwrap/memwrap.h>
 *   memwrap_mark("phase 2: loading");
 *
 * Under memwrap the mark is recorded with its time and thread, and `memwrap timeline` shows it
 * beside the memory it annotates. Without memwrap (the shim not preloaded) the call does
 * nothing and costs a null check: the program needs no memwrap library to link or run.
 * A name is cut to 1,023 bytes. C and C++. */
#ifndef MEMWRAP_MEMWRAP_H_
#define MEMWRAP_MEMWRAP_H_

#ifdef __cplusplus
extern "C" {
#endif

/* Defined by libmemwrap_preload.so; weak, so it is null when the shim is absent. */
extern void memwrap_mark_impl(const char* name) __attribute__((weak));

static inline void memwrap_mark(const char* name) {
  if (memwrap_mark_impl) memwrap_mark_impl(name);
}

#ifdef __cplusplus
}
#endif

#endif /* MEMWRAP_MEMWRAP_H_ */
