// Offline symbolizer on elfutils libdwfl. See symbolizer.h.
//
// Design: the trace already tells us, per pid, where each ELF object's PT_LOAD segments were
// mapped, so the pid -> module lookup is done here from those records (not by libdwfl), and
// libdwfl only ever sees one module at a time, reported at load bias 0. That gives one Dwfl per
// distinct module *file* rather than one per pid: libc's ELF and DWARF are opened and parsed
// once even when the trace has a thousand processes (a Dwfl per pid would reparse them for every
// pid and keep a file descriptor per pid and module), and an address's module-relative offset is
// exactly the address libdwfl wants, which is also the cache key.
//
// Function names of frames without DWARF come from a sorted copy of the module's symbol table
// (module_symbols.h), not from dwfl_module_addrinfo, which reads the whole table per address.
#include "symbols/symbolizer.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <thread>
#include <unordered_map>

#include "symbols/module_symbols.h"

namespace memwrap {
namespace {

// Offline callbacks, as eu-addr2line -e uses them. find_debuginfo follows .gnu_debuglink and
// the build-id under /usr/lib/debug (Debian -dbgsym packages), and asks debuginfod when
// DEBUGINFOD_URLS is set in the environment.
char* g_debuginfo_path = nullptr;  // nullptr: libdwfl's default search path
const Dwfl_Callbacks kCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &g_debuginfo_path,
};

std::string BaseName(const std::string& path) {
  return path.substr(path.rfind('/') + 1);  // npos + 1 == 0
}

// How a module file is known: by its build-id when the trace has one, so that the same
// library reached by two paths (/lib and /usr/lib on a merged-/usr system) is opened and
// resolved once; else by its path. The file name is part of it all the same, because frames
// carry it (SourceFrame::module) and are cached with it.
std::string IdentityOf(const LoadedModule& module) {
  if (module.build_id.empty()) return "path:" + module.path;
  std::string identity = "build-id:" + module.build_id;
  identity += '\0';
  identity += BaseName(module.path);
  return identity;
}

// One ELF file as identified by the trace (IdentityOf). Opened on first use.
struct ModuleFile {
  std::string identity;            // IdentityOf
  std::vector<std::string> paths;  // where the trace saw it; the first usable one is opened
  std::string name;                // basename: SourceFrame::module
  bool opened = false;
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;              // nullptr when the file could not be used
  std::unique_ptr<ModuleSymbols> symbols;  // read when a frame first needs it
};

// One PT_LOAD segment of one pid, [start, end) in the traced address space.
struct Segment {
  uint64_t end;
  uint64_t base;  // the module's load bias
  uint32_t file;  // index into Impl::files
};

// CacheKey::file for addresses that lie in no known module (offset is then the address).
constexpr uint32_t kNoModule = UINT32_MAX;

struct CacheKey {
  uint32_t file;
  uint64_t offset;  // of the looked-up address (return address - 1), relative to the bias
  bool operator==(const CacheKey&) const = default;
};
struct CacheKeyHash {
  size_t operator()(const CacheKey& k) const {
    return std::hash<uint64_t>()(k.offset * 0x9E3779B97F4A7C15ull ^ k.file);
  }
};

std::string Demangle(const char* name) {
  // Only "_Z" names: __cxa_demangle also decodes type encodings, so a C function named "f"
  // would come back as "float".
  if (name[0] == '_' && name[1] == 'Z') {
    int status = -1;
    if (char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status)) {
      std::string s(d);
      free(d);
      return s;
    }
  }
  return name;
}

// The function name of a subprogram / inlined_subroutine DIE. dwarf_attr_integrate follows
// DW_AT_abstract_origin and DW_AT_specification, where the names of inlined and member
// functions live. A mangled linkage name demangles to the full C++ name (namespaces,
// parameters); DW_AT_name alone would be just "Foo". A linkage name that is not mangled is a C
// asm label (glibc's "__GI___dl_iterate_phdr" for __dl_iterate_phdr), so there the source name
// is the better one.
std::string DieName(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  const char* linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
  if (linkage == nullptr)
    linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
  if (linkage != nullptr && linkage[0] == '_' && linkage[1] == 'Z') return Demangle(linkage);
  const char* name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
  if (name == nullptr) name = linkage;
  return name != nullptr ? Demangle(name) : "??";
}

