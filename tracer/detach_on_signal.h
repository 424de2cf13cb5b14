// A process memwrap attached to (memwrap run -p, stracedrv -p, ltracedrv -p) was running before
// and must run on after: SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to memwrap end the tracing
// (the tree detaches, leaving every tracee as it was), never the process, and never memwrap
// before it has let go (a tracer that dies holding stopped tracees leaves them stopped).
#pragma once

#include "tracer/process_tree.h"

namespace memwrap {

// From now on those signals make `tree` detach (ProcessTree::RequestDetach); one tree at a time.
void DetachOnStopSignals(ProcessTree* tree);
// Once the tree has let go: the signals get their default actions back.
void StopDetachingOnSignals();

}  // namespace memwrap
