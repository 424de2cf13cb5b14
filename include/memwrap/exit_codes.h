// memwrap's own exit codes, every command's (docs/cli.md, "Exit codes"). After a program ran,
// `memwrap run` exits with the program's status instead (or dies of its signal); the tracer's
// launcher and the commands that run a program share the shell's 126 and 127.
#pragma once

namespace memwrap {

inline constexpr int kExitOk = 0;
inline constexpr int kExitGateFailed = 1;   // `memwrap check`: a limit or a baseline was exceeded
inline constexpr int kExitUsage = 2;        // bad options or arguments
inline constexpr int kExitBadInput = 2;     // a trace that cannot be read (corrupt, not a trace)
inline constexpr int kExitCannotWrite = 2;  // an output that cannot be created or written
// As a shell: the program cannot be executed (not executable, a directory...) or not found.
inline constexpr int kExitCannotExecute = 126;
inline constexpr int kExitNotFound = 127;

}  // namespace memwrap