bool IsFunction(Dwarf_Die* die) {
  int tag = dwarf_tag(die);
  return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_entry_point;
}

struct OpenedFile {
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;  // nullptr when the file could not be used
};

OpenedFile OpenPath(const std::string& path, const std::string& name) {
  OpenedFile opened;
  // "linux-vdso.so.1" (and an empty name) is no file; don't open whatever is in the cwd.
  if (path.find('/') == std::string::npos) return opened;
  // Only regular files: module paths come from the trace, which may be hostile or from another
  // machine. Opening a FIFO blocks until someone writes to it (memwrap report hung), and a
  // device is no ELF file either.
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return opened;
  opened.dwfl = dwfl_begin(&kCallbacks);
  if (opened.dwfl == nullptr) return opened;
  dwfl_report_begin(opened.dwfl);
  // base 0 with add_p_vaddr=true: `base` is then the load bias, so libdwfl addresses are the
  // ELF's own p_vaddr addresses (for ET_EXEC libdwfl ignores `base` anyway). With
  // add_p_vaddr=false `base` would instead be where the first PT_LOAD starts.
  // Fails (nullptr) when the file is gone or not ELF; its frames are then "??".
  // The file may be a different build than the traced process ran (build-id mismatch: rebuilt
  // or upgraded since); we still use it, the frames may then be wrong. TODO: compare
  // dwfl_module_build_id() with the recorded one and flag the frames.
  opened.mod = dwfl_report_elf(opened.dwfl, name.c_str(), path.c_str(), -1, 0, true);
  dwfl_report_end(opened.dwfl, nullptr, nullptr);
  return opened;
}

// The first of `paths` (one file under one build-id) that can be used.
OpenedFile OpenFile(const std::vector<std::string>& paths) {
  OpenedFile opened;
  for (const std::string& path : paths) {
    if (opened.dwfl != nullptr) dwfl_end(opened.dwfl);
    opened = OpenPath(path, BaseName(path));
    if (opened.mod != nullptr) break;
  }
  return opened;
}

