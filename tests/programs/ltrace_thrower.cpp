// A library function that throws (tests/ltrace_test.cpp: exceptions pass through traced calls).
#include <stdexcept>

int ltrace_throw_if(int value) {
  if (value > 0) throw std::runtime_error("thrown through a traced call");
  return value;
}
