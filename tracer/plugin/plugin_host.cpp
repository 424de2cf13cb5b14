#include "tracer/plugin/plugin_host.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "memwrap/plugin.h"
#include "memwrap/records.h"
#include "symbols/module_record.h"
#include "symbols/symbolizer.h"
#include "tracefile/record_cursor.h"
#include "tracer/plugin/plugin_protocol.h"

namespace memwrap {
namespace {

using ApiVersionFn = int (*)();
using InitFn = int (*)(const memwrap_plugin_host*);
using EventFn = int (*)(const memwrap_plugin_host*, const memwrap_plugin_event*);
using ProcessStartFn = void (*)(const memwrap_plugin_host*, const memwrap_plugin_process*);
using ProcessExitFn = void (*)(const memwrap_plugin_host*, uint32_t, uint64_t);
using TickFn = void (*)(const memwrap_plugin_host*, const memwrap_plugin_tick*);
using FiniFn = void (*)(const memwrap_plugin_host*);
using DropsFn = int (*)();

bool WriteAll(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t wrote = write(fd, data, size);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    data += wrote;
    size -= size_t(wrote);
  }
  return true;
}

bool ReadAll(int fd, uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t got = read(fd, data, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    data += got;
    size -= size_t(got);
  }
  return true;
}

bool SendFrame(int fd, PluginFrame type, const void* payload, size_t size) {
  std::vector<uint8_t> out;
  AppendPluginFrameHeader(&out, type, size);
  const auto* bytes = static_cast<const uint8_t*>(payload);
  out.insert(out.end(), bytes, bytes + size);
  return WriteAll(fd, out.data(), out.size());
}

// The host's state; `api` first, so a callback's host pointer leads back to it.
struct Host {
  memwrap_plugin_host api{};
  std::string argument;
  EventFn on_event = nullptr;
  ProcessStartFn on_process_start = nullptr;
  ProcessExitFn on_process_exit = nullptr;
  TickFn on_tick = nullptr;
  FiniFn fini = nullptr;
  bool drops_allocations = false;

  std::vector<PluginRequest> requests;            // of the batch being handled
  uint64_t now_ns = 0;                            // the time of the record being handled
  Symbolizer symbolizer;                          // by image
  std::unordered_map<uint32_t, uint32_t> images;  // pid -> its current image, from 1
  uint32_t next_image = 1;
  std::unordered_map<uint64_t, std::vector<uint64_t>> stacks;  // image << 32 | id -> frames
  // The live blocks among the events seen (for on_tick), per pid; realloc's old block by tid.
  struct Heap {
    std::unordered_map<uint64_t, uint64_t> blocks;
    std::unordered_map<uint32_t, uint64_t> reallocating;
    uint64_t bytes = 0;
  };
  std::unordered_map<uint32_t, Heap> heaps;

