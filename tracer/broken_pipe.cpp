#include "tracer/broken_pipe.h"

#include <signal.h>

namespace memwrap {
namespace {

bool g_ignored = false;      // IgnoreSigpipe() ran
bool g_was_ignored = false;  // memwrap was started with SIGPIPE ignored (nohup, some CI shells)

}  // namespace

void IgnoreSigpipe() {
  struct sigaction previous {};
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  if (sigaction(SIGPIPE, &ignore, &previous) != 0) return;
  g_was_ignored = previous.sa_handler == SIG_IGN;
  g_ignored = true;
}

void RestoreSigpipeForProgram() {
  if (!g_ignored || g_was_ignored) return;
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  sigaction(SIGPIPE, &fallback, nullptr);
}

}  // namespace memwrap
