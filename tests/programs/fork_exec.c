/* A process tree: the parent allocates, forks; the child allocates in its own right (it must
 * get a trace stream of its own), then executes PROGRAM ARGS. The parent waits and exits with
 * the child's exit code. usage: fork_exec PROGRAM [ARGS...] */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void* volatile keep;

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  keep = malloc(1000);
  pid_t child = fork();
  if (child < 0) return 3;
  if (child == 0) {
    void* mine = malloc(2000);
    memset(mine, 1, 2000);
    keep = mine;
    execv(argv[1], argv + 1);
    _exit(127);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) return 4;
  return WEXITSTATUS(status);
}
