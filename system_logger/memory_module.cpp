// memory: /proc/meminfo as free(1) shows it (procps-ng 4 definitions, records.h).
#include "memwrap/records.h"
#include "procfs/proc_text.h"
#include "system_logger/module_registry.h"

namespace memwrap {
namespace {

class MemoryModule : public SystemModule {
 public:
  explicit MemoryModule(const SystemModuleSettings& settings)
      : path_(settings.root + "/proc/meminfo") {}
  const char* name() const override { return "memory"; }

  std::string Prepare() override {
    std::string text;
    uint64_t total = 0;
    if (!ReadProcFile(path_, &text)) return "cannot read " + path_;
    if (!MeminfoBytes(text, "MemTotal", &total)) return path_ + " has no MemTotal line";
    return "";
  }

  void Sample(uint64_t ts_ns, ByteBuffer* records) override {
    if (!ReadProcFile(path_, &text_)) return;
    SystemMemoryRecord r{};
    r.h = {sizeof(r), uint16_t(RecordType::kSystemMemory), 0};
    r.ts_ns = ts_ns;
    if (!MeminfoBytes(text_, "MemTotal", &r.total)) return;
    uint64_t cached = 0, reclaimable = 0, swap_free = 0;
    MeminfoBytes(text_, "MemFree", &r.free);
    MeminfoBytes(text_, "Buffers", &r.buffers);
    MeminfoBytes(text_, "Cached", &cached);
    MeminfoBytes(text_, "SReclaimable", &reclaimable);
    MeminfoBytes(text_, "Shmem", &r.shared);
    MeminfoBytes(text_, "SwapTotal", &r.swap_total);
    MeminfoBytes(text_, "SwapFree", &swap_free);
    r.cache = cached + reclaimable;
    r.swap_used = r.swap_total > swap_free ? r.swap_total - swap_free : 0;
    if (MeminfoBytes(text_, "MemAvailable", &r.available)) {
      r.used = r.total > r.available ? r.total - r.available : 0;
    } else {  // kernels before 3.14
      const uint64_t unused = r.free + r.buffers + r.cache;
      r.used = r.total > unused ? r.total - unused : 0;
    }
    AppendRecord(records, r);
  }

 private:
  std::string path_;
  std::string text_;
};

}  // namespace

std::unique_ptr<SystemModule> MakeMemoryModule(const SystemModuleSettings& settings) {
  return std::make_unique<MemoryModule>(settings);
}

}  // namespace memwrap
