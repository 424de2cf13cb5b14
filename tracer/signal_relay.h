// While the traced program runs, memwrap stays out of the way of signals:
//  * SIGINT and SIGQUIT are ignored by memwrap: the terminal sends them to the whole foreground
//    process group, so the program gets them itself (as with time(1));
//  * SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 sent to memwrap (by a CI runner, a timeout, kill)
//    are passed on to the program, which decides what happens; memwrap then ends as it ends.
#pragma once

#include <sys/types.h>

namespace memwrap {

void RelaySignalsTo(pid_t program);
// Once the program has ended (memwrap may still wait for its descendants): the signals get
// their default actions back, so that memwrap itself can be stopped again.
void StopRelayingSignals();

}  // namespace memwrap
