/* Process trees a tracer must follow.
 *   process_tree threaded-exec PROGRAM ARGS...  a second thread execs PROGRAM (the kernel
 *                                              gives it the leader's pid; the leader vanishes)
 *   process_tree vfork PROGRAM ARGS...          vfork + exec PROGRAM; exits with its status
 *   process_tree orphan MARKER                  forks a child that forks a grandchild and exits
 *                                              at once; the parent exits 0 at once too; the
 *                                              orphaned grandchild creates MARKER 300 ms later
 *   process_tree signal N                       dies of signal N
 *   process_tree threads N CODE                 N threads each make 10 getppid, then exit CODE
 *   process_tree calls SECONDS MARKER           a getppid and a 1 ms sleep in a loop for about
 *                                              SECONDS, then creates MARKER and exits 0 (5 at
 *                                              once if getppid fails) */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char** g_exec_argv;

static void* ExecFromThread(void* arg) {
  (void)arg;
  execv(g_exec_argv[0], g_exec_argv);
  _exit(127);
}

static void* CallTenTimes(void* arg) {
  (void)arg;
  for (int i = 0; i < 10; ++i) syscall(SYS_getppid);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  if (strcmp(argv[1], "threaded-exec") == 0) {
    g_exec_argv = argv + 2;
    pthread_t thread;
    pthread_create(&thread, NULL, ExecFromThread, NULL);
    for (;;) pause();
  }
  if (strcmp(argv[1], "vfork") == 0) {
    pid_t child = vfork();
    if (child == 0) {
      execv(argv[2], argv + 2);
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  }
  if (strcmp(argv[1], "orphan") == 0) {
    if (fork() == 0) {
      if (fork() == 0) {
        usleep(300 * 1000);
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) close(fd);
        _exit(0);
      }
      _exit(0);
    }
    return 0;
  }
  if (strcmp(argv[1], "signal") == 0) {
    int sig = atoi(argv[2]);
    signal(sig, SIG_DFL);
    raise(sig);
    return 3;
  }
  if (strcmp(argv[1], "threads") == 0 && argc == 4) {
    int count = atoi(argv[2]);
    pthread_t threads[64];
    for (int i = 0; i < count && i < 64; ++i) pthread_create(&threads[i], NULL, CallTenTimes, NULL);
    for (int i = 0; i < count && i < 64; ++i) pthread_join(threads[i], NULL);
    return atoi(argv[3]);
  }
  if (strcmp(argv[1], "calls") == 0 && argc == 4) {
    const int rounds = (int)(atof(argv[2]) * 1000);
    for (int i = 0; i < rounds; ++i) {
      if (syscall(SYS_getppid) < 0) return 5; /* e.g. ENOSYS: a seccomp filter left behind */
      struct timespec pause_for = {0, 1000 * 1000};
      nanosleep(&pause_for, NULL);
    }
    int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
    return 0;
  }
  return 2;
}
