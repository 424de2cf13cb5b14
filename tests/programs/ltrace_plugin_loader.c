/* Loads PLUGIN with dlopen and runs its ltrace_plugin_run(COUNT): COUNT calls of
 * ltrace_target_work made from the dlopen'ed plugin. usage: ltrace_plugin_loader PLUGIN COUNT */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  void* plugin = dlopen(argv[1], RTLD_NOW);
  if (plugin == NULL) {
    fprintf(stderr, "%s\n", dlerror());
    return 3;
  }
  int (*run)(long) = (int (*)(long))dlsym(plugin, "ltrace_plugin_run");
  if (run == NULL) return 4;
  printf("result %d\n", run(atol(argv[2])));
  dlclose(plugin);
  return 0;
}
