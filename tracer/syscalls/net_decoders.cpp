// Sockets (strace's net.c, sockaddr.c): families, types, protocols, socket addresses
// (AF_UNIX paths, AF_INET/AF_INET6 ports and addresses), message flags, socket options.
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <map>
#include <string>

#include "text/quoted_bytes.h"
#include "tracer/syscalls/syscall_decoder.h"

namespace memwrap {
namespace {

const FlagName kFamilies[] = {{AF_UNSPEC, "AF_UNSPEC"},
                              {AF_UNIX, "AF_UNIX"},
                              {AF_INET, "AF_INET"},
                              {AF_INET6, "AF_INET6"},
                              {AF_NETLINK, "AF_NETLINK"},
                              {AF_PACKET, "AF_PACKET"},
                              {AF_BLUETOOTH, "AF_BLUETOOTH"},
                              {AF_ALG, "AF_ALG"},
                              {AF_VSOCK, "AF_VSOCK"},
                              {AF_KEY, "AF_KEY"},
                              {AF_XDP, "AF_XDP"}};

std::string Family(uint64_t value) {
  return FormatValue(value & 0xffffffffu, kFamilies, "AF_");
}

std::string SocketType(uint64_t value) {
  static const FlagName kTypes[] = {
      {SOCK_STREAM, "SOCK_STREAM"}, {SOCK_DGRAM, "SOCK_DGRAM"},         {SOCK_RAW, "SOCK_RAW"},
      {SOCK_RDM, "SOCK_RDM"},       {SOCK_SEQPACKET, "SOCK_SEQPACKET"}, {SOCK_DCCP, "SOCK_DCCP"},
      {SOCK_PACKET, "SOCK_PACKET"}};
  static const FlagName kFlags[] = {{SOCK_CLOEXEC, "SOCK_CLOEXEC"},
                                    {SOCK_NONBLOCK, "SOCK_NONBLOCK"}};
  const uint64_t type = value & 0xf;
  std::string text = FormatValue(type, kTypes, "SOCK_");
  const uint64_t rest = value & ~uint64_t(0xf) & 0xffffffffu;
  if (rest != 0) text += "|" + FormatFlags(rest, kFlags, "0");
  return text;
}

std::string Protocol(uint64_t family, uint64_t value) {
  if (family == AF_INET || family == AF_INET6) {
    static const FlagName kNames[] = {
        {IPPROTO_IP, "IPPROTO_IP"},     {IPPROTO_ICMP, "IPPROTO_ICMP"},
        {IPPROTO_TCP, "IPPROTO_TCP"},   {IPPROTO_UDP, "IPPROTO_UDP"},
        {IPPROTO_IPV6, "IPPROTO_IPV6"}, {IPPROTO_ICMPV6, "IPPROTO_ICMPV6"},
        {IPPROTO_RAW, "IPPROTO_RAW"},   {IPPROTO_SCTP, "IPPROTO_SCTP"}};
    return FormatValue(value & 0xffffffffu, kNames, "IPPROTO_");
  }
  if (family == AF_NETLINK) {
    static const FlagName kNames[] = {{NETLINK_ROUTE, "NETLINK_ROUTE"},
                                      {NETLINK_AUDIT, "NETLINK_AUDIT"},
                                      {NETLINK_KOBJECT_UEVENT, "NETLINK_KOBJECT_UEVENT"},
                                      {NETLINK_GENERIC, "NETLINK_GENERIC"},
                                      {NETLINK_SOCK_DIAG, "NETLINK_SOCK_DIAG"}};
    return FormatValue(value & 0xffffffffu, kNames, "NETLINK_");
  }
  return std::to_string(int32_t(value));
}

std::string Sockaddr(pid_t tid, uint64_t address, uint64_t length) {
  if (address == 0) return "NULL";
  sockaddr_storage storage{};
  const size_t size = size_t(std::min<uint64_t>(length, sizeof(storage)));
  if (size < 2 || !ReadMemory(tid, address, &storage, size)) return FormatHex(address);
  const int family = storage.ss_family;
  std::string text = "{sa_family=" + Family(uint64_t(family));
  if (family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&storage);
    const size_t path_length =
        size > offsetof(sockaddr_un, sun_path) ? size - offsetof(sockaddr_un, sun_path) : 0;
    if (path_length > 0) {
      std::string path(un->sun_path, path_length);
      if (path[0] == '\0') {
        text += ", sun_path=@\"" + QuoteBytes(path.substr(1), QuoteStyle::kStrace) + "\"";
      } else {
        text += ", sun_path=\"" + QuoteBytes(path.substr(0, path.find('\0')), QuoteStyle::kStrace) +
                "\"";
      }
    }
  } else if (family == AF_INET && size >= sizeof(sockaddr_in)) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage);
    char ip[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
    text += ", sin_port=htons(" + std::to_string(ntohs(in->sin_port)) + "), sin_addr=inet_addr(\"" +
            ip + "\")";
  } else if (family == AF_INET6 && size >= sizeof(sockaddr_in6)) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage);
    char ip[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
    text += ", sin6_port=htons(" + std::to_string(ntohs(in6->sin6_port)) +
            "), sin6_flowinfo=htonl(" + std::to_string(ntohl(in6->sin6_flowinfo)) +
            "), inet_pton(AF_INET6, \"" + ip +
            "\", &sin6_addr), sin6_scope_id=" + std::to_string(in6->sin6_scope_id);
  } else if (family == AF_NETLINK && size >= sizeof(sockaddr_nl)) {
    const auto* nl = reinterpret_cast<const sockaddr_nl*>(&storage);
    char groups[16];
    snprintf(groups, sizeof(groups), "%08x", nl->nl_groups);
    text += ", nl_pid=" + std::to_string(nl->nl_pid) + ", nl_groups=" + groups;
  } else {
    text += ", sa_data=\"" +
            QuoteBytes(std::string_view(reinterpret_cast<const char*>(&storage) + 2, size - 2),
                       QuoteStyle::kStrace) +
            "\"";
  }
  return text + "}";
}

