// Symbolizer tests. They run tests/programs/inline_frames (path:
// test_support::BuiltFile("inline_frames"); optionally a non-PIE build of it:
// test_support::BuiltFile("inline_frames_nopie")), which prints its own modules as the shim records
// them plus return addresses and the lines they must resolve to; and load
// tests/programs/known_symbols.c stripped to its .dynsym (MEMWRAP_KNOWN_SYMBOLS_DYNSYM_ONLY), whose
// symbols sit at known offsets.
#include "symbols/symbolizer.h"
#include "tests/test_support.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

namespace memwrap {
namespace {

struct ProgramOutput {
  std::vector<LoadedModule> modules;  // modules[0]: the program itself
  uint64_t inline_return_address = 0;
  uint32_t inner_line = 0, middle_line = 0, outer_line = 0;
  uint64_t libc_return_address = 0;
};

std::string Basename(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

std::string RunAndRead(const char* program) {
  int fds[2];
  if (pipe(fds) != 0) return "";
  pid_t child = fork();
  if (child == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(program, program, static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) out.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << program;
  return out;
}

ProgramOutput Parse(const std::string& text) {
  ProgramOutput out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream in(line);
    std::string tag;
    in >> tag;
    if (tag == "module") {
      LoadedModule m;
      std::string build_id_hex;
      size_t count = 0;
      in >> std::hex >> m.base >> build_id_hex >> std::dec >> count;
      for (size_t i = 0; i + 1 < build_id_hex.size(); i += 2)
        m.build_id += static_cast<char>(std::stoi(build_id_hex.substr(i, 2), nullptr, 16));
      for (size_t i = 0; i < count; ++i) {
        uint64_t vaddr = 0, memsz = 0;
        in >> std::hex >> vaddr >> memsz;
        m.segments.emplace_back(vaddr, memsz);
      }
      in.get();  // the space before the path
      std::getline(in, m.path);
      out.modules.push_back(m);
    } else if (tag == "inline") {
      in >> std::hex >> out.inline_return_address >> std::dec >> out.inner_line >>
          out.middle_line >> out.outer_line;
    } else if (tag == "libc") {
      in >> std::hex >> out.libc_return_address;
    }
  }
  return out;
}

ProgramOutput RunProgram(const char* program) {
  ProgramOutput out = Parse(RunAndRead(program));
  EXPECT_GE(out.modules.size(), 3u);  // program, libc, ld.so (+ vdso)
  EXPECT_NE(out.inline_return_address, 0u);
  EXPECT_NE(out.libc_return_address, 0u);
  return out;
}

void AddAll(Symbolizer& s, uint32_t pid, const ProgramOutput& p, uint64_t shift = 0) {
  for (LoadedModule m : p.modules) {
    m.base += shift;
    s.AddModule(pid, m);
  }
}

void ExpectUnknown(const std::vector<SourceFrame>& frames, const std::string& module) {
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].function, "??");
  EXPECT_EQ(frames[0].file, "");
  EXPECT_EQ(frames[0].line, 0u);
  EXPECT_EQ(frames[0].module, module);
  EXPECT_FALSE(frames[0].inlined);
}

// Inner is inlined into Middle, which is inlined into Outer.
void ExpectInlineFrames(const char* program) {
  ProgramOutput p = RunProgram(program);
  ASSERT_FALSE(p.modules.empty());
  Symbolizer s;
  AddAll(s, 100, p);
  const std::vector<SourceFrame>& frames = s.Symbolize(100, p.inline_return_address);
  const std::string module = Basename(p.modules[0].path);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].function, "memwrap_test::Inner(memwrap_test::Capture*)");
  EXPECT_EQ(Basename(frames[0].file), "inline_frames.cpp");
  EXPECT_EQ(frames[0].line, p.inner_line);
  EXPECT_EQ(frames[0].module, module);
  EXPECT_TRUE(frames[0].inlined);

  EXPECT_EQ(frames[1].function, "memwrap_test::Middle(memwrap_test::Capture*)");
  EXPECT_EQ(Basename(frames[1].file), "inline_frames.cpp");
  EXPECT_EQ(frames[1].line, p.middle_line);
  EXPECT_EQ(frames[1].module, module);
  EXPECT_TRUE(frames[1].inlined);

  EXPECT_EQ(frames[2].function, "memwrap_test::Outer(memwrap_test::Capture*)");
  EXPECT_EQ(Basename(frames[2].file), "inline_frames.cpp");
  EXPECT_EQ(frames[2].line, p.outer_line);
  EXPECT_EQ(frames[2].module, module);
  EXPECT_FALSE(frames[2].inlined);
}

