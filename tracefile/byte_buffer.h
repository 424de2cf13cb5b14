// A byte vector that does not zero what it grows into: the collector appends megabytes a
// second into buffers it overwrites right away, and std::vector<uint8_t>'s zero-fill on
// resize showed in profiles.
#pragma once

#include <stdint.h>

#include <memory>
#include <vector>

namespace memwrap {

template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(p)) U;  // default-initialise: no zeroing
    } else {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  }
};

using ByteBuffer = std::vector<uint8_t, DefaultInitAllocator<uint8_t>>;

// Appends a record (a fixed-size struct of memwrap/records.h) to a buffer.
template <class T>
void AppendRecord(ByteBuffer* out, const T& record) {
  const auto* p = reinterpret_cast<const uint8_t*>(&record);
  out->insert(out->end(), p, p + sizeof(record));
}

}  // namespace memwrap
