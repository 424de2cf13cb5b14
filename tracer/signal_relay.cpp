#include "tracer/signal_relay.h"

#include <signal.h>

#include <initializer_list>

namespace memwrap {
namespace {

volatile sig_atomic_t g_program = 0;

void Relay(int sig) {
  if (g_program > 0) kill(pid_t(g_program), sig);
}

}  // namespace

void RelaySignalsTo(pid_t program) {
  g_program = program;
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  struct sigaction action {};
  action.sa_handler = Relay;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) sigaction(sig, &action, nullptr);
}

void StopRelayingSignals() {
  for (int sig : {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) signal(sig, SIG_DFL);
  g_program = 0;
}

}  // namespace memwrap
