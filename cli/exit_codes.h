// memwrap's own exit codes (docs/cli.md). After a program ran, `memwrap run` exits with the
// program's status instead (or dies of its signal).
#pragma once

namespace memwrap {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;        // bad options or arguments
inline constexpr int kExitBadInput = 2;     // a trace that cannot be read (corrupt, not a trace)
inline constexpr int kExitCannotWrite = 2;  // an output that cannot be created or written
// 126 / 127: the program cannot be executed / was not found (tracer/launcher.h), as a shell.

}  // namespace memwrap
