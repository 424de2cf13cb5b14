/* Allocates a little, then ends as told: `exit_with N` exits with N; `exit_with segv` dies of
 * SIGSEGV; `exit_with kill` dies of SIGKILL; `exit_with wait` sleeps until a signal ends it.
 * Used to check that memwrap ends the same way. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void* volatile keep;

int main(int argc, char** argv) {
  keep = malloc(4096);
  if (argc < 2) return 0;
  if (strcmp(argv[1], "segv") == 0) {
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
  }
  if (strcmp(argv[1], "kill") == 0) raise(SIGKILL);
  if (strcmp(argv[1], "wait") == 0) {
    for (;;) pause();
  }
  return atoi(argv[1]);
}
