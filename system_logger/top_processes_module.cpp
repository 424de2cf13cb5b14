// top: the --top N processes with the largest resident set, from /proc/PID/stat (one read per
// process gives its name, RSS, size, CPU time and threads at once). Processes without a
// resident set (kernel threads) are never listed.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>

#include "memwrap/records.h"
#include "procfs/proc_text.h"
#include "system_logger/module_registry.h"

namespace memwrap {
namespace {

class TopProcessesModule : public SystemModule {
 public:
  explicit TopProcessesModule(const SystemModuleSettings& settings)
      : proc_(settings.root + "/proc"),
        top_(settings.top),
        page_size_(uint64_t(sysconf(_SC_PAGESIZE))) {}
  const char* name() const override { return "top"; }

  std::string Prepare() override {
    DIR* dir = opendir(proc_.c_str());
    if (dir == nullptr) return "cannot list " + proc_;
    closedir(dir);
    return "";
  }

  void Sample(uint64_t ts_ns, ByteBuffer* records) override {
    DIR* dir = opendir(proc_.c_str());
    if (dir == nullptr) return;
    std::vector<SystemItemRecord> all;
    std::string text;
    while (dirent* entry = readdir(dir)) {
      uint64_t pid = 0;
      if (!ParseU64(entry->d_name, &pid) || pid > UINT32_MAX) continue;
      // The process may exit between readdir and this read: then it is simply not listed.
      if (!ReadProcFile(proc_ + "/" + entry->d_name + "/stat", &text)) continue;
      SystemItemRecord r{};
      if (Parse(text, uint32_t(pid), ts_ns, &r) && r.values[0] > 0) all.push_back(r);
    }
    closedir(dir);
    auto larger = [](const SystemItemRecord& a, const SystemItemRecord& b) {
      return a.values[0] != b.values[0] ? a.values[0] > b.values[0] : a.id < b.id;
    };
    const size_t n = std::min(top_, all.size());
    std::partial_sort(all.begin(), all.begin() + long(n), all.end(), larger);
    for (size_t i = 0; i < n; ++i) {
      all[i].values[4] = i + 1;
      AppendRecord(records, all[i]);
    }
  }

 private:
  // "PID (COMM) S PPID ..." where COMM may hold spaces and parentheses: it ends at the last ')'.
  bool Parse(std::string_view text, uint32_t pid, uint64_t ts_ns, SystemItemRecord* r) const {
    const size_t open = text.find('(');
    const size_t close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
      return false;
    }
    // rest[0] is field 3 (state); field N of proc(5) is rest[N - 3].
    std::vector<std::string_view> rest = Fields(text.substr(close + 1));
    uint64_t utime = 0, stime = 0, threads = 0, vsize = 0, rss_pages = 0;
    if (rest.size() < 22 || !ParseU64(rest[11], &utime) || !ParseU64(rest[12], &stime) ||
        !ParseU64(rest[17], &threads) || !ParseU64(rest[20], &vsize) ||
        !ParseU64(rest[21], &rss_pages)) {
      return false;
    }
    r->h = {sizeof(*r), uint16_t(RecordType::kSystemItem), uint16_t(SystemItemKind::kProcess)};
    r->ts_ns = ts_ns;
    r->id = pid;
    CopyName(text.substr(open + 1, close - open - 1), r->name, sizeof(r->name));
    r->values[0] = rss_pages * page_size_;
    r->values[1] = vsize;
    r->values[2] = utime + stime;
    r->values[3] = threads;
    return true;
  }

  std::string proc_;
  size_t top_;
  uint64_t page_size_;
};

}  // namespace

std::unique_ptr<SystemModule> MakeTopProcessesModule(const SystemModuleSettings& settings) {
  return std::make_unique<TopProcessesModule>(settings);
}

}  // namespace memwrap
