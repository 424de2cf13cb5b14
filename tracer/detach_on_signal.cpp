#include "tracer/detach_on_signal.h"

#include <signal.h>

namespace memwrap {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// A signal handler can reach only a global; RequestDetach() is async-signal-safe.
ProcessTree* g_tree = nullptr;

void Detach(int) {
  if (g_tree != nullptr) g_tree->RequestDetach();
}

}  // namespace

void DetachOnStopSignals(ProcessTree* tree) {
  g_tree = tree;
  struct sigaction action {};
  action.sa_handler = Detach;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (int sig : kStopSignals) sigaction(sig, &action, nullptr);
}

void StopDetachingOnSignals() {
  g_tree = nullptr;
  for (int sig : kStopSignals) signal(sig, SIG_DFL);
}

}  // namespace memwrap
