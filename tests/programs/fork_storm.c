/* A bounded fork storm: COUNT children, each executing PROGRAM right away, all started before
 * any is waited for. Exits 0 when every child exited 0. usage: fork_storm COUNT PROGRAM */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  int count = atoi(argv[1]);
  for (int i = 0; i < count; ++i) {
    pid_t child = fork();
    if (child < 0) return 3;
    if (child == 0) {
      execl(argv[2], argv[2], (char*)NULL);
      _exit(127);
    }
  }
  int failures = 0;
  for (int i = 0; i < count; ++i) {
    int status = 0;
    if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
  }
  return failures == 0 ? 0 : 4;
}