// The frames of `addr` (an address in the ELF's p_vaddr space), the eu-addr2line -i way: the
// innermost frame's file:line comes from the line table; each DW_TAG_inlined_subroutine scope
// around the address gives its caller's file:line (DW_AT_call_file / DW_AT_call_line) and the
// caller is the next enclosing function scope.
std::vector<SourceFrame> Resolve(ModuleFile& file, Dwarf_Addr addr) {
  Dwfl_Module* mod = file.mod;
  const std::string& module = file.name;
  SourceFrame inner{"??", "", 0, module, false};
  if (mod == nullptr) return {inner};

  if (Dwfl_Line* line = dwfl_module_getsrc(mod, addr)) {
    int lineno = 0;
    if (const char* src = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) {
      inner.file = src;
      inner.line = lineno > 0 ? static_cast<uint32_t>(lineno) : 0;
    }
  }

  // Scopes from the innermost DIE at addr outwards. dwarf_getscopes finds the innermost one but
  // continues into the abstract origin of an inlined function; dwarf_getscopes_die walks the
  // physical parents instead, i.e. the chain of inlined instances we want.
  Dwarf_Addr bias = 0;
  Dwarf_Die* cudie = dwfl_module_addrdie(mod, addr, &bias);
  Dwarf_Die* scopes = nullptr;
  int n = cudie != nullptr ? dwarf_getscopes(cudie, addr - bias, &scopes) : 0;
  if (n > 0) {
    Dwarf_Die innermost = scopes[0];
    free(scopes);
    scopes = nullptr;
    n = dwarf_getscopes_die(&innermost, &scopes);
  }
  Dwarf_Files* files = nullptr;  // DW_AT_call_file indexes the CU's line-table files
  Dwarf_Die cu;
  if (n > 0 && dwarf_diecu(&scopes[0], &cu, nullptr, nullptr) != nullptr)
    dwarf_getsrcfiles(&cu, &files, nullptr);

  int i = 0;
  while (i < n && !IsFunction(&scopes[i])) ++i;
  if (i < n) {
    inner.function = DieName(&scopes[i]);
    inner.inlined = dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine;
  }
  std::vector<SourceFrame> frames{inner};
  while (i < n && dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine) {
    int j = i + 1;  // the caller: there may be lexical blocks in between
    while (j < n && !IsFunction(&scopes[j])) ++j;
    SourceFrame caller{"??", "", 0, module, false};
    if (j < n) {
      caller.function = DieName(&scopes[j]);
      caller.inlined = dwarf_tag(&scopes[j]) == DW_TAG_inlined_subroutine;
    }
    Dwarf_Attribute attr;
    Dwarf_Word val;
    if (files != nullptr &&
        dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr), &val) == 0) {
      if (const char* src = dwarf_filesrc(files, val, nullptr, nullptr)) caller.file = src;
    }
    if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &val) == 0)
      caller.line = static_cast<uint32_t>(val);
    frames.push_back(std::move(caller));
    i = j;
  }
  free(scopes);

  // No DWARF (e.g. libc without its -dbgsym package): the out-of-line function's name is still
  // in .symtab / .dynsym.
  SourceFrame& outer = frames.back();
  if (outer.function == "??" && !outer.inlined) {
    if (file.symbols == nullptr) file.symbols = std::make_unique<ModuleSymbols>(mod);
    if (const char* name = file.symbols->NameAt(addr)) outer.function = Demangle(name);
  }
  return frames;
}

}  // namespace

struct DebugInfoPreloader::Impl {
  std::thread thread;
  bool started = false;
  // Written by the thread only, read once it has been joined.
  std::map<std::string, OpenedFile> files;  // by IdentityOf

  // The file opened ahead for `identity`, if any; it is the caller's from then on.
  bool Take(const std::string& identity, OpenedFile* out) {
    if (thread.joinable()) thread.join();
    auto it = files.find(identity);
    if (it == files.end()) return false;
    *out = it->second;
    files.erase(it);
    return true;
  }

  ~Impl() {
    if (thread.joinable()) thread.join();
    for (auto& [identity, opened] : files)
      if (opened.dwfl != nullptr) dwfl_end(opened.dwfl);
  }
};

DebugInfoPreloader::DebugInfoPreloader() : impl_(std::make_unique<Impl>()) {}
DebugInfoPreloader::~DebugInfoPreloader() = default;

void DebugInfoPreloader::Start(const std::vector<LoadedModule>& modules) {
  if (impl_->started) return;
  impl_->started = true;
  std::map<std::string, std::vector<std::string>> files;  // identity -> paths, each file once
  for (const LoadedModule& module : modules) {
    std::vector<std::string>& paths = files[IdentityOf(module)];
    if (std::find(paths.begin(), paths.end(), module.path) == paths.end())
      paths.push_back(module.path);
  }
  impl_->thread = std::thread([impl = impl_.get(), files = std::move(files)] {
    try {
      for (const auto& [identity, paths] : files) {
        OpenedFile opened = OpenFile(paths);
        impl->files[identity] = opened;
        // Finds and loads the debug information now (the lookups would on first use).
        Dwarf_Addr bias = 0;
        if (opened.mod != nullptr) dwfl_module_getdwarf(opened.mod, &bias);
      }
    } catch (...) {
      // Out of memory: the files not opened here are opened on first use, as without this.
    }
  });
}

struct Symbolizer::Impl {
  std::vector<ModuleFile> files;
  std::unordered_map<std::string, uint32_t> file_index;  // IdentityOf -> files
  // Per pid, segments by start address. Ordered so the lookup is an upper_bound.
  std::unordered_map<uint32_t, std::map<uint64_t, Segment>> spaces;
  // Node-based, so references to the vectors stay valid across rehashes.
  std::unordered_map<CacheKey, std::vector<SourceFrame>, CacheKeyHash> cache;
  const std::vector<SourceFrame> unknown{SourceFrame{"??", "", 0, "", false}};

