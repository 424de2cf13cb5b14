#include "cli/plugin_options.h"

#include "units/unit_parsing.h"

namespace memwrap {
namespace po = boost::program_options;

void AddPluginOptions(PluginOptions* plugins, po::options_description* options) {
  options->add_options()(
      "plugin",
      po::value<std::vector<std::string>>(&plugins->plugins)->value_name("LIB[:ARG]")->composing(),
      "load the shared library LIB (include/memwrap/plugin.h; repeatable) in a process of its "
      "own, never in the program, and give it every heap event as it is drained (its "
      "callbacks may add marks, ask for a dump or stop the recording; ARG is its argument). "
      "A plugin that cannot be loaded is an error before the program starts (exit status 2); "
      "one that crashes or hangs is killed, said so in one line, and the recording goes on "
      "without it (docs/plugins.md)")(
      "plugin-timeout",
      po::value<std::string>(&plugins->timeout)->value_name("DURATION")->default_value("1s"),
      "wait at most DURATION for a plugin's answer to a batch of events; then it is killed "
      "and the recording goes on without it (the program waits at most this long for it)");
}

std::string ValidatePluginOptions(PluginOptions* plugins) {
  if (!ParseDuration(plugins->timeout, &plugins->timeout_ns) || plugins->timeout_ns == 0) {
    return "--plugin-timeout " + plugins->timeout + ": must be a duration such as 1s or 200ms";
  }
  for (const std::string& plugin : plugins->plugins) {
    if (plugin.empty()) return "--plugin: give the path of a shared library";
  }
  return "";
}

}  // namespace memwrap
