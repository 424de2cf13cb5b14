#include "tracer/collector/watch_publisher.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <stdexcept>

#include "memwrap/records.h"
#include "tracefile/record_cursor.h"

namespace memwrap {
namespace {

// One message of the SOCK_SEQPACKET socket at most (a frame is sent whole or not at all).
constexpr size_t kMaxFrameBytes = 60 * 1024;
static_assert(kMaxRecordSize + sizeof(WatchFrame) <= kMaxFrameBytes);

}  // namespace

std::string WatchSocketName(uint32_t pid) {
  return "memwrap-watch-" + std::to_string(pid);
}

sockaddr_un WatchSocketAddress(uint32_t pid, socklen_t* length) {
  const std::string name = WatchSocketName(pid);  // at most 24 bytes: it fits
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path + 1, name.data(), name.size());
  *length = socklen_t(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  return addr;
}

WatchPublisher::WatchPublisher(uint32_t program_pid, uint64_t origin_ns) : origin_ns_(origin_ns) {
  listen_fd_ = UniqueFd(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  socklen_t length = 0;
  const sockaddr_un addr = WatchSocketAddress(program_pid, &length);
  if (!listen_fd_.valid() ||
      bind(listen_fd_.get(), reinterpret_cast<const sockaddr*>(&addr), length) != 0 ||
      listen(listen_fd_.get(), 16) != 0) {
    throw std::runtime_error(std::string("cannot offer the recording to watchers: ") +
                             strerror(errno));
  }
}

void WatchPublisher::AcceptWatchers() {
  for (;;) {
    UniqueFd fd(accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd.valid()) return;
    ucred peer{};
    socklen_t size = sizeof(peer);
    // The heap of the program is its user's business: another user (root aside) gets nothing.
    if (getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 ||
        (peer.uid != 0 && peer.uid != geteuid())) {
      continue;
    }
    const int buffer = 4 << 20;  // room for a few batches; the kernel caps it at wmem_max
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));
    Watcher watcher{std::move(fd), 0};
    if (!Send(watcher, 0, reinterpret_cast<const uint8_t*>(&origin_ns_), sizeof(origin_ns_))) {
      continue;
    }
    bool whole = true;
    for (const auto& [pid, records] : context_) {
      whole = whole && Send(watcher, pid, records.data(), records.size());
    }
    if (whole) watchers_.push_back(std::move(watcher));
  }
}

bool WatchPublisher::Send(Watcher& watcher, uint32_t pid, const uint8_t* data, size_t size,
                          size_t* sent) {
  // Whole records per frame, each frame within one message.
  RecordCursor cursor(data, size);
  size_t start = 0, end = 0;
  auto flush = [&]() {
    if (end == start) return true;
    std::vector<uint8_t> frame(sizeof(WatchFrame) + (end - start));
    const WatchFrame header{pid, uint32_t(end - start)};
    memcpy(frame.data(), &header, sizeof(header));
    memcpy(frame.data() + sizeof(header), data + start, end - start);
    if (send(watcher.fd.get(), frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL) !=
        ssize_t(frame.size())) {
      return false;
    }
    start = end;
    if (sent != nullptr) *sent = end;
    return true;
  };
  if (pid == 0) {  // the origin: not records
    end = size;
    return flush();
  }
  for (RecordView view; cursor.TryNext(&view);) {
    if (cursor.position() - start > kMaxFrameBytes - sizeof(WatchFrame) && !flush()) return false;
    end = cursor.position();
  }
  return flush();
}

void WatchPublisher::Keep(uint32_t pid, const uint8_t* records, size_t size) {
  RecordCursor cursor(records, size);
  for (RecordView view; cursor.TryNext(&view);) {
    if (view.type == RecordType::kProcessStart) context_[pid].clear();  // exec: a new image
    if (IsSymbolContext(view.type)) {
      std::vector<uint8_t>& kept = context_[pid];
      kept.insert(kept.end(), view.data, view.data + view.size);
    }
  }
}

void WatchPublisher::Publish(uint32_t pid, const uint8_t* records, size_t size) {
  Keep(pid, records, size);
  AcceptWatchers();
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    Watcher& watcher = *it;
    bool gone = false;
    errno = 0;
    if (watcher.records_left_out != 0) {
      LostRecord lost{};
      lost.h = {sizeof(lost), uint16_t(RecordType::kLost), 0};
      lost.count = watcher.records_left_out;
      lost.unit = uint32_t(LostUnit::kRecords);
      if (Send(watcher, pid, reinterpret_cast<const uint8_t*>(&lost), sizeof(lost))) {
        watcher.records_left_out = 0;
      }
    }
    size_t sent = 0;
    if (watcher.records_left_out == 0 && Send(watcher, pid, records, size, &sent)) {
      ++it;
      continue;
    }
    if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN) gone = true;
    if (gone) {
      it = watchers_.erase(it);
      continue;
    }
    RecordCursor count(records + sent, size - sent);  // what the watcher did not get
    for (RecordView view; count.TryNext(&view);) ++watcher.records_left_out;
    ++it;
  }
}

}  // namespace memwrap
