// memwrap's own output may be a pipe whose reader went away (`memwrap --stdout PROG | head -1`).
// That must never change how the program ends, nor cost the trace: memwrap ignores SIGPIPE
// (its writes then fail with EPIPE, and it carries on), while every program it starts gets
// the disposition memwrap itself was given. An ignored signal survives execve, so without the
// restore the program would see EPIPE where it would have died of SIGPIPE.
#pragma once

namespace memwrap {

// Remembers the inherited SIGPIPE disposition and ignores SIGPIPE. Call once, first thing,
// in commands that start programs.
void IgnoreSigpipe();

// In a child between fork and exec (async-signal-safe): SIGPIPE as memwrap found it.
void RestoreSigpipeForProgram();

}  // namespace memwrap