std::string MessageFlags(uint64_t value) {
  static const FlagName kNames[] = {{MSG_OOB, "MSG_OOB"},
                                    {MSG_PEEK, "MSG_PEEK"},
                                    {MSG_DONTROUTE, "MSG_DONTROUTE"},
                                    {MSG_CTRUNC, "MSG_CTRUNC"},
                                    {MSG_PROXY, "MSG_PROXY"},
                                    {MSG_TRUNC, "MSG_TRUNC"},
                                    {MSG_DONTWAIT, "MSG_DONTWAIT"},
                                    {MSG_EOR, "MSG_EOR"},
                                    {MSG_WAITALL, "MSG_WAITALL"},
                                    {MSG_FIN, "MSG_FIN"},
                                    {MSG_SYN, "MSG_SYN"},
                                    {MSG_CONFIRM, "MSG_CONFIRM"},
                                    {MSG_RST, "MSG_RST"},
                                    {MSG_ERRQUEUE, "MSG_ERRQUEUE"},
                                    {MSG_NOSIGNAL, "MSG_NOSIGNAL"},
                                    {MSG_MORE, "MSG_MORE"},
                                    {MSG_WAITFORONE, "MSG_WAITFORONE"},
                                    {MSG_FASTOPEN, "MSG_FASTOPEN"},
                                    {MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"}};
  return FormatFlags(value & 0xffffffffu, kNames, "0");
}

// An output address and its in/out length: {sa_family=...}, [16] or [128 => 16].
void AddressOut(Call& c, int address, int length) {
  uint32_t in = uint32_t(c.state().saved[0]);
  uint32_t out = 0;
  if (c.arg(address) == 0) {
    c.Arg("NULL");
    c.Arg(c.arg(length) == 0 ? "NULL" : FormatHex(c.arg(length)));
    return;
  }
  if (c.failed() || !ReadMemory(c.tid(), c.arg(length), &out, sizeof(out))) {
    c.Pointer(address);
    c.Arg(c.failed() ? "[" + std::to_string(in) + "]" : FormatAddress(c.arg(length)));
    return;
  }
  c.Arg(Sockaddr(c.tid(), c.arg(address), std::min(in, out)));
  c.Arg(in == out ? "[" + std::to_string(out) + "]"
                  : "[" + std::to_string(in) + " => " + std::to_string(out) + "]");
}

void SaveLength(Call& c, int length) {
  uint32_t in = 0;
  if (c.arg(length) != 0) ReadMemory(c.tid(), c.arg(length), &in, sizeof(in));
  c.state().saved[0] = in;
}

std::string SocketLevel(uint64_t value) {
  static const FlagName kNames[] = {{SOL_SOCKET, "SOL_SOCKET"},
                                    {SOL_IP, "SOL_IP"},
                                    {SOL_TCP, "SOL_TCP"},
                                    {17, "SOL_UDP"},
                                    {SOL_IPV6, "SOL_IPV6"}};
  return FormatValue(value & 0xffffffffu, kNames, "SOL_");
}

std::string SocketOption(uint64_t level, uint64_t value) {
  if (level == SOL_SOCKET) {
    static const FlagName kNames[] = {{SO_DEBUG, "SO_DEBUG"},
                                      {SO_REUSEADDR, "SO_REUSEADDR"},
                                      {SO_TYPE, "SO_TYPE"},
                                      {SO_ERROR, "SO_ERROR"},
                                      {SO_DONTROUTE, "SO_DONTROUTE"},
                                      {SO_BROADCAST, "SO_BROADCAST"},
                                      {SO_SNDBUF, "SO_SNDBUF"},
                                      {SO_RCVBUF, "SO_RCVBUF"},
                                      {SO_KEEPALIVE, "SO_KEEPALIVE"},
                                      {SO_OOBINLINE, "SO_OOBINLINE"},
                                      {SO_LINGER, "SO_LINGER"},
                                      {SO_REUSEPORT, "SO_REUSEPORT"},
                                      {SO_PASSCRED, "SO_PASSCRED"},
                                      {SO_PEERCRED, "SO_PEERCRED"},
                                      {20, "SO_RCVTIMEO_OLD"},
                                      {21, "SO_SNDTIMEO_OLD"},
                                      {SO_PRIORITY, "SO_PRIORITY"},
                                      {SO_RCVBUFFORCE, "SO_RCVBUFFORCE"},
                                      {SO_SNDBUFFORCE, "SO_SNDBUFFORCE"},
                                      {SO_ACCEPTCONN, "SO_ACCEPTCONN"},
                                      {SO_DOMAIN, "SO_DOMAIN"},
                                      {SO_PROTOCOL, "SO_PROTOCOL"}};
    return FormatValue(value & 0xffffffffu, kNames, "SO_");
  }
  if (level == SOL_TCP) {
    static const FlagName kNames[] = {
        {TCP_NODELAY, "TCP_NODELAY"},     {TCP_MAXSEG, "TCP_MAXSEG"},
        {TCP_CORK, "TCP_CORK"},           {TCP_KEEPIDLE, "TCP_KEEPIDLE"},
        {TCP_KEEPINTVL, "TCP_KEEPINTVL"}, {TCP_KEEPCNT, "TCP_KEEPCNT"},
        {TCP_INFO, "TCP_INFO"},           {TCP_QUICKACK, "TCP_QUICKACK"}};
    return FormatValue(value & 0xffffffffu, kNames, "TCP_");
  }
  return std::to_string(int32_t(value));
}

std::string IntOption(pid_t tid, uint64_t address, uint64_t length) {
  int value = 0;
  if (address == 0) return "NULL";
  if (length == sizeof(int) && ReadMemory(tid, address, &value, sizeof(value))) {
    return "[" + std::to_string(value) + "]";
  }
  return FormatHex(address);
}

constexpr NamedDecoder kNetDecoders[] = {
    {"socket",
     [](Call& c) {
       c.Arg(Family(c.arg(0)));
       c.Arg(SocketType(c.arg(1)));
       c.Arg(Protocol(c.arg(0), c.arg(2)));
       c.SetResultFormat(ResultFormat::kFd);
     }},
    {"socketpair",
     [](Call& c) {
       if (c.entering()) {
         c.Arg(Family(c.arg(0)));
         c.Arg(SocketType(c.arg(1)));
         c.Arg(Protocol(c.arg(0), c.arg(2)));
         c.DecodeAtExit();
         return;
       }
       int fds[2];
       c.Arg(!c.failed() && ReadMemory(c.tid(), c.arg(3), fds, sizeof(fds))
                 ? "[" + FormatFd(c.tid(), fds[0], c.options().fd_paths) + ", " +
                       FormatFd(c.tid(), fds[1], c.options().fd_paths) + "]"
                 : FormatAddress(c.arg(3)));
     }},
    {"connect",
     [](Call& c) {
       c.Fd(0);
       c.Arg(Sockaddr(c.tid(), c.arg(1), c.arg(2)));
       c.Unsigned(2);
     }},
    {"bind",
     [](Call& c) {
       c.Fd(0);
       c.Arg(Sockaddr(c.tid(), c.arg(1), c.arg(2)));
       c.Unsigned(2);
     }},
    {"listen",
     [](Call& c) {
       c.Fd(0);
       c.Int(1);
     }},
    {"accept",
     [](Call& c) {
       if (c.entering()) {
         c.Fd(0);
         SaveLength(c, 2);
         c.DecodeAtExit();
         return;
       }
       AddressOut(c, 1, 2);
       c.SetResultFormat(ResultFormat::kFd);
     }},
    {"accept4",
     [](Call& c) {
       static const FlagName kFlags[] = {{SOCK_CLOEXEC, "SOCK_CLOEXEC"},
                                         {SOCK_NONBLOCK, "SOCK_NONBLOCK"}};
       if (c.entering()) {
         c.Fd(0);
         SaveLength(c, 2);
         c.DecodeAtExit();
         return;
       }
       AddressOut(c, 1, 2);
       c.Arg(FormatFlags(c.arg(3) & 0xffffffffu, kFlags, "0"));
       c.SetResultFormat(ResultFormat::kFd);
     }},
    {"getsockname",
     [](Call& c) {
       if (c.entering()) {
         c.Fd(0);
         SaveLength(c, 2);
         c.DecodeAtExit();
         return;
       }
       AddressOut(c, 1, 2);
     }},
    {"getpeername",
     [](Call& c) {
       if (c.entering()) {
         c.Fd(0);
         SaveLength(c, 2);
         c.DecodeAtExit();
         return;
       }
       AddressOut(c, 1, 2);
     }},
    {"sendto",
     [](Call& c) {
       c.Fd(0);
       c.Buffer(1, c.arg(2));
       c.Ulong(2);
       c.Arg(MessageFlags(c.arg(3)));
       c.Arg(Sockaddr(c.tid(), c.arg(4), c.arg(5)));
       c.Unsigned(5);
     }},
    {"recvfrom",
     [](Call& c) {
       if (c.entering()) {
         c.Fd(0);
         SaveLength(c, 5);
         c.DecodeAtExit();
         return;
       }
       c.BufferOut(1);
       c.Ulong(2);
       c.Arg(MessageFlags(c.arg(3)));
       AddressOut(c, 4, 5);
     }},
    {"sendmsg",
     [](Call& c) {
       c.Fd(0);
       c.Pointer(1);
       c.Arg(MessageFlags(c.arg(2)));
     }},
    {"recvmsg",
     [](Call& c) {
       if (EnterWithFd(c)) return;
       c.Pointer(1);
       c.Arg(MessageFlags(c.arg(2)));
     }},
    {"shutdown",
     [](Call& c) {
       static const FlagName kHow[] = {
           {SHUT_RD, "SHUT_RD"}, {SHUT_WR, "SHUT_WR"}, {SHUT_RDWR, "SHUT_RDWR"}};
       c.Fd(0);
       c.Arg(FormatValue(c.arg(1) & 0xffffffffu, kHow, "SHUT_"));
     }},
    {"setsockopt",
     [](Call& c) {
       c.Fd(0);
       c.Arg(SocketLevel(c.arg(1)));
       c.Arg(SocketOption(c.arg(1), c.arg(2)));
       c.Arg(IntOption(c.tid(), c.arg(3), c.arg(4)));
       c.Unsigned(4);
     }},
    {"getsockopt",
     [](Call& c) {
       if (c.entering()) {
         c.Fd(0);
         c.Arg(SocketLevel(c.arg(1)));
         c.Arg(SocketOption(c.arg(1), c.arg(2)));
         SaveLength(c, 4);
         c.DecodeAtExit();
         return;
       }
       uint32_t length = 0;
       ReadMemory(c.tid(), c.arg(4), &length, sizeof(length));
       c.Arg(c.failed() ? FormatAddress(c.arg(3)) : IntOption(c.tid(), c.arg(3), length));
       c.Arg("[" + std::to_string(length) + "]");
     }},
};

const std::map<std::string, SyscallDecoderFn>& Decoders() {
  static const std::map<std::string, SyscallDecoderFn> kDecoders = DecodersByName({kNetDecoders});
  return kDecoders;
}

}  // namespace

SyscallDecoderFn NetDecoder(const std::string& name) {
  auto it = Decoders().find(name);
  return it == Decoders().end() ? nullptr : it->second;
}

}  // namespace memwrap
