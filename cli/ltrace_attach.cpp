#include "cli/ltrace_attach.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <map>
#include <memory>

#include "cli/recording_session.h"
#include "cli/tracee_text.h"
#include "memwrap/library_prototypes.h"
#include "memwrap/ltrace_filter.h"
#include "procfs/proc_files.h"
#include "tracer/plt_breakpoints.h"
#include "tracer/plt_stubs.h"
#include "tracer/process_tree.h"

namespace memwrap {
namespace {

std::string ReadLink(const std::string& path) {
  char target[PATH_MAX];
  const ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
  if (n <= 0) return "";
  return std::string(target, size_t(n));
}

// AT_ENTRY of the process's auxiliary vector: its main program's entry point at run time.
uint64_t EntryPoint(pid_t pid) {
  std::string auxv;
  if (!ReadProcFile(ProcPath(pid, "auxv"), &auxv)) return 0;
  for (size_t at = 0; at + sizeof(Elf64_auxv_t) <= auxv.size(); at += sizeof(Elf64_auxv_t)) {
    Elf64_auxv_t entry;
    memcpy(&entry, auxv.data() + at, sizeof(entry));
    if (entry.a_type == AT_ENTRY) return entry.a_un.a_val;
  }
  return 0;
}

// The file mapped at `address` in `pid` ("" if anonymous or unknown).
std::string MappedFile(pid_t pid, uint64_t address) {
  std::string maps;
  if (!ReadProcFile(ProcPath(pid, "maps"), &maps)) return "";
  for (size_t start = 0; start < maps.size();) {
    size_t end = maps.find('\n', start);
    if (end == std::string::npos) end = maps.size();
    const std::string line = maps.substr(start, end - start);
    start = end + 1;
    unsigned long long first = 0, last = 0;
    int name_at = 0;
    if (sscanf(line.c_str(), "%llx-%llx %*s %*s %*s %*s %n", &first, &last, &name_at) < 2) continue;
    if (address < first || address >= last) continue;
    std::string file = line.substr(size_t(name_at));
    while (!file.empty() && file.back() == ' ') file.pop_back();
    return !file.empty() && file[0] == '/' ? file : "";
  }
  return "";
}

// Turns the breakpoints' calls into LibraryCalls, reading their strings as the audit library
// does (input strings and the strings a format converts at entry, output strings and the
// result's at return), and hands them to the printer.
class AttachedCalls : public PltCallObserver {
 public:
  AttachedCalls(CallPrinter* printer, std::string program, uint64_t bias, unsigned string_size)
      : printer_(printer),
        program_(std::move(program)),
        bias_(bias),
        limit_(size_t(string_size) + 1) {}

  void OnCallEntry(PltCall* call) override {
    const LibraryPrototype* prototype = FindLibraryPrototype(call->function->c_str());
    if (prototype == nullptr) return;
    uint16_t wanted = 0;
    for (uint8_t i = 0; i < prototype->arg_count && i < 6; ++i) {
      const LtraceArg& arg = prototype->args[i];
      if (!IsText(arg.kind) || arg.output || call->args[i] == 0) continue;
      wanted = uint16_t(wanted | (1u << i));
      if (arg.kind != ArgKind::kFormat) continue;
      std::string format;
      ReadTraceeText(call->tid, call->args[i], UINT64_MAX, 4096, &format);
      const int first = i + 1;
      ForEachFormatConversion(format.c_str(), [&](int index, ArgKind kind) {
        const int slot = first + index;
        if (index >= 0 && kind == ArgKind::kString && slot < 6 && call->args[slot] != 0) {
          wanted = uint16_t(wanted | (1u << slot));
        }
      });
    }
    for (uint8_t i = 0; i < 6; ++i) {
      if (!(wanted & (1u << i))) continue;
      const uint64_t bound =
          i < prototype->arg_count ? BoundOf(prototype->args[i], call->args, 0) : UINT64_MAX;
      if (ReadTraceeText(call->tid, call->args[i], bound, limit_, &call->texts[i])) {
        call->text_args = uint16_t(call->text_args | (1u << i));
      }
    }
  }

  void OnCall(PltCall* call) override {
    LibraryCall out;
    out.prototype = FindLibraryPrototype(call->function->c_str());
    if (call->returned && out.prototype != nullptr) ReadOutputs(out.prototype, call);
    out.pid = uint32_t(call->pid);
    out.tid = uint32_t(call->tid);
    out.function = *call->function;
    out.library = DefiningLibrary(*call);
    out.caller_library = program_;
    out.caller = call->caller;
    out.caller_offset = call->caller - bias_;
    out.ts_ns = call->entry_ns;
    out.duration_ns = call->returned ? call->exit_ns - call->entry_ns : 0;
    out.returned = call->returned && !call->entry_only;
    out.entry_only = call->entry_only;
    out.result = call->result;
    memcpy(out.args, call->args, sizeof(out.args));
    out.text_args = call->text_args;
    out.depth = call->depth;
    for (int i = 0; i < 7; ++i) out.texts[i] = std::move(call->texts[i]);
    printer_->Call(out);
  }

