// Test program for symbolizer_test (build with -g -O2). It prints, for itself, what the shim
// would record: each loaded ELF object (dl_iterate_phdr) and some return addresses, together
// with the frames they must symbolize to, so the test can check exact names and lines.
//
// Output lines (numbers in hex unless noted):
//   module <bias> <build-id or -> <segment count (dec)> {<p_vaddr> <p_memsz>}... <path to end>
//   inline <return address> <Inner line> <Middle line> <Outer line>   (lines decimal)
//   libc <return address>   (inside libc's dl_iterate_phdr, which calls our callback)
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

namespace memwrap_test {

struct Capture {
  void* return_address = nullptr;
  int inner_line = 0;   // the call in Inner (the innermost, inlined frame)
  int middle_line = 0;  // Middle's call of Inner
  int outer_line = 0;   // Outer's call of Middle
};

// noipa: really called (not inlined, cloned or analysed away), so its return address lies in
// the code Inner was inlined into.
__attribute__((noipa)) void* ReturnAddress() {
  return __builtin_return_address(0);
}

// Statement and call on one line each: __LINE__ is the line of the call (so clang-format must
// not split them).
// clang-format off
__attribute__((always_inline)) inline void Inner(Capture* c) {
  c->inner_line = __LINE__; c->return_address = ReturnAddress();
}

__attribute__((always_inline)) inline void Middle(Capture* c) {
  c->middle_line = __LINE__; Inner(c);
}

__attribute__((noinline, noclone)) void Outer(Capture* c) {
  c->outer_line = __LINE__; Middle(c);
}
// clang-format on

void PrintModule(const dl_phdr_info* info, const char* path) {
  printf("module %lx ", static_cast<unsigned long>(info->dlpi_addr));
  bool have_build_id = false;
  for (int i = 0; i < info->dlpi_phnum && !have_build_id; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
      const char* name = p + sizeof(ElfW(Nhdr));
      const unsigned char* desc =
          reinterpret_cast<const unsigned char*>(name + ((note->n_namesz + 3) & ~3u));
      if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
        for (unsigned j = 0; j < note->n_descsz; ++j) printf("%02x", desc[j]);
        have_build_id = true;
        break;
      }
      p = reinterpret_cast<const char*>(desc) + ((note->n_descsz + 3) & ~3u);
    }
  }
  if (!have_build_id) printf("-");
  int loads = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) loads += info->dlpi_phdr[i].p_type == PT_LOAD;
  printf(" %d", loads);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD)
      printf(" %lx %lx", static_cast<unsigned long>(ph.p_vaddr),
             static_cast<unsigned long>(ph.p_memsz));
  }
  printf(" %s\n", path);
}

void* g_libc_return_address = nullptr;

int OnModule(dl_phdr_info* info, size_t, void*) {
  g_libc_return_address = __builtin_return_address(0);  // in libc's dl_iterate_phdr
  char exe[4096];
  const char* path = info->dlpi_name;
  if (path[0] == '\0') {  // the main program, as the shim does it
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    path = exe;
  }
  PrintModule(info, path);
  return 0;
}

}  // namespace memwrap_test

int main() {
  memwrap_test::Capture c;
  memwrap_test::Outer(&c);
  dl_iterate_phdr(memwrap_test::OnModule, nullptr);
  printf("inline %lx %d %d %d\n", reinterpret_cast<unsigned long>(c.return_address), c.inner_line,
         c.middle_line, c.outer_line);
  printf("libc %lx\n", reinterpret_cast<unsigned long>(memwrap_test::g_libc_return_address));
  return 0;
}
