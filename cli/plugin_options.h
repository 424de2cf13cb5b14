// --plugin LIB[:ARG] and --plugin-timeout DURATION, of memwrap run, fltrec and watch
// (include/memwrap/plugin.h, docs/plugins.md).
#pragma once

#include <boost/program_options.hpp>
#include <string>

#include "tracer/plugin/plugin_session.h"

namespace memwrap {

void AddPluginOptions(PluginOptions* plugins, boost::program_options::options_description* options);
// Checks and converts --plugin-timeout; "" or a one-line reason.
std::string ValidatePluginOptions(PluginOptions* plugins);

}  // namespace memwrap