  uint32_t ImageOf(uint32_t pid) {
    auto [it, added] = images.try_emplace(pid, next_image);
    if (added) ++next_image;
    return it->second;
  }
  void NewImage(uint32_t pid) {
    images[pid] = next_image++;
    heaps.erase(pid);
  }
};

Host& HostOf(const memwrap_plugin_host* api) {
  return *reinterpret_cast<Host*>(const_cast<memwrap_plugin_host*>(api));
}

const char* FrameFunction(const memwrap_plugin_host* api, const memwrap_plugin_event* event,
                          uint32_t index) {
  if (event == nullptr || index >= event->depth || event->frames == nullptr) return nullptr;
  Host& host = HostOf(api);
  // The reference stays valid for the symbolizer's life (symbolizer.h).
  return host.symbolizer.Symbolize(host.ImageOf(event->pid), event->frames[index])
      .front()
      .function.c_str();
}

void Request(const memwrap_plugin_host* api, PluginRequest::Kind kind, uint32_t pid,
             const char* text) {
  PluginRequest& request = HostOf(api).requests.emplace_back();
  request.kind = kind;
  request.pid = pid;
  request.time_ns = HostOf(api).now_ns;
  request.text = text != nullptr ? text : "";
}

void AddMark(const memwrap_plugin_host* api, uint32_t pid, const char* name) {
  Request(api, PluginRequest::Kind::kMark, pid, name);
}
void RequestDump(const memwrap_plugin_host* api, uint32_t pid, const char* reason) {
  Request(api, PluginRequest::Kind::kDump, pid, reason);
}
void StopRecording(const memwrap_plugin_host* api, const char* reason) {
  Request(api, PluginRequest::Kind::kStop, 0, reason);
}

// Keeps the stacks and modules later events need, and the live heap on_tick reports.
void Track(Host& host, uint32_t pid, const uint8_t* record, const RecordHeader& header) {
  Host::Heap& heap = host.heaps[pid];
  switch (RecordType(header.type)) {
    case RecordType::kModule:
      if (LoadedModule module; ReadModuleRecord(record, header.size, &module)) {
        host.symbolizer.AddModule(host.ImageOf(pid), module);
      }
      break;
    case RecordType::kStack:
      if (StackRecord stack; CopyRecord(record, header.size, &stack) &&
                             stack.depth <= kMaxStackDepth &&
                             sizeof(stack) + uint64_t(stack.depth) * 8 <= header.size) {
        std::vector<uint64_t>& frames = host.stacks[uint64_t(host.ImageOf(pid)) << 32 | stack.id];
        frames.resize(stack.depth);
        if (stack.depth > 0) memcpy(frames.data(), record + sizeof(stack), stack.depth * 8ull);
      }
      break;
    case RecordType::kAlloc:
      if (AllocRecord r; CopyRecord(record, header.size, &r)) {
        uint64_t& size = heap.blocks[r.addr];
        heap.bytes += r.size - size;
        size = r.size;
      }
      break;
    case RecordType::kFree:
    case RecordType::kReallocBegin:
      // FREE and REALLOC_BEGIN share their layout (records.h).
      if (FreeRecord r; CopyRecord(record, header.size, &r)) {
        uint64_t old_size = 0;
        if (auto it = heap.blocks.find(r.addr); it != heap.blocks.end()) {
          old_size = it->second;
          heap.bytes -= old_size;
          heap.blocks.erase(it);
        }
        if (RecordType(header.type) == RecordType::kReallocBegin) {
          heap.reallocating[r.tid] = old_size;
        }
      }
      break;
    case RecordType::kReallocEnd:
      if (ReallocEndRecord r; CopyRecord(record, header.size, &r)) {
        const auto parked = heap.reallocating.find(r.tid);
        const uint64_t old_size = parked != heap.reallocating.end() ? parked->second : 0;
        if (parked != heap.reallocating.end()) heap.reallocating.erase(parked);
        if (r.new_addr != 0) {
          uint64_t& size = heap.blocks[r.new_addr];
          heap.bytes += r.size - size;
          size = r.size;
        } else if (r.size != 0 && old_size != 0) {
          heap.blocks[r.old_addr] = old_size;  // the realloc failed: the old block stays
          heap.bytes += old_size;
        }
      }
      break;
    default:
      break;
  }
}

void SetStack(Host& host, uint32_t pid, StackId id, memwrap_plugin_event* event) {
  if (id == kNoStack) return;
  auto it = host.stacks.find(uint64_t(host.ImageOf(pid)) << 32 | id);
  if (it == host.stacks.end()) return;
  event->depth = uint32_t(it->second.size());
  event->frames = it->second.data();
}

// PROCESS_START: a new image of `pid`, told to the plugin with its executable's path.
void StartImage(Host& host, uint32_t pid, const uint8_t* record, const RecordHeader& header) {
  host.NewImage(pid);
  ProcessStartRecord r;
  if (host.on_process_start != nullptr && CopyRecord(record, header.size, &r)) {
    std::string exe;
    if (r.exe_size > 0 && sizeof(r) + uint64_t(r.exe_size) <= header.size) {
      exe.assign(reinterpret_cast<const char*>(record + sizeof(r)),
                 strnlen(reinterpret_cast<const char*>(record + sizeof(r)), r.exe_size));
    }
    memwrap_plugin_process process{sizeof(process), r.pid, r.ppid, 0, r.ts_ns, exe.c_str()};
    host.on_process_start(&host.api, &process);
  }
}

void EndImage(Host& host, uint32_t pid, const uint8_t* record, const RecordHeader& header) {
  ImageEndRecord r;
  if (host.on_process_exit != nullptr && CopyRecord(record, header.size, &r)) {
    host.on_process_exit(&host.api, pid, r.ts_ns);
  }
  host.heaps.erase(pid);
}

// MEMORY_SAMPLE: a tick, with the heap as the host tracks it.
void Tick(Host& host, uint32_t pid, const uint8_t* record, const RecordHeader& header) {
  MemorySampleRecord r;
  if (host.on_tick != nullptr && CopyRecord(record, header.size, &r)) {
    const Host::Heap& heap = host.heaps[pid];
    memwrap_plugin_tick tick{sizeof(tick),
                             pid,
                             r.ts_ns,
                             r.rss,
                             (r.h.flags & kMemorySampleWithoutPss) ? 0 : r.pss,
                             r.hwm,
                             heap.bytes,
                             heap.blocks.size()};
    host.on_tick(&host.api, &tick);
  }
}

// An event of `kind` without a stack or a mark name (SetStack and the MARK case add those).
memwrap_plugin_event Event(uint32_t kind, uint32_t pid, uint32_t tid, uint64_t time_ns,
                           uint64_t address, uint64_t old_address, uint64_t bytes) {
  memwrap_plugin_event event{};
  event.size = sizeof(event);
  event.kind = kind;
  event.pid = pid;
  event.tid = tid;
  event.time_ns = time_ns;
  event.address = address;
  event.old_address = old_address;
  event.bytes = bytes;
  return event;
}

// The plugin event a record is, if it is one the plugin sees (a mark's name is kept in
// `mark`, which the event points to).
bool EventOf(Host& host, uint32_t pid, const uint8_t* record, const RecordHeader& header,
             std::string* mark, memwrap_plugin_event* event) {
  const RecordType type = RecordType(header.type);
  switch (type) {
    case RecordType::kAlloc:
      if (AllocRecord r; CopyRecord(record, header.size, &r)) {
        *event = Event(MEMWRAP_EVENT_ALLOC, pid, r.tid, r.ts_ns, r.addr, 0, r.size);
        SetStack(host, pid, r.stack, event);
        return true;
      }
      return false;
    case RecordType::kFree:
    case RecordType::kReallocBegin:
      if (FreeRecord r; CopyRecord(record, header.size, &r)) {
        *event = Event(type == RecordType::kFree ? MEMWRAP_EVENT_FREE : MEMWRAP_EVENT_REALLOC_BEGIN,
                       pid, r.tid, r.ts_ns, r.addr, 0, 0);
        return true;
      }
      return false;
    case RecordType::kReallocEnd:
      if (ReallocEndRecord r; CopyRecord(record, header.size, &r)) {
        *event = Event(MEMWRAP_EVENT_REALLOC, pid, r.tid, r.ts_ns, r.new_addr, r.old_addr, r.size);
        SetStack(host, pid, r.stack, event);
        return true;
      }
      return false;
    case RecordType::kMmap:
      if (MmapRecord r; CopyRecord(record, header.size, &r)) {
        *event = Event(MEMWRAP_EVENT_MMAP, pid, r.tid, r.ts_ns, r.addr, 0, r.length);
        SetStack(host, pid, r.stack, event);
        return true;
      }
      return false;
    case RecordType::kMunmap:
      if (MunmapRecord r; CopyRecord(record, header.size, &r)) {
        *event = Event(MEMWRAP_EVENT_MUNMAP, pid, r.tid, r.ts_ns, r.addr, 0, r.length);
        return true;
      }
      return false;
    case RecordType::kBrk:
      if (BrkRecord r; CopyRecord(record, header.size, &r)) {
        *event = Event(MEMWRAP_EVENT_BRK, pid, r.tid, r.ts_ns, r.new_break, r.old_break, 0);
        SetStack(host, pid, r.stack, event);
        return true;
      }
      return false;
    case RecordType::kMark:
      if (MarkRecord r;
          CopyRecord(record, header.size, &r) && ReadMarkName(record, header.size, mark)) {
        *event = Event(MEMWRAP_EVENT_MARK, pid, r.tid, r.ts_ns, 0, 0, 0);
        event->mark = mark->c_str();
        return true;
      }
      return false;
    default:
      return false;
  }
}

// One record of `pid` through the plugin's callbacks; returns its keep byte.
uint8_t Handle(Host& host, uint32_t pid, const uint8_t* record, const RecordHeader& header) {
  const RecordType type = RecordType(header.type);
  if (type != RecordType::kStack && header.size >= sizeof(header) + 8) {
    memcpy(&host.now_ns, record + sizeof(header), 8);  // ts_ns at offset 8 (records.h)
  }
  if (type == RecordType::kProcessStart) {
    StartImage(host, pid, record, header);
    return 1;
  }
  if (type == RecordType::kImageEnd) {
    EndImage(host, pid, record, header);
    return 1;
  }
  Track(host, pid, record, header);
  if (type == RecordType::kMemorySample) {
    Tick(host, pid, record, header);
    return 1;
  }
  if (host.on_event == nullptr) return 1;
  memwrap_plugin_event event{};
  event.size = sizeof(event);
  event.pid = pid;
  std::string mark;
  if (!EventOf(host, pid, record, header, &mark, &event)) return 1;
  const int verdict = host.on_event(&host.api, &event);
  // Only an allocation can be dropped (allocation_judge.h).
  const bool allocation = type == RecordType::kAlloc || type == RecordType::kReallocEnd;
  return allocation && verdict == MEMWRAP_PLUGIN_DROP ? 0 : 1;
}

// One BATCH: each record through the plugin, then the ANSWER.
bool AnswerBatch(Host& host, int fd, const std::vector<uint8_t>& payload) {
  if (payload.size() < sizeof(PluginBatchHead)) return false;
  PluginBatchHead head;
  memcpy(&head, payload.data(), sizeof(head));
  const uint8_t* records = payload.data() + sizeof(head);
  const size_t size = payload.size() - sizeof(head);
  std::vector<uint8_t> keep;
  host.requests.clear();
  for (size_t at = 0; size - at >= sizeof(RecordHeader);) {
    RecordHeader header;
    memcpy(&header, records + at, sizeof(header));
    if (header.size < sizeof(header) || header.size > size - at) break;
    keep.push_back(Handle(host, head.pid, records + at, header));
    at += header.size;
  }
  std::vector<uint8_t> out;
  AppendPluginValue(&out, PluginAnswerHead{uint32_t(keep.size()), uint32_t(host.requests.size())});
  out.insert(out.end(), keep.begin(), keep.end());
  for (const PluginRequest& request : host.requests) {
    AppendPluginValue(&out, PluginRequestHead{uint32_t(request.kind), request.pid, request.time_ns,
                                              uint32_t(request.text.size()), 0});
    out.insert(out.end(), request.text.begin(), request.text.end());
  }
  return SendFrame(fd, PluginFrame::kAnswer, out.data(), out.size());
}

// Loads the library; "" or why it cannot be used.
std::string Load(Host& host, const std::string& library) {
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return std::string("cannot be loaded: ") + (error != nullptr ? error : "dlopen failed");
  }
  auto version = reinterpret_cast<ApiVersionFn>(dlsym(handle, "memwrap_plugin_api_version"));
  if (version == nullptr) {
    return "defines no memwrap_plugin_api_version() (is it a memwrap plugin? "
           "include/memwrap/plugin.h)";
  }
  const int speaks = version();
  if (speaks != MEMWRAP_PLUGIN_API_VERSION) {
    return "was built for plugin API version " + std::to_string(speaks) +
           "; this memwrap speaks version " + std::to_string(MEMWRAP_PLUGIN_API_VERSION);
  }
  host.on_event = reinterpret_cast<EventFn>(dlsym(handle, "memwrap_plugin_on_event"));
  host.on_process_start =
      reinterpret_cast<ProcessStartFn>(dlsym(handle, "memwrap_plugin_on_process_start"));
  host.on_process_exit =
      reinterpret_cast<ProcessExitFn>(dlsym(handle, "memwrap_plugin_on_process_exit"));
  host.on_tick = reinterpret_cast<TickFn>(dlsym(handle, "memwrap_plugin_on_tick"));
  host.fini = reinterpret_cast<FiniFn>(dlsym(handle, "memwrap_plugin_fini"));
  if (auto init = reinterpret_cast<InitFn>(dlsym(handle, "memwrap_plugin_init"))) {
    if (int refused = init(&host.api); refused != 0) {
      return "refused to start (memwrap_plugin_init returned " + std::to_string(refused) + ")";
    }
  }
  if (auto drops = reinterpret_cast<DropsFn>(dlsym(handle, "memwrap_plugin_drops_allocations"))) {
    host.drops_allocations = drops() != 0;
  }
  return "";
}

