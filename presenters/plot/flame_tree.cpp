#include "presenters/plot/flame_tree.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "presenters/export/heap_profile.h"

namespace memwrap {
namespace {

using nlohmann::json;

constexpr uint32_t kNoModule = UINT32_MAX;

// Children by (name, module): one function name in two modules is two frames.
struct FlameNode {
  uint64_t value = 0;
  std::map<std::pair<std::string, uint32_t>, std::unique_ptr<FlameNode>> children;
};

json FlameJson(const std::string& name, uint32_t module, const FlameNode& node,
               uint64_t min_value) {
  json out = {{"n", name}, {"v", node.value}};
  if (module != kNoModule) out["m"] = module;
  std::vector<std::pair<const std::pair<std::string, uint32_t>*, const FlameNode*>> children;
  for (const auto& [key, child] : node.children) {
    if (child->value >= min_value) children.push_back({&key, child.get()});
  }
  std::stable_sort(children.begin(), children.end(),
                   [](const auto& a, const auto& b) { return a.second->value > b.second->value; });
  if (!children.empty()) {
    out["c"] = json::array();
    for (const auto& [key, child] : children) {
      out["c"].push_back(FlameJson(key->first, key->second, *child, min_value));
    }
  }
  return out;
}

class ModuleNumbers {
 public:
  uint32_t Of(const std::string& module) {
    if (module.empty()) return kNoModule;
    auto [it, added] = numbers_.try_emplace(module, uint32_t(names_.size()));
    if (added) names_.push_back(module);
    return it->second;
  }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::map<std::string, uint32_t> numbers_;
  std::vector<std::string> names_;
};

json FlameTree(HeapProfile& profile, StackMetric metric, const char* root_name,
               ModuleNumbers* modules) {
  FlameNode root;
  for (const StackValues& values : profile.stacks()) {
    const uint64_t value = MetricValue(values, metric);
    if (value == 0) continue;
    root.value += value;
    FlameNode* node = &root;
    std::vector<SourceFrame> frames = profile.resolver().Frames(values.image, values.stack);
    std::vector<std::pair<std::string, uint32_t>> path;  // outermost first, as the graph draws
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
      path.push_back({FrameName(*it), modules->Of(it->module)});
    }
    if (path.empty()) path.push_back({"(no stack recorded)", kNoModule});
    for (auto& key : path) {
      std::unique_ptr<FlameNode>& child = node->children[std::move(key)];
      if (!child) child = std::make_unique<FlameNode>();
      child->value += value;
      node = child.get();
    }
  }
  return FlameJson(root_name, kNoModule, root, std::max<uint64_t>(1, root.value / 5000));
}

}  // namespace

json BuildFlameTrees(HeapProfile& profile) {
  ModuleNumbers modules;
  json trees = {
      {"peak", FlameTree(profile, StackMetric::kPeak, "heap at the peak", &modules)},
      {"allocated", FlameTree(profile, StackMetric::kAllocated, "bytes allocated", &modules)},
      {"allocations", FlameTree(profile, StackMetric::kAllocations, "allocation calls", &modules)},
      {"leaked", FlameTree(profile, StackMetric::kLeaked, "leaked bytes", &modules)}};
  trees["modules"] = modules.names();
  return trees;
}

}  // namespace memwrap
