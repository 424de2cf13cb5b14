// disk: /proc/diskstats, one SYSTEM_ITEM per whole disk that has done any I/O since boot.
// Whole disks are the entries of /sys/block (partitions would count their I/O twice); when
// /sys/block cannot be listed, every device counts.
#include <dirent.h>

#include <algorithm>
#include <set>

#include "memwrap/records.h"
#include "procfs/proc_text.h"
#include "system_logger/module_registry.h"

namespace memwrap {
namespace {

class DiskModule : public SystemModule {
 public:
  explicit DiskModule(const SystemModuleSettings& settings)
      : path_(settings.root + "/proc/diskstats"), sys_block_(settings.root + "/sys/block") {}
  const char* name() const override { return "disk"; }

  std::string Prepare() override {
    std::string text;
    if (!ReadProcFile(path_, &text)) return "cannot read " + path_;
    if (DIR* dir = opendir(sys_block_.c_str())) {
      while (dirent* entry = readdir(dir)) {
        std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        std::replace(name.begin(), name.end(), '!', '/');  // sysfs spells "cciss/c0d0" so
        whole_disks_.insert(name);
      }
      closedir(dir);
    }
    return "";
  }

  void Sample(uint64_t ts_ns, ByteBuffer* records) override {
    if (!ReadProcFile(path_, &text_)) return;
    // major minor name reads merged sectors read_ms writes merged sectors write_ms in_flight
    // io_ms ...
    for (std::string_view line : Lines(text_)) {
      std::vector<std::string_view> f = Fields(line);
      if (f.size() < 14) continue;
      if (!whole_disks_.empty() && whole_disks_.count(std::string(f[2])) == 0) continue;
      uint64_t v[11] = {};
      bool ok = true;
      for (size_t i = 0; i < 11; ++i) ok = ok && ParseU64(f[3 + i], &v[i]);
      if (!ok || (v[0] == 0 && v[4] == 0)) continue;  // never used since boot
      SystemItemRecord r{};
      r.h = {sizeof(r), uint16_t(RecordType::kSystemItem), uint16_t(SystemItemKind::kDisk)};
      r.ts_ns = ts_ns;
      CopyName(f[2], r.name, sizeof(r.name));
      // diskstats counts 512-byte sectors whatever the device's sector size.
      const uint64_t values[8] = {v[0], v[2] * 512, v[3], v[4], v[6] * 512, v[7], v[8], v[9]};
      std::copy(values, values + 8, r.values);
      AppendRecord(records, r);
    }
  }

 private:
  std::string path_;
  std::string sys_block_;
  std::set<std::string> whole_disks_;
  std::string text_;
};

}  // namespace

std::unique_ptr<SystemModule> MakeDiskModule(const SystemModuleSettings& settings) {
  return std::make_unique<DiskModule>(settings);
}

}  // namespace memwrap
