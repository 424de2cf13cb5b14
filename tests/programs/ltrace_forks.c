/* The parent calls ltrace_target_work PARENT times, forks, the child calls it CHILD times
 * and exits with 7; the parent waits and exits with the child's status.
 * usage: ltrace_forks PARENT CHILD */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int ltrace_target_work(int value);
static volatile int g_sink;

int main(int argc, char** argv) {
  if (argc != 3) return 100;
  for (long i = 0; i < atol(argv[1]); ++i) g_sink += ltrace_target_work((int)i);
  pid_t child = fork();
  if (child == 0) {
    for (long i = 0; i < atol(argv[2]); ++i) g_sink += ltrace_target_work((int)i);
    _exit(7);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
