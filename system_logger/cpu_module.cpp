// cpu: the "cpu" line of /proc/stat (all CPUs together), cumulative ticks per state.
#include <unistd.h>

#include "memwrap/records.h"
#include "procfs/proc_text.h"
#include "system_logger/module_registry.h"

namespace memwrap {
namespace {

class CpuModule : public SystemModule {
 public:
  explicit CpuModule(const SystemModuleSettings& settings) : path_(settings.root + "/proc/stat") {}
  const char* name() const override { return "cpu"; }

  std::string Prepare() override {
    std::string text;
    if (!ReadProcFile(path_, &text)) return "cannot read " + path_;
    ByteBuffer probe;
    Sample(0, &probe);
    if (probe.empty()) return path_ + " has no readable 'cpu' line";
    return "";
  }

  void Sample(uint64_t ts_ns, ByteBuffer* records) override {
    if (!ReadProcFile(path_, &text_)) return;
    SystemCpuRecord r{};
    r.h = {sizeof(r), uint16_t(RecordType::kSystemCpu), 0};
    r.ts_ns = ts_ns;
    r.ticks_per_second = uint32_t(sysconf(_SC_CLK_TCK));
    bool found = false;
    for (std::string_view line : Lines(text_)) {
      std::vector<std::string_view> fields = Fields(line);
      if (fields.empty()) continue;
      if (fields[0] == "cpu") {
        // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is
        // already counted in user and nice, so it is not added again.
        uint64_t* states[] = {&r.user,   &r.nice, &r.system,  &r.idle,
                              &r.iowait, &r.irq,  &r.softirq, &r.steal};
        if (fields.size() < 5) return;
        for (size_t i = 0; i < 8 && i + 1 < fields.size(); ++i) {
          if (!ParseU64(fields[i + 1], states[i])) return;
        }
        found = true;
      } else if (fields[0].size() > 3 && fields[0].substr(0, 3) == "cpu") {
        ++r.cpus;
      }
    }
    if (found) AppendRecord(records, r);
  }

 private:
  std::string path_;
  std::string text_;
};

}  // namespace

std::unique_ptr<SystemModule> MakeCpuModule(const SystemModuleSettings& settings) {
  return std::make_unique<CpuModule>(settings);
}

}  // namespace memwrap
