/* A memwrap plugin (include/memwrap/plugin.h, docs/plugins.md): counts the allocations and the
 * bytes asked for per process, and prints them when the process's heap stream ends.
 *
 *   memwrap run --plugin ./libcount_allocations_plugin.so -- ./app
 *   memwrap run --plugin ./libcount_allocations_plugin.so:FUNCTION -- ./app
 *
 * With an argument, only the allocations whose innermost frame is in FUNCTION are counted
 * (symbolized by memwrap on demand). Every allocation stays in the trace (the plugin returns
 * MEMWRAP_PLUGIN_KEEP). Lines go to standard error:
 *   count_allocations: pid 1234: 201001 allocations, 205000000 bytes
 * A process that execs ends one heap stream and starts another: one line each. */
#include <stdio.h>
#include <string.h>

#include "memwrap/plugin.h"

#define MAX_PROCESSES 1024

struct process_count {
  uint32_t pid;
  uint64_t allocations;
  uint64_t bytes;
};

static struct process_count counts[MAX_PROCESSES];
static const char* function_wanted = "";

static struct process_count* count_of(uint32_t pid) {
  /* Open addressing on the pid; a full table counts nothing more (and says so at exit). */
  for (uint32_t i = 0; i < MAX_PROCESSES; ++i) {
    struct process_count* slot = &counts[(pid + i) % MAX_PROCESSES];
    if (slot->pid == pid) return slot;
    if (slot->pid == 0) {
      slot->pid = pid;
      return slot;
    }
  }
  return NULL;
}

int memwrap_plugin_api_version(void) {
  return MEMWRAP_PLUGIN_API_VERSION;
}

int memwrap_plugin_init(const memwrap_plugin_host* host) {
  function_wanted = host->argument;
  return 0;
}

int memwrap_plugin_on_event(const memwrap_plugin_host* host, const memwrap_plugin_event* event) {
  /* malloc, calloc, memalign..., and realloc(NULL, n): an ALLOC each (a realloc of a block
   * is no new allocation). */
  if (event->kind != MEMWRAP_EVENT_ALLOC) return MEMWRAP_PLUGIN_KEEP;
  if (function_wanted[0] != '\0') {
    const char* function = host->frame_function(host, event, 0);
    if (function == NULL || strcmp(function, function_wanted) != 0) return MEMWRAP_PLUGIN_KEEP;
  }
  struct process_count* count = count_of(event->pid);
  if (count != NULL) {
    ++count->allocations;
    count->bytes += event->bytes;
  }
  return MEMWRAP_PLUGIN_KEEP;
}

void memwrap_plugin_on_process_exit(const memwrap_plugin_host* host, uint32_t pid,
                                    uint64_t time_ns) {
  (void)host;
  (void)time_ns;
  struct process_count* count = count_of(pid);
  if (count == NULL) return;
  fprintf(stderr, "count_allocations: pid %u: %llu allocations, %llu bytes%s%s\n", pid,
          (unsigned long long)count->allocations, (unsigned long long)count->bytes,
          function_wanted[0] != '\0' ? " in " : "", function_wanted);
  count->allocations = 0;
  count->bytes = 0;
}
