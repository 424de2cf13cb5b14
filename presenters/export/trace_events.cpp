#include "presenters/export/trace_events.h"

#include <string.h>

#include "replay/image_tracker.h"

namespace memwrap {
namespace {

// The text that follows a record's fixed part, cut at its NUL or its stated size.
template <class T>
std::string TrailingText(const RecordView& record, const T& fixed, uint32_t size) {
  if (size == 0 || sizeof(fixed) + uint64_t(size) > record.size) return "";
  const char* text = reinterpret_cast<const char*>(record.data + sizeof(fixed));
  return std::string(text, strnlen(text, size));
}

}  // namespace

TraceEvents CollectTraceEvents(TraceStream& stream, uint64_t origin_ns) {
  TraceEvents events;
  ImageTracker tracker;
  auto since = [&](uint64_t ts) { return ts > origin_ns ? ts - origin_ns : 0; };
  stream.ForEach([&](uint32_t pid, const RecordView& record) {
    ImageId ended;
    const ImageId image = tracker.Track(pid, record, &ended);
    PointEvent point;
    point.pid = pid;
    switch (record.type) {
      case RecordType::kProcessStart:
        if (const auto* start = record.As<ProcessStartRecord>()) {
          // The command, as the catalog joins it (the executable when argv is empty).
          std::string exe = TrailingText(record, *start, start->exe_size);
          std::string command;
          if (start->exe_size <= record.size - sizeof(*start)) {
            const char* p =
                reinterpret_cast<const char*>(record.data + sizeof(*start)) + start->exe_size;
            uint64_t room = record.size - sizeof(*start) - start->exe_size;
            uint64_t n = start->cmdline_size < room ? start->cmdline_size : room;
            for (uint64_t pos = 0; pos < n;) {
              size_t length = strnlen(p + pos, n - pos);
              command += (command.empty() ? "" : " ") + std::string(p + pos, length);
              pos += length + 1;
            }
          }
          point.time_ns = since(start->ts_ns);
          point.category = ended != 0 ? "exec" : "start";
          point.text = command.empty() ? exe : command;
          events.points.push_back(point);
        }
        break;
      case RecordType::kProcessExit:
        if (ProcessExitRecord exit; record.Copy(&exit)) {
          point.time_ns = since(exit.ts_ns);
          point.category = "exit";
          point.text = exit.kind == uint32_t(ExitKind::kSignaled)
                           ? "killed by signal " + std::to_string(exit.status)
                       : exit.kind == uint32_t(ExitKind::kExited)
                           ? "exit " + std::to_string(exit.status)
                           : "gone";
          events.points.push_back(point);
        }
        break;
      case RecordType::kMark:
        if (const auto* mark = record.As<MarkRecord>()) {
          point.time_ns = since(mark->ts_ns);
          point.tid = mark->tid;
          point.category = "mark";
          point.text = TrailingText(record, *mark, mark->name_size);
          events.points.push_back(point);
        }
        break;
      case RecordType::kStdoutLine:
        if (const auto* line = record.As<StdoutLineRecord>()) {
          point.time_ns = since(line->ts_ns);
          point.category = "stdout";
          point.text = TrailingText(record, *line, line->text_size);
          events.points.push_back(point);
        }
        break;
      case RecordType::kStackSample:
        if (const auto* sample = record.As<StackSampleRecord>()) {
          point.time_ns = since(sample->ts_ns);
          point.tid = sample->tid;
          point.category = "stack_sample";
          point.image = image;
          point.stack = sample->stack;
          events.points.push_back(point);
        }
        break;
      case RecordType::kSyscall:
        if (const auto* call = record.As<SyscallRecord>()) {
          SyscallSlice slice;
          slice.time_ns = since(call->ts_ns);
          slice.unfinished = (call->h.flags & kSyscallUnfinished) != 0;
          slice.duration_ns = slice.unfinished ? 0 : call->duration_ns;
          slice.pid = pid;
          slice.tid = call->tid;
          slice.number = call->number;
          slice.result = call->result;
          memcpy(slice.args, call->args, sizeof(slice.args));
          events.syscalls.push_back(slice);
        }
        break;
      default:
        break;
    }
    return true;
  });
  return events;
}

}  // namespace memwrap
