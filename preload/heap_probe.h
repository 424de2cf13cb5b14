// Finds out whether a call reaches the malloc family: while a HeapProbe lives on a thread, the
// malloc-family hooks note that they were called and record nothing (cxx_operator_hooks.cpp
// uses it to learn whether the next operator new calls malloc).
#pragma once

namespace memwrap::shim {

extern __thread int t_probing __attribute__((tls_model("initial-exec")));
extern __thread int t_probe_saw_allocation __attribute__((tls_model("initial-exec")));
extern __thread int t_probe_saw_free __attribute__((tls_model("initial-exec")));

// Probes nest (libstdc++'s new[] calls operator new, whose own first call probes too): an
// inner probe's calls happened inside the outer one's window, and count for both.
class HeapProbe {
 public:
  HeapProbe()
      : outer_probing_(t_probing),
        outer_saw_allocation_(t_probe_saw_allocation),
        outer_saw_free_(t_probe_saw_free) {
    t_probing = 1;
    t_probe_saw_allocation = 0;
    t_probe_saw_free = 0;
  }
  ~HeapProbe() {
    t_probing = outer_probing_;
    t_probe_saw_allocation |= outer_saw_allocation_;
    t_probe_saw_free |= outer_saw_free_;
  }
  HeapProbe(const HeapProbe&) = delete;
  HeapProbe& operator=(const HeapProbe&) = delete;
  bool saw_allocation() const { return t_probe_saw_allocation != 0; }
  bool saw_free() const { return t_probe_saw_free != 0; }

 private:
  int outer_probing_, outer_saw_allocation_, outer_saw_free_;
};

// In the allocation hooks: true (and noted) when the call is a probe's, which is not recorded.
inline bool IsProbeAllocation() {
  if (__builtin_expect(t_probing == 0, 1)) return false;
  t_probe_saw_allocation = 1;
  return true;
}

// The same in free.
inline bool IsProbeFree() {
  if (__builtin_expect(t_probing == 0, 1)) return false;
  t_probe_saw_free = 1;
  return true;
}

}  // namespace memwrap::shim