 private:
  void ReadOutputs(const LibraryPrototype* prototype, PltCall* call) {
    for (uint8_t i = 0; i < 7; ++i) {
      if (call->text_args & (1u << i)) continue;
      const LtraceArg* arg =
          i < 6 ? (i < prototype->arg_count ? &prototype->args[i] : nullptr) : &prototype->result;
      const uint64_t value = i < 6 ? call->args[i] : call->result;
      if (arg == nullptr || !IsText(arg->kind) || arg->kind == ArgKind::kFormat || value == 0 ||
          (i < 6 && !arg->output)) {
        continue;
      }
      if (ReadTraceeText(call->tid, value, BoundOf(*arg, call->args, call->result), limit_,
                         &call->texts[i])) {
        call->text_args = uint16_t(call->text_args | (1u << i));
      }
    }
  }

  // The library the GOT slot leads to, looked up once per function (once it is bound).
  const std::string& DefiningLibrary(const PltCall& call) {
    auto known = libraries_.find(*call.function);
    if (known != libraries_.end()) return known->second;
    uint64_t target = 0;
    std::string library;
    if (ReadTracee(call.tid, call.slot, &target)) library = MappedFile(call.pid, target);
    if (library.empty() || library == program_) return unknown_;  // not bound yet
    return libraries_[*call.function] = library;
  }

  static bool ReadTracee(pid_t tid, uint64_t address, uint64_t* value) {
    iovec local{value, 8};
    iovec remote{reinterpret_cast<void*>(address), 8};
    return process_vm_readv(tid, &local, 1, &remote, 1, 0) == 8;
  }

  CallPrinter* printer_;
  std::string program_;
  uint64_t bias_;
  size_t limit_;
  std::map<std::string, std::string> libraries_;
  std::string unknown_;
};

}  // namespace

std::string TraceAttached(const LtraceAttachment& what, CallPrinter* printer, int* wait_status) {
  *wait_status = -1;
  const pid_t pid = what.pid;
  const std::string proc = "/proc/" + std::to_string(pid);
  if (kill(pid, 0) != 0 && errno == ESRCH) return "no such process";
  const std::string program = ReadLink(proc + "/exe");
  if (program.empty()) return std::string("cannot read its executable: ") + strerror(errno);
  PltStubs stubs;
  // /proc/PID/exe opens the very file it runs, even if it was replaced or deleted since.
  if (std::string error = ReadPltStubs(proc + "/exe", &stubs); !error.empty()) {
    return program + ": " + error;
  }
  const uint64_t entry = EntryPoint(pid);
  if (entry == 0) return "cannot read its auxiliary vector";
  const uint64_t bias = entry - stubs.entry;  // 0 unless a PIE

  // The -e chains, with the main program as the caller of every call seen.
  auto filter = std::make_unique<LtraceFilter>();
  for (const FilterExpression& item : what.expressions) {
    char error[512];
    if (!filter->AddChain(item.kind, item.expression.c_str(), error, sizeof(error))) {
      return item.option + " '" + item.expression + "': " + error;
    }
  }
  const std::string basename = program.substr(program.rfind('/') + 1);
  const std::string soname = stubs.soname.empty() ? basename : stubs.soname;
  const FilterObject caller{program.c_str(), soname.c_str(), true};
  const FilterObject callee{"", "", false};

  AttachedCalls calls(printer, program, bias, what.string_size);
  PltBreakpoints breakpoints(&calls, [](const std::string& name) {
    return CallShapeOf(name.c_str(), FindLibraryPrototype(name.c_str())) == CallShape::kEntryOnly;
  });
  ProcessTreeOptions options;
  options.stops = SyscallStops::kNone;
  options.follow = true;  // every new thread and child must be traced: they meet the int3s
  // No trace, no collector, no program to exec: the session says nothing under its name.
  RecordingSession session("ltracedrv");
  session.AttachTo(pid);
  ProcessTree& tree = session.Follow(&breakpoints, options);
  if (std::string error = session.Trace(); !error.empty()) return error;
  size_t count = 0;
  std::string error = breakpoints.Insert(
      pid, stubs, bias,
      [&](const std::string& name) { return filter->Matches(name.c_str(), caller, callee); },
      &count);
  if (!error.empty()) tree.RequestDetach();  // takes out what was put, and lets go
  session.Run(/*tick_period_ns=*/0, nullptr);
  if (!error.empty()) return error;
  *wait_status = breakpoints.exit_status();
  return "";
}

}  // namespace memwrap
