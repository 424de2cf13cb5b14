// Calls ltrace_throw_if (libltrace_thrower.so) COUNT times with an argument that makes it
// throw, and once with one that does not; catches each exception. Prints "caught N".
// usage: ltrace_catcher COUNT
#include <stdio.h>
#include <stdlib.h>

#include <stdexcept>

int ltrace_throw_if(int value);

int main(int argc, char** argv) {
  if (argc != 2) return 100;
  int caught = 0;
  for (int i = 0; i < atoi(argv[1]); ++i) {
    try {
      ltrace_throw_if(1);
    } catch (const std::exception&) {
      ++caught;
    }
  }
  printf("caught %d\n", caught + ltrace_throw_if(0));
  return 0;
}
