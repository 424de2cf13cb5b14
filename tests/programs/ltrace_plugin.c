/* Loaded with dlopen by ltrace_plugin_loader: calls into libltrace_target.so, which is loaded
 * with it (a dependency of a dlopen'ed library), through its PLT. */
int ltrace_target_work(int value);

int ltrace_plugin_run(long count) {
  int sum = 0;
  for (long i = 0; i < count; ++i) sum += ltrace_target_work((int)i);
  return sum;
}
