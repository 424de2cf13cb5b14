// Calls library functions with arguments known in advance, for ltracedrv's decoding tests
// (tests/ltrace_test.cpp compares its lines with ltrace 0.7.3's).
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int compare(const void* a, const void* b) {
  return *(const int*)a - *(const int*)b;
}

int main(void) {
  setlocale(LC_ALL, "C");
  setenv("LTRACE_KNOWN", "value", 1);
  const char* value = getenv("LTRACE_KNOWN");
  size_t length = strlen("hello, world");
  int order = strcmp("abc", "abd");
  char* block = malloc(64);
  free(block);
  free(NULL);
  volatile size_t sink = strlen("tab\tnewline\nquote\"backslash\\bell\007end");
  sink = strlen("0123456789012345678901234567890123456789");
  sink = (size_t)strchr("path/name", '/');
  sink = (size_t)strchr("x", '\n');
  (void)sink;
  umask(022);
  qsort((void*)16, 0, 8, compare);
  printf("%d %s %c|\n", 42, "text", 'z');
  fflush(stdout);
  char buffer[16];
  snprintf(buffer, sizeof(buffer), "n=%d", 7);
  write(1, "out\n", 4);
  return value != NULL && length == 12 && order < 0 ? 0 : 1;
}
