/* A library whose calls the library-call tests count (tests/ltrace_test.cpp). */
__attribute__((noinline)) int ltrace_target_work(int value) {
  return value * 2 + 1;
}
__attribute__((noinline)) int ltrace_target_other(int value) {
  return value - 1;
}
