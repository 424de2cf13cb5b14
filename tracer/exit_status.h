// memwrap ends the way the traced program ended, so that shells and CI see the same result:
// the same exit code, or death by the same signal (a shell then reports 128+N).
#pragma once

namespace memwrap {

// `wait_status` as returned by waitpid. Never returns.
[[noreturn]] void ExitLikeProgram(int wait_status);

}  // namespace memwrap