TEST(Symbolizer, InlineFramesPie) {
  ExpectInlineFrames(test_support::BuiltFile("inline_frames"));
}

// A non-PIE executable is ET_EXEC with load bias 0: libdwfl treats it differently from ET_DYN.
TEST(Symbolizer, InlineFramesNonPie) {
  ExpectInlineFrames(test_support::BuiltFile("inline_frames_nopie"));
}

TEST(Symbolizer, LibcFunctionFromSymbolTable) {
  ProgramOutput p = RunProgram(test_support::BuiltFile("inline_frames"));
  Symbolizer s;
  AddAll(s, 7, p);
  const std::vector<SourceFrame>& frames = s.Symbolize(7, p.libc_return_address);
  ASSERT_FALSE(frames.empty());
  // .dynsym has only "dl_iterate_phdr" there; with libc6-dbg installed DWARF names the
  // definition "__dl_iterate_phdr".
  EXPECT_TRUE(frames.back().function == "dl_iterate_phdr" ||
              frames.back().function == "__dl_iterate_phdr")
      << frames.back().function;
  EXPECT_EQ(frames.back().module, "libc.so.6");
  EXPECT_FALSE(frames.back().inlined);
}

TEST(Symbolizer, AddressInNoModule) {
  ProgramOutput p = RunProgram(test_support::BuiltFile("inline_frames"));
  Symbolizer s;
  AddAll(s, 7, p);
  ExpectUnknown(s.Symbolize(7, 0), "");
  ExpectUnknown(s.Symbolize(7, 0x10), "");
  ExpectUnknown(s.Symbolize(7, ~uint64_t{0}), "");
  ExpectUnknown(s.Symbolize(8, p.inline_return_address), "");  // a pid without modules
  // One past the end of the program's last segment (return address - 1 is looked up).
  const LoadedModule& exe = p.modules[0];
  uint64_t end = exe.base + exe.segments.back().first + exe.segments.back().second;
  ExpectUnknown(s.Symbolize(7, end + 1), "");
  EXPECT_NE(s.Symbolize(7, end).front().module, "");
}

TEST(Symbolizer, VdsoAndMissingFileGiveUnknown) {
  ProgramOutput p = RunProgram(test_support::BuiltFile("inline_frames"));
  Symbolizer s;
  AddAll(s, 7, p);
  bool saw_vdso = false;
  for (const LoadedModule& m : p.modules) {
    if (m.path != "linux-vdso.so.1") continue;
    saw_vdso = true;
    ExpectUnknown(s.Symbolize(7, m.base + m.segments[0].first + 0x10), "linux-vdso.so.1");
  }
  EXPECT_TRUE(saw_vdso);

  LoadedModule missing;
  missing.base = 0x7e0000000000;
  missing.segments = {{0, 0x1000}, {0x1000, 0x2000}};
  missing.build_id = "\x01\x02\x03";
  missing.path = "/nonexistent/dir/libmissing.so";
  s.AddModule(7, missing);
  ExpectUnknown(s.Symbolize(7, 0x7e0000001234), "libmissing.so");
  ExpectUnknown(s.Symbolize(7, 0x7e0000000100), "libmissing.so");
}

TEST(Symbolizer, NonElfFileGivesUnknown) {
  LoadedModule text;
  text.base = 0x10000;
  text.segments = {{0, 0x1000}};
  text.path = "/etc/hostname";  // exists, not ELF
  if (access(text.path.c_str(), R_OK) != 0) GTEST_SKIP() << "no /etc/hostname";
  Symbolizer s;
  s.AddModule(1, text);
  ExpectUnknown(s.Symbolize(1, 0x10100), "hostname");
}

