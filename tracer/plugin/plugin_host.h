// The plugin host (include/memwrap/plugin.h, docs/plugins.md): memwrap's executable entered as
// `memwrap-plugin-host LIB ARG`, with the socket to memwrap as descriptor 3 and a pipe for its
// watcher's report as descriptor 4 (plugin_process.h starts it).
//
// Three processes: the one memwrap starts forks a watcher and exits at once (so memwrap reaps
// it right away and no plugin process is ever memwrap's child); the watcher forks the host,
// waits for it and writes its wait status (an int) on descriptor 4 -- that is how memwrap
// learns that a plugin died of signal 11 -- and kills it if memwrap goes away. The host loads
// the library, says READY or REFUSED, and then answers batch after batch (plugin_protocol.h),
// calling the plugin's callbacks for each record. All three leave memwrap's process group, so
// a Ctrl-C at the terminal reaches the program, not the plugin.
#pragma once

namespace memwrap {

inline constexpr const char* kPluginHostName = "memwrap-plugin-host";
inline constexpr int kPluginHostSocketFd = 3;
inline constexpr int kPluginHostStatusFd = 4;

// argv: memwrap-plugin-host LIB ARG. Returns an exit status (the host itself never returns).
int PluginHostMain(int argc, char** argv);

}  // namespace memwrap
