/* A preloaded program whose memory system calls and heap events alternate for about 60 ms
 * (several ticks of memwrap's timer): 300 rounds of malloc, mmap, a 100 us sleep, munmap, free.
 * memwrap run --syscalls=memory must put its SYSCALL records among its heap records by time. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

int main(void) {
  for (int i = 0; i < 300; ++i) {
    char* block = malloc(1000 + (size_t)i);
    if (block == NULL) return 3;
    memset(block, i, 1000);
    void* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) return 3;
    const struct timespec pause = {0, 100 * 1000};
    nanosleep(&pause, NULL);
    munmap(page, 4096);
    free(block);
  }
  return 0;
}
