/* Signals at a traced program while it allocates: 1,000 SIGTERMs to its own handler (which
 * allocates and frees, as careless handlers do), a SIGCHLD storm from 50 children that exit at
 * once, and a SIGSTOP/SIGCONT from a child. Exits 0 when every signal arrived as expected. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t terms, chlds;

static void on_term(int sig) {
  (void)sig;
  char* volatile p = malloc(64);  // not async-signal-safe, but programs do it: memwrap copes
  if (p != NULL) p[0] = 1;
  free(p);
  ++terms;
}

static void on_chld(int sig) {
  (void)sig;
  ++chlds;
}

int main(void) {
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = on_term;
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, NULL);
  action.sa_handler = on_chld;
  sigaction(SIGCHLD, &action, NULL);

  for (int i = 0; i < 1000; ++i) {
    void* p = malloc(128);
    raise(SIGTERM);
    free(p);
  }
  for (int i = 0; i < 50; ++i) {
    pid_t child = fork();
    if (child == 0) _exit(0);
  }
  pid_t stopper = fork();
  if (stopper == 0) {
    kill(getppid(), SIGSTOP);
    usleep(50000);
    kill(getppid(), SIGCONT);
    _exit(0);
  }
  int reaped = 0;
  while (reaped < 51) {
    pid_t pid = waitpid(-1, NULL, 0);
    if (pid > 0)
      ++reaped;
    else if (pid < 0)
      break;
  }
  return terms == 1000 && reaped == 51 ? 0 : 5;
}
