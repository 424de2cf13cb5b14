/* Enters seccomp, then uses the heap: a program memwrap must run as it runs without memwrap.
 *   seccomp_heap strict   prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT): only read, write, _exit
 *                         and sigreturn remain; any other system call kills the program
 *   seccomp_heap filter   a filter that kills the process at any system call but the few a
 *                         single-threaded heap needs (no rt_sigprocmask, no gettid, no futex)
 *   seccomp_heap raw-filter the same filter, installed with syscall(SYS_seccomp, ...) as
 *                         libseccomp's seccomp_load does, not with prctl
 * Then 1,000 allocations of 1..1000 bytes from main, every other one freed, and "ok" on
 * stdout; ends with a raw _exit(0) (exit_group is not allowed in strict mode). The stdio
 * buffer is set up before, so that printf allocates nothing after the switch, and the heap is
 * grown (and kept: no trimming) by one 4 MiB block, so that malloc needs no brk after it.
 * Prints expected_allocations=N (every recorded allocation comes after the switch).
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { kCount = 1000 };

void* __libc_malloc(size_t size);
void __libc_free(void* block);

#define ALLOW(nr) \
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int EnterFilter(int raw) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      ALLOW(SYS_read),
      ALLOW(SYS_write),
      ALLOW(SYS_exit),
      ALLOW(SYS_exit_group),
      ALLOW(SYS_brk),
      ALLOW(SYS_mmap),
      ALLOW(SYS_munmap),
      ALLOW(SYS_mremap),
      ALLOW(SYS_madvise),
      ALLOW(SYS_mprotect),
      ALLOW(SYS_rt_sigreturn),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
  };
  struct sock_fprog program = {(unsigned short)(sizeof(filter) / sizeof(filter[0])), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  if (raw) return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program);
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program);
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  static char out_buffer[4096];
  setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  /* glibc's own entry points, which memwrap does not record: the program's first recorded
   * allocation comes after the switch, so the shim has set up nothing for this thread yet
   * (its id, its stack cache) and must not need a system call to do it then. */
  char* volatile grow = __libc_malloc(4 << 20);
  __libc_free(grow);
  printf("expected_allocations=%d\n", kCount);
  fflush(stdout);
  int entered = -1;
  if (strcmp(argv[1], "strict") == 0) {
    entered = prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
  } else if (strcmp(argv[1], "filter") == 0) {
    entered = EnterFilter(0);
  } else if (strcmp(argv[1], "raw-filter") == 0) {
    entered = EnterFilter(1);
  }
  if (entered != 0) return 3;
  static char* kept[kCount];
  for (int i = 0; i < kCount; ++i) {
    kept[i] = malloc((size_t)(i + 1));
    kept[i][0] = 1;
    if (i % 2 == 1) {
      free(kept[i]);
      kept[i] = NULL;
    }
  }
  const char ok[] = "ok\n";
  if (write(STDOUT_FILENO, ok, sizeof(ok) - 1) != sizeof(ok) - 1) return 4;
  syscall(SYS_exit, 0);
  return 0;
}
