/* The golden program of stracedrv's comparison with strace (tests/strace_golden_test.cpp): the
 * calls users see most -- open/read/write/stat/lseek/access, mmap/mprotect/munmap, a pipe,
 * signals (a handler, a blocked mask, a signal to itself), a forked child that exits 3 and is
 * waited for, one that is killed by a signal -- in a fixed order, with fixed arguments, so that
 * every run makes the same calls with the same values. argv[1]: a scratch directory.
 * `strace_golden int80` instead makes one 32-bit call, getpid by int $0x80 (i386 number 20,
 * x86_64's writev), and exits 0, or 3 if the kernel runs no 32-bit calls. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig) {
  (void)sig;
}
static void on_segv(int sig) {
  (void)sig;
  _exit(3);
} /* int $0x80 refused (no IA32 emulation) */

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "int80") == 0) {
    signal(SIGSEGV, on_segv);
    long result = 20;
    __asm__ volatile("int $0x80" : "+a"(result) : : "memory");
    return result == getpid() ? 0 : 3;
  }
  if (chdir(argv[1]) != 0) return 2;
  int fd = open("golden.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 2;
  const char text[] = "hello, strace\n";
  if (write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1)) return 2;
  close(fd);
  struct stat st;
  stat("golden.txt", &st);
  lstat("missing.txt", &st);
  access("golden.txt", R_OK | W_OK);
  access("missing.txt", F_OK);
  fd = openat(AT_FDCWD, "golden.txt", O_RDONLY);
  char buffer[64];
  read(fd, buffer, 5);
  lseek(fd, 0, SEEK_SET);
  pread(fd, buffer, 6, 7);
  fstat(fd, &st);
  close(fd);
  close(1000);
  int dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  close(dir);
  unlink("golden.txt");

  void* area = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mprotect(area, 4096, PROT_READ);
  munmap(area, 8192);

  int fds[2];
  pipe(fds);
  write(fds[1], "ping", 4);
  read(fds[0], buffer, sizeof(buffer));
  close(fds[0]);
  close(fds[1]);

  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = on_usr1;
  sigaction(SIGUSR1, &action, NULL);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR2);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  sigprocmask(SIG_UNBLOCK, &mask, NULL);
  kill(getpid(), SIGUSR1);

  pid_t child = fork();
  if (child == 0) {
    syscall(SYS_getppid);
    _exit(3);
  }
  int status = 0;
  waitpid(child, &status, 0);
  child = fork();
  if (child == 0) {
    raise(SIGTERM);
    _exit(0);
  }
  waitpid(child, &status, 0);
  return 0;
}
