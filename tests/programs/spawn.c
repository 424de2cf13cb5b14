/* Starts PROGRAM twice, once with posix_spawn and once with vfork + exec, and waits for both.
 * Under memwrap each started program is a process of its own in the trace.
 * usage: spawn PROGRAM [ARGS...]   exits 0 when both children exited 0 */
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  pid_t spawned;
  if (posix_spawn(&spawned, argv[1], NULL, NULL, argv + 1, environ) != 0) return 3;
  pid_t forked = vfork();
  if (forked < 0) return 4;
  if (forked == 0) {
    execv(argv[1], argv + 1);
    _exit(127);
  }
  int status1 = 0, status2 = 0;
  if (waitpid(spawned, &status1, 0) != spawned || waitpid(forked, &status2, 0) != forked) return 5;
  return WIFEXITED(status1) && WEXITSTATUS(status1) == 0 && WIFEXITED(status2) &&
                 WEXITSTATUS(status2) == 0
             ? 0
             : 6;
}
