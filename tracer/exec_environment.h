// Puts memwrap's variables back into the environment of an image that was exec'd without them
// (`env -i`, sudo-like sanitising, a program that builds its children's environment from
// scratch), so that its dynamic linker still preloads the shim and the image is recorded.
//
// It works at the PTRACE_EVENT_EXEC stop, before the new image runs any instruction: the
// kernel has laid out argc, argv, envp and the auxiliary vector at the stack pointer; the
// restorer writes the missing strings and a new copy of that block below it (the kernel maps at
// least 128 KiB of stack below the initial stack pointer) and moves the stack pointer there.
// argv, the auxiliary vector and every other variable keep their values. Not done for images
// without a dynamic linker (static: AT_BASE is 0) or run with AT_SECURE (setuid: the linker
// ignores LD_PRELOAD): those are recorded without the shim, and the report says so.
//
// What remains visible to the program: its environ holds the restored variables;
// /proc/PID/environ still shows the environment it was exec'd with.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace memwrap {

// The variables an image needs ("NAME=value"); LD_PRELOAD's value is the shim's path, which
// goes first in front of whatever the image's own LD_PRELOAD holds.
struct ExecEnvironment {
  std::vector<std::string> entries;
};

enum class RestoreResult {
  kUnchanged,      // the image had every variable already
  kRestored,       // added or replaced some
  kNotApplicable,  // static or secure image: the shim cannot enter it anyway
  kFailed,         // the stack could not be read or written: the image runs untouched
};

// `tid` is stopped at PTRACE_EVENT_EXEC.
RestoreResult RestoreAtExec(pid_t tid, const ExecEnvironment& environment);

}  // namespace memwrap