int RunHost(int fd, const std::string& library, const std::string& argument) {
  // A plugin's crash is the host's death by its signal, which the watcher reports; not a
  // handler's (a sanitizer's) report and exit.
  for (int signo : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(signo, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);  // memwrap gone: a write fails and the host ends
  Host host;
  host.argument = argument;
  host.api.size = sizeof(host.api);
  host.api.api_version = MEMWRAP_PLUGIN_API_VERSION;
  host.api.argument = host.argument.c_str();
  host.api.frame_function = FrameFunction;
  host.api.add_mark = AddMark;
  host.api.request_dump = RequestDump;
  host.api.stop_recording = StopRecording;
  if (std::string error = Load(host, library); !error.empty()) {
    SendFrame(fd, PluginFrame::kRefused, error.data(), error.size());
    return 1;
  }
  const uint32_t ready[3] = {MEMWRAP_PLUGIN_API_VERSION, uint32_t(getpid()),
                             host.drops_allocations ? 1u : 0u};
  if (!SendFrame(fd, PluginFrame::kReady, ready, sizeof(ready))) return 1;
  std::vector<uint8_t> payload;
  for (;;) {
    PluginFrameHeader header;
    if (!ReadAll(fd, reinterpret_cast<uint8_t*>(&header), sizeof(header)) ||
        header.size > kMaxPluginFrame) {
      return 0;  // memwrap is gone
    }
    payload.resize(header.size);
    if (!ReadAll(fd, payload.data(), payload.size())) return 0;
    if (header.type == uint32_t(PluginFrame::kFinish)) {
      if (host.fini != nullptr) host.fini(&host.api);
      SendFrame(fd, PluginFrame::kDone, nullptr, 0);
      return 0;
    }
    if (header.type != uint32_t(PluginFrame::kBatch) || !AnswerBatch(host, fd, payload)) return 1;
  }
}

// The watcher: waits for the host and writes its wait status for memwrap; kills it when
// memwrap goes away (the pipe's reader closes: POLLERR on our end).
[[noreturn]] void Watch(pid_t host) {
  const int pidfd = int(syscall(SYS_pidfd_open, host, 0));
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(host, &status, WNOHANG);
    if (done == host) {
      WriteAll(kPluginHostStatusFd, reinterpret_cast<const uint8_t*>(&status), sizeof(status));
      _exit(0);
    }
    if (done < 0 && errno != EINTR) _exit(1);
    pollfd fds[2] = {{kPluginHostStatusFd, 0, 0}, {pidfd, POLLIN, 0}};
    // Without a pidfd (an old kernel), the host's end is noticed within this period.
    poll(fds, pidfd >= 0 ? 2 : 1, 100);
    if (fds[0].revents & (POLLERR | POLLHUP)) {
      kill(host, SIGKILL);
      waitpid(host, &status, 0);
      _exit(0);
    }
  }
}

}  // namespace

int PluginHostMain(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "%s: started by memwrap only (memwrap run --plugin LIB)\n", kPluginHostName);
    return 2;
  }
  setpgid(0, 0);  // out of memwrap's process group: the terminal's signals are the program's
  const pid_t watcher = fork();
  if (watcher != 0) _exit(watcher < 0 ? 1 : 0);  // memwrap reaps this one at once
  const pid_t host = fork();
  if (host < 0) _exit(1);
  if (host == 0) {
    close(kPluginHostStatusFd);
    const int status = RunHost(kPluginHostSocketFd, argv[1], argv[2]);
    fflush(nullptr);  // what the plugin printed; no exit handlers of memwrap's own
    _exit(status);
  }
  close(kPluginHostSocketFd);
  Watch(host);
}

}  // namespace memwrap
