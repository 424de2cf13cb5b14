#include "cli/tracee_text.h"

#include <string.h>
#include <sys/uio.h>

#include <algorithm>

namespace memwrap {

// Reads a string of the stopped tracee `tid`: up to its NUL, `bound` bytes, or `limit` bytes.
bool ReadTraceeText(pid_t tid, uint64_t address, uint64_t bound, size_t limit, std::string* out) {
  out->clear();
  char chunk[256];
  const uint64_t wanted = std::min<uint64_t>(bound, limit);
  while (out->size() < wanted) {
    const size_t size = size_t(std::min<uint64_t>(sizeof(chunk), wanted - out->size()));
    iovec local{chunk, size};
    iovec remote{reinterpret_cast<void*>(address + out->size()), size};
    const ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
    if (n <= 0) return !out->empty();
    const size_t length = strnlen(chunk, size_t(n));
    out->append(chunk, length);
    if (length < size_t(n)) break;
  }
  return true;
}

}  // namespace memwrap
