/* Makes a known number of system calls, the same on every run (no threads, no timing):
 * the parent 1000 getppid and 100 close(-1) that fail with EBADF, a forked child 200 getppid;
 * the parent waits for the child and exits 0. */
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  for (int i = 0; i < 1000; ++i) syscall(SYS_getppid);
  for (int i = 0; i < 100; ++i) close(-1);
  pid_t child = fork();
  if (child == 0) {
    for (int i = 0; i < 200; ++i) syscall(SYS_getppid);
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