TEST(Symbolizer, CachedAcrossCallsAndPids) {
  ProgramOutput p = RunProgram(test_support::BuiltFile("inline_frames"));
  Symbolizer s;
  AddAll(s, 1, p);
  const std::vector<SourceFrame>& first = s.Symbolize(1, p.inline_return_address);
  const std::vector<SourceFrame>& libc = s.Symbolize(1, p.libc_return_address);
  ASSERT_EQ(first.size(), 3u);
  const std::vector<SourceFrame> copy = first;
  const std::string libc_name = libc.back().function;

  // Same call again: the same cached vector.
  EXPECT_EQ(&s.Symbolize(1, p.inline_return_address), &first);

  // The same binaries in another process, loaded elsewhere (ASLR): resolved once, so the very
  // same vector, and still the right frames.
  const uint64_t shift = 0x100000000;
  AddAll(s, 2, p, shift);
  EXPECT_EQ(&s.Symbolize(2, p.inline_return_address + shift), &first);
  EXPECT_EQ(&s.Symbolize(2, p.libc_return_address + shift), &libc);
  ASSERT_EQ(first.size(), copy.size());
  for (size_t i = 0; i < copy.size(); ++i) {
    EXPECT_EQ(first[i].function, copy[i].function);
    EXPECT_EQ(first[i].file, copy[i].file);
    EXPECT_EQ(first[i].line, copy[i].line);
    EXPECT_EQ(first[i].module, copy[i].module);
    EXPECT_EQ(first[i].inlined, copy[i].inlined);
  }
  EXPECT_EQ(libc.back().function, libc_name);
  // The unshifted address is in no module of pid 2.
  ExpectUnknown(s.Symbolize(2, p.inline_return_address), "");
}

// Files opened ahead on the preloader's thread resolve exactly as files opened on first use.
TEST(Symbolizer, PreloadedFilesGiveTheSameFrames) {
  ProgramOutput p = RunProgram(test_support::BuiltFile("inline_frames"));
  Symbolizer plain;
  AddAll(plain, 1, p);
  DebugInfoPreloader preloader;
  preloader.Start(p.modules);
  Symbolizer preloaded(&preloader);
  AddAll(preloaded, 1, p);
  for (uint64_t address : {p.inline_return_address, p.libc_return_address}) {
    const std::vector<SourceFrame>& want = plain.Symbolize(1, address);
    const std::vector<SourceFrame>& got = preloaded.Symbolize(1, address);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i].function, want[i].function);
      EXPECT_EQ(got[i].file, want[i].file);
      EXPECT_EQ(got[i].line, want[i].line);
      EXPECT_EQ(got[i].module, want[i].module);
      EXPECT_EQ(got[i].inlined, want[i].inlined);
      EXPECT_EQ(got[i].address, want[i].address);
    }
  }
  EXPECT_EQ(preloaded.Symbolize(1, p.inline_return_address).size(), 3u) << "inline frames found";
}

TEST(Symbolizer, ModulesAddedAfterFirstLookup) {
  ProgramOutput p = RunProgram(test_support::BuiltFile("inline_frames"));
  Symbolizer s;
  s.AddModule(3, p.modules.back());  // some other module first
  ExpectUnknown(s.Symbolize(3, p.inline_return_address), "");
  AddAll(s, 3, p);
  const std::vector<SourceFrame>& frames = s.Symbolize(3, p.inline_return_address);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[2].function, "memwrap_test::Outer(memwrap_test::Capture*)");
  EXPECT_EQ(frames[2].line, p.outer_line);
}

// The known-symbols library loaded into this process, as the shim would record it.
struct LoadedKnownSymbols {
  LoadedModule module;
  uint64_t anchor = 0;  // run-time address of ks_anchor
  void* handle = nullptr;
  ~LoadedKnownSymbols() {
    if (handle != nullptr) dlclose(handle);
  }
};

void LoadKnownSymbols(LoadedKnownSymbols* loaded) {
  loaded->handle = dlopen(MEMWRAP_KNOWN_SYMBOLS_DYNSYM_ONLY, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(loaded->handle, nullptr) << dlerror();
  loaded->anchor = uint64_t(dlsym(loaded->handle, "ks_anchor"));
  ASSERT_NE(loaded->anchor, 0u);
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* out = static_cast<LoadedKnownSymbols*>(data);
        if (std::string(info->dlpi_name) != MEMWRAP_KNOWN_SYMBOLS_DYNSYM_ONLY) return 0;
        out->module.base = info->dlpi_addr;
        out->module.path = info->dlpi_name;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          if (info->dlpi_phdr[i].p_type != PT_LOAD) continue;
          out->module.segments.emplace_back(info->dlpi_phdr[i].p_vaddr, info->dlpi_phdr[i].p_memsz);
        }
        return 1;
      },
      loaded);
  ASSERT_FALSE(loaded->module.segments.empty());
}

