#include "export/syscall_names.h"

#include <map>

namespace memwrap {

std::string SyscallName(uint32_t number) {
  // x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl).
  static const std::map<uint32_t, const char*> kNames = {
      {0, "read"},        {1, "write"},          {2, "open"},          {3, "close"},
      {4, "stat"},        {5, "fstat"},          {6, "lstat"},         {7, "poll"},
      {8, "lseek"},       {9, "mmap"},           {10, "mprotect"},     {11, "munmap"},
      {12, "brk"},        {13, "rt_sigaction"},  {14, "rt_sigprocmask"}, {16, "ioctl"},
      {17, "pread64"},    {18, "pwrite64"},      {19, "readv"},        {20, "writev"},
      {21, "access"},     {22, "pipe"},          {23, "select"},       {24, "sched_yield"},
      {25, "mremap"},     {26, "msync"},         {28, "madvise"},      {32, "dup"},
      {33, "dup2"},       {35, "nanosleep"},     {39, "getpid"},       {41, "socket"},
      {42, "connect"},    {43, "accept"},        {44, "sendto"},       {45, "recvfrom"},
      {56, "clone"},      {57, "fork"},          {58, "vfork"},        {59, "execve"},
      {60, "exit"},       {61, "wait4"},         {62, "kill"},         {72, "fcntl"},
      {202, "futex"},     {217, "getdents64"},   {228, "clock_gettime"}, {230, "clock_nanosleep"},
      {231, "exit_group"}, {232, "epoll_wait"},  {257, "openat"},      {262, "newfstatat"},
      {270, "pselect6"},  {271, "ppoll"},        {281, "epoll_pwait"}, {318, "getrandom"},
      {319, "memfd_create"}, {322, "execveat"},  {435, "clone3"},
  };
  auto it = kNames.find(number);
  return it != kNames.end() ? it->second : "syscall_" + std::to_string(number);
}

}  // namespace memwrap