  // Where `pc` is: the module file and offset, or {kNoModule, pc} outside every module.
  CacheKey Locate(uint32_t pid, uint64_t pc) const {
    auto space = spaces.find(pid);
    if (space == spaces.end()) return {kNoModule, pc};
    auto seg = space->second.upper_bound(pc);
    if (seg == space->second.begin()) return {kNoModule, pc};
    --seg;
    if (pc >= seg->second.end) return {kNoModule, pc};
    return {seg->second.file, pc - seg->second.base};
  }

  ~Impl() {
    for (ModuleFile& f : files)
      if (f.dwfl != nullptr) dwfl_end(f.dwfl);
  }
};

Symbolizer::Symbolizer() : impl_(std::make_unique<Impl>()) {}
Symbolizer::Symbolizer(DebugInfoPreloader* preloaded)
    : impl_(std::make_unique<Impl>()), preloaded_(preloaded) {}
Symbolizer::~Symbolizer() = default;

void Symbolizer::AddModule(uint32_t pid, const LoadedModule& module) {
  std::string identity = IdentityOf(module);
  auto [it, inserted] = impl_->file_index.try_emplace(identity, impl_->files.size());
  if (inserted) {
    ModuleFile f;
    f.identity = std::move(identity);
    f.name = BaseName(module.path);
    impl_->files.push_back(std::move(f));
  }
  std::vector<std::string>& paths = impl_->files[it->second].paths;
  if (std::find(paths.begin(), paths.end(), module.path) == paths.end())
    paths.push_back(module.path);
  std::map<uint64_t, Segment>& segments = impl_->spaces[pid];
  for (const auto& [vaddr, memsz] : module.segments) {
    if (memsz == 0) continue;
    uint64_t start = module.base + vaddr;
    // Same start: a later module replaces an earlier one (dlclose + dlopen reusing the range).
    // We have no timestamps here, so that is the best guess.
    segments.insert_or_assign(start, Segment{start + memsz, module.base, it->second});
  }
}

const std::string& Symbolizer::ModuleOf(uint32_t pid, uint64_t return_address) const {
  static const std::string kNone;
  if (return_address == 0) return kNone;
  CacheKey key = impl_->Locate(pid, return_address - 1);
  return key.file == kNoModule ? kNone : impl_->files[key.file].name;
}

const std::vector<SourceFrame>& Symbolizer::Symbolize(uint32_t pid, uint64_t return_address) {
  if (return_address == 0) return impl_->unknown;
  // A return address points after the call, possibly into the next function or line (or past
  // the end of the segment after a noreturn call); the call instruction is at address - 1.
  CacheKey key = impl_->Locate(pid, return_address - 1);
  auto cached = impl_->cache.find(key);
  if (cached != impl_->cache.end()) return cached->second;
  if (key.file == kNoModule) {
    return impl_->cache
        .emplace(key, std::vector<SourceFrame>{SourceFrame{"??", "", 0, "", false, key.offset}})
        .first->second;
  }
  ModuleFile& file = impl_->files[key.file];
  if (!file.opened) {
    file.opened = true;
    OpenedFile opened;
    const bool taken = preloaded_ != nullptr && preloaded_->impl_->Take(file.identity, &opened);
    if (!taken || opened.mod == nullptr) {
      // Not opened ahead, or the preloader knew fewer of this file's paths and none was usable.
      if (opened.dwfl != nullptr) dwfl_end(opened.dwfl);
      opened = OpenFile(file.paths);
    }
    file.dwfl = opened.dwfl;
    file.mod = opened.mod;
  }
  std::vector<SourceFrame> frames = Resolve(file, key.offset);
  for (SourceFrame& frame : frames) frame.address = key.offset;
  return impl_->cache.emplace(key, std::move(frames)).first->second;
}

}  // namespace memwrap
