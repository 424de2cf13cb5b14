#include "tracer/flight/expression_judge.h"

#include <string.h>

#include <stdexcept>

#include "tracefile/record_cursor.h"

namespace memwrap {

ExpressionJudge::ExpressionJudge(const std::string& expression, uint64_t origin_ns)
    : filter_(expression), events_(filter_.ReadsStack(), origin_ns) {
  for (const char* field : {"heap", "rss", "syscall", "result"}) {
    if (filter_.ReadsField(field)) {
      throw std::invalid_argument(std::string("the field ") + field +
                                  " is not known to an allocation here (fltrec --trigger knows "
                                  "heap and rss)");
    }
  }
}

void ExpressionJudge::Judge(uint32_t pid, const uint8_t* records, size_t size,
                            std::vector<uint8_t>* keep) {
  RecordCursor cursor(records, size);
  size_t index = 0;
  for (RecordView view; cursor.TryNext(&view) && index < keep->size(); ++index) {
    RecordHeader header;
    memcpy(&header, view.data, sizeof(header));
    // Every record goes through: stacks, modules and marks are what later allocations see.
    std::optional<FilterEvent> event = events_.EventOf(pid, view.data, header);
    if (!event || (view.type != RecordType::kAlloc && view.type != RecordType::kReallocEnd)) {
      continue;
    }
    if (!filter_.Matches(*event)) (*keep)[index] = 0;
  }
}

}  // namespace memwrap