// No DWARF, no .symtab: function names come from .dynsym, by libdwfl's rules (the nearest
// preceding label for an address no sized symbol contains); see tests/programs/known_symbols.c.
TEST(Symbolizer, FunctionNamesFromDynsymOnly) {
  LoadedKnownSymbols loaded;
  ASSERT_NO_FATAL_FAILURE(LoadKnownSymbols(&loaded));
  Symbolizer s;
  s.AddModule(5, loaded.module);
  const std::string name = "libknown_symbols_dynsym_only.so";
  // Return addresses: the symbolizer looks up address - 1.
  struct {
    uint64_t offset;
    const char* function;
  } const cases[] = {{0x40, "ks_global"}, {0xa4, "ks_outer"},  {0x108, "ks_narrow"},
                     {0x190, "ks_label"}, {0x210, "ks_label"}, {0x284, "ks_last"}};
  for (const auto& c : cases) {
    const std::vector<SourceFrame>& frames = s.Symbolize(5, loaded.anchor + c.offset + 1);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].function, c.function) << std::hex << c.offset;
    EXPECT_EQ(frames[0].module, name);
    EXPECT_EQ(frames[0].file, "");
    EXPECT_EQ(frames[0].address, loaded.anchor + c.offset - loaded.module.base);
  }
  ExpectUnknown(s.Symbolize(5, loaded.anchor + 0x2a0 + 1), name);  // past the last symbol
}

TEST(Symbolizer, ModuleOfNamesTheModuleWithoutSymbolizing) {
  LoadedKnownSymbols loaded;
  ASSERT_NO_FATAL_FAILURE(LoadKnownSymbols(&loaded));
  Symbolizer s;
  s.AddModule(5, loaded.module);
  EXPECT_EQ(s.ModuleOf(5, loaded.anchor + 1), "libknown_symbols_dynsym_only.so");
  EXPECT_EQ(s.ModuleOf(5, loaded.anchor + 1), s.Symbolize(5, loaded.anchor + 1).front().module);
  EXPECT_EQ(s.ModuleOf(5, 0), "");
  EXPECT_EQ(s.ModuleOf(5, 0x10), "");
  EXPECT_EQ(s.ModuleOf(6, loaded.anchor + 1), "") << "a pid without modules";
}

// One build-id seen at two paths (a merged /usr: /lib/... and /usr/lib/...): one file, opened
// from the path that exists, whichever came first.
TEST(Symbolizer, OneBuildIdAtTwoPathsIsOpenedFromThePathThatExists) {
  LoadedKnownSymbols loaded;
  ASSERT_NO_FATAL_FAILURE(LoadKnownSymbols(&loaded));
  LoadedModule gone = loaded.module;
  gone.path = "/nonexistent/dir/libknown_symbols_dynsym_only.so";
  gone.build_id = "\x01\x02\x03";
  LoadedModule here = loaded.module;
  here.build_id = gone.build_id;
  const uint64_t shift = 0x100000000;
  here.base += shift;
  for (bool preloaded : {false, true}) {
    DebugInfoPreloader preloader;
    if (preloaded) preloader.Start({gone, here});
    Symbolizer s(preloaded ? &preloader : nullptr);
    s.AddModule(1, gone);
    s.AddModule(2, here);
    EXPECT_EQ(s.Symbolize(1, loaded.anchor + 0x41).front().function, "ks_global") << preloaded;
    EXPECT_EQ(&s.Symbolize(2, loaded.anchor + shift + 0x41), &s.Symbolize(1, loaded.anchor + 0x41))
        << "resolved once";
  }
}

// The same build-id under another file name (a symbolic link) keeps its own name in the frames.
TEST(Symbolizer, OneBuildIdUnderTwoNamesKeepsEachName) {
  LoadedKnownSymbols loaded;
  ASSERT_NO_FATAL_FAILURE(LoadKnownSymbols(&loaded));
  char dir[] = "/tmp/memwrap-symbolizer-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string link = std::string(dir) + "/libother_name.so";
  ASSERT_EQ(symlink(MEMWRAP_KNOWN_SYMBOLS_DYNSYM_ONLY, link.c_str()), 0);
  LoadedModule module = loaded.module;
  module.build_id = "\x04\x05";
  LoadedModule renamed = module;
  renamed.path = link;
  Symbolizer s;
  s.AddModule(1, module);
  s.AddModule(2, renamed);
  const SourceFrame& original = s.Symbolize(1, loaded.anchor + 0x41).front();
  const SourceFrame& other = s.Symbolize(2, loaded.anchor + 0x41).front();
  EXPECT_EQ(original.function, "ks_global");
  EXPECT_EQ(original.module, "libknown_symbols_dynsym_only.so");
  EXPECT_EQ(other.function, "ks_global");
  EXPECT_EQ(other.module, "libother_name.so");
  unlink(link.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace memwrap
