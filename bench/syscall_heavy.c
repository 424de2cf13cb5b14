/* A syscall-heavy program for the tracer benchmark: ROUNDS rounds of getppid, and every fourth
 * round an mmap + munmap of one page; a forked child does the same, so tracers must follow it.
 * usage: syscall_heavy [ROUNDS] */
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void Work(long rounds) {
  for (long i = 0; i < rounds; ++i) {
    syscall(SYS_getppid);
    if (i % 4 == 0) {
      void* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (page != MAP_FAILED) munmap(page, 4096);
    }
  }
}

int main(int argc, char** argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 200000;
  pid_t child = fork();
  Work(rounds / 2);
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return 0;
}
