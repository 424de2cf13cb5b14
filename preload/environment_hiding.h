// Takes memwrap's variables out of the program's sight: the MEMWRAP_* settings, the shim's
// entry in LD_PRELOAD and the auditor's in LD_AUDIT. A program that copies, prints or passes
// on its environment (perl's %ENV, `env`, a server that logs it) then sees what it was given,
// and allocates what it would without memwrap.
//
// Only when memwrap says it restores them at every exec (kEnvRestoredAtExec): the children a
// program execs get them back from the tracer (tracer/exec_environment.h), and a child it
// forks keeps its copy of the shim, which reconnects with the socket name remembered at start
// (shim_link/collector_link.h). Runs once per image, after the shim has read its settings, while
// the process is still starting (one thread). It edits environ in place: entries are dropped by
// moving the later pointers down, LD_PRELOAD's and LD_AUDIT's values are shortened within
// their own strings; nothing is allocated.
//
// What stays visible: /proc/PID/environ (the kernel's copy, as exec'd); a library constructor
// that reads the environment before the shim's first intercepted call.
#pragma once

namespace memwrap::shim {

void HideMemwrapVariables();

}  // namespace memwrap::shim
