/* A plugin for plugin_test.cpp (include/memwrap/plugin.h), which does what its argument says:
 *   count            counts the allocations of each process by their innermost function
 *                    (early_keep, churn, big_step: tests/programs/flight_pattern.c), its
 *                    marks and its ticks, and prints them at the process's end:
 *                    "test_plugin: pid P: early_keep E churn C big_step B other O marks M
 *                    ticks T" (on standard error); at the mark "done" it adds the mark
 *                    "plugin saw done"
 *   crash:N          raises SIGSEGV at its Nth event
 *   hang:N           sleeps for ever at its Nth event
 *   stop:N           asks to stop the recording at its Nth allocation
 *   dump:MARK        asks for a dump at the program's mark MARK
 *   drop-below:N     drops the allocations of fewer than N bytes (and says it drops:
 *                    memwrap_plugin_drops_allocations)
 *   refuse           memwrap_plugin_init refuses */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memwrap/plugin.h"

#define MAX_PROCESSES 64

struct counts {
  uint32_t pid;
  uint64_t early_keep, churn, big_step, other, marks, ticks;
};

static struct counts processes[MAX_PROCESSES];
static char mode[64];
static char value[256];
static unsigned long long events;
static unsigned long long allocations;

int memwrap_plugin_drops_allocations(void) {
  return strcmp(mode, "drop-below") == 0;
}

static struct counts* counts_of(uint32_t pid) {
  for (int i = 0; i < MAX_PROCESSES; ++i) {
    if (processes[i].pid == pid) return &processes[i];
    if (processes[i].pid == 0) {
      processes[i].pid = pid;
      return &processes[i];
    }
  }
  return &processes[MAX_PROCESSES - 1];
}

int memwrap_plugin_api_version(void) {
  return MEMWRAP_PLUGIN_API_VERSION;
}

int memwrap_plugin_init(const memwrap_plugin_host* host) {
  const char* argument = host->argument;
  const char* colon = strchr(argument, ':');
  size_t length = colon != NULL ? (size_t)(colon - argument) : strlen(argument);
  if (length >= sizeof(mode)) length = sizeof(mode) - 1;
  memcpy(mode, argument, length);
  if (colon != NULL) snprintf(value, sizeof(value), "%s", colon + 1);
  return strcmp(mode, "refuse") == 0 ? 7 : 0;
}

static void count(const memwrap_plugin_host* host, const memwrap_plugin_event* event) {
  struct counts* c = counts_of(event->pid);
  if (event->kind == MEMWRAP_EVENT_MARK) {
    ++c->marks;
    if (strcmp(event->mark, "done") == 0) host->add_mark(host, event->pid, "plugin saw done");
    return;
  }
  if (event->kind != MEMWRAP_EVENT_ALLOC) return;
  const char* function = host->frame_function(host, event, 0);
  if (function == NULL) {
    ++c->other;
  } else if (strcmp(function, "early_keep") == 0) {
    ++c->early_keep;
  } else if (strcmp(function, "churn") == 0) {
    ++c->churn;
  } else if (strcmp(function, "big_step") == 0) {
    ++c->big_step;
  } else {
    ++c->other;
  }
}

int memwrap_plugin_on_event(const memwrap_plugin_host* host, const memwrap_plugin_event* event) {
  ++events;
  if (event->kind == MEMWRAP_EVENT_ALLOC) ++allocations;
  if (strcmp(mode, "count") == 0) {
    count(host, event);
  } else if (strcmp(mode, "crash") == 0) {
    if (events == strtoull(value, NULL, 10)) raise(SIGSEGV);
  } else if (strcmp(mode, "hang") == 0) {
    if (events == strtoull(value, NULL, 10)) {
      for (;;) pause();
    }
  } else if (strcmp(mode, "stop") == 0) {
    if (event->kind == MEMWRAP_EVENT_ALLOC && allocations == strtoull(value, NULL, 10)) {
      host->stop_recording(host, "enough seen");
    }
  } else if (strcmp(mode, "dump") == 0) {
    if (event->kind == MEMWRAP_EVENT_MARK && strcmp(event->mark, value) == 0) {
      host->request_dump(host, event->pid, "saw the mark");
    }
  } else if (strcmp(mode, "drop-below") == 0) {
    if ((event->kind == MEMWRAP_EVENT_ALLOC || event->kind == MEMWRAP_EVENT_REALLOC) &&
        event->bytes < strtoull(value, NULL, 10)) {
      return MEMWRAP_PLUGIN_DROP;
    }
  }
  return MEMWRAP_PLUGIN_KEEP;
}

void memwrap_plugin_on_tick(const memwrap_plugin_host* host, const memwrap_plugin_tick* tick) {
  (void)host;
  if (tick->rss > 0) ++counts_of(tick->pid)->ticks;
}

void memwrap_plugin_on_process_exit(const memwrap_plugin_host* host, uint32_t pid,
                                    uint64_t time_ns) {
  (void)host;
  (void)time_ns;
  if (strcmp(mode, "count") != 0) return;
  const struct counts* c = counts_of(pid);
  fprintf(stderr,
          "test_plugin: pid %u: early_keep %llu churn %llu big_step %llu other %llu marks %llu "
          "ticks %llu\n",
          pid, (unsigned long long)c->early_keep, (unsigned long long)c->churn,
          (unsigned long long)c->big_step, (unsigned long long)c->other,
          (unsigned long long)c->marks, (unsigned long long)c->ticks);
}
