/* Writes its MEMWRAP_SOCKET value (from /proc/self/environ) to SOCKET_FILE, waits until GO_FILE
 * exists, then makes COUNT allocations of 100 bytes (each freed) and exits 0: a test can act on the
 * recording (connect to its collector as someone else) while this program is known to be running.
 * usage: waits_for_go SOCKET_FILE GO_FILE COUNT */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  /* The shim hides memwrap's variables from environ; the kernel's copy of the environment as
   * exec'd still holds them. */
  static char environment[65536];
  const char* name = "";
  int env_fd = open("/proc/self/environ", O_RDONLY);
  ssize_t size = env_fd < 0 ? -1 : read(env_fd, environment, sizeof(environment) - 1);
  if (env_fd >= 0) close(env_fd);
  for (ssize_t at = 0; size > 0 && at < size; at += (ssize_t)strlen(environment + at) + 1) {
    if (strncmp(environment + at, "MEMWRAP_SOCKET=", 15) == 0) name = environment + at + 15;
  }
  char partial[4096];
  snprintf(partial, sizeof(partial), "%s.partial", argv[1]);
  int fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0 || write(fd, name, strlen(name)) != (ssize_t)strlen(name) || close(fd) != 0) return 3;
  if (rename(partial, argv[1]) != 0) return 3; /* whole, or not there */
  const struct timespec pause = {0, 10 * 1000 * 1000};
  while (access(argv[2], F_OK) != 0) nanosleep(&pause, NULL);
  const long count = atol(argv[3]);
  for (long i = 0; i < count; ++i) {
    char* volatile block = malloc(100);
    block[0] = 1;
    free(block);
  }
  return 0;
}
