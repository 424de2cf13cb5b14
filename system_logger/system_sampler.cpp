#include "system_logger/system_sampler.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "memwrap/monotonic_clock.h"
#include "memwrap/records.h"
#include "procfs/proc_text.h"
#include "tracefile/unique_fd.h"

namespace memwrap {

namespace {

timespec ToTimespec(uint64_t ns) {
  timespec ts{};
  ts.tv_sec = time_t(ns / 1000000000);
  ts.tv_nsec = long(ns % 1000000000);
  return ts;
}

}  // namespace

SamplerResult RunSystemSampler(const std::vector<std::unique_ptr<SystemModule>>& modules,
                               const SamplerSchedule& schedule,
                               const std::function<bool(uint64_t, const ByteBuffer&)>& on_sample) {
  SamplerResult result;
  ByteBuffer records;
  auto sample = [&] {
    records.clear();
    const uint64_t ts = MonotonicNs();
    timespec wall{};
    clock_gettime(CLOCK_REALTIME, &wall);
    SystemItemRecord start{};
    start.h = {sizeof(start), uint16_t(RecordType::kSystemItem),
               uint16_t(SystemItemKind::kSampleStart)};
    start.ts_ns = ts;
    CopyName(schedule.host, start.name, sizeof(start.name));
    start.values[0] = uint64_t(wall.tv_sec) * 1000000000ull + uint64_t(wall.tv_nsec);
    start.values[1] = result.samples;
    start.values[2] = schedule.once ? 0 : schedule.interval_ns;
    AppendRecord(&records, start);
    for (const auto& module : modules) module->Sample(ts, &records);
    ++result.samples;
    if (!on_sample(ts, records)) {
      result.stopped_by_sink = true;
      return false;
    }
    return true;
  };
  if (schedule.once) {
    sample();
    for (const auto& module : modules) module->Close();
    return result;
  }

  sigset_t stop_signals, previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  sigprocmask(SIG_BLOCK, &stop_signals, &previous);
  UniqueFd signal_fd(signalfd(-1, &stop_signals, SFD_CLOEXEC));
  UniqueFd timer_fd(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
  const uint64_t start = MonotonicNs();
  itimerspec spec{};
  spec.it_interval = ToTimespec(schedule.interval_ns);
  spec.it_value = ToTimespec(start + schedule.interval_ns);
  timerfd_settime(timer_fd.get(), TFD_TIMER_ABSTIME, &spec, nullptr);

  uint64_t tick = 0;  // the deadline start + tick x interval is the one sampled last
  bool going = sample();
  while (going) {
    if (schedule.duration_ns != 0 && (tick + 1) * schedule.interval_ns > schedule.duration_ns) {
      break;
    }
    pollfd fds[2] = {{timer_fd.get(), POLLIN, 0}, {signal_fd.get(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      if (read(signal_fd.get(), &info, sizeof(info)) == ssize_t(sizeof(info))) {
        result.stop_signal = int(info.ssi_signo);
      }
      break;
    }
    if (fds[0].revents & POLLIN) {
      uint64_t expirations = 0;
      if (read(timer_fd.get(), &expirations, sizeof(expirations)) != sizeof(expirations)) continue;
      // Late by more than a period (a stalled machine): the deadlines in between are lost,
      // counted, and the next sample keeps to the grid.
      result.missed_ticks += expirations - 1;
      tick += expirations;
      if (schedule.duration_ns != 0 && tick * schedule.interval_ns > schedule.duration_ns) break;
      going = sample();
    }
  }
  for (const auto& module : modules) module->Close();
  signal_fd.Reset();
  // Once stopped by a signal, the stop signals stay blocked: another one may follow (timeout(1)
  // signals the whole process group) and must not kill the logger while it finishes its
  // outputs; the process exits soon after, and pending signals go with it.
  if (result.stop_signal != 0) return result;
  // Otherwise a signal that came in after the last poll is taken here (the run ended anyway),
  // and the caller's mask comes back.
  sigset_t pending;
  sigpending(&pending);
  for (int signo : {SIGINT, SIGTERM, SIGHUP}) {
    if (sigismember(&pending, signo)) {
      timespec zero{};
      sigset_t one;
      sigemptyset(&one);
      sigaddset(&one, signo);
      if (sigtimedwait(&one, nullptr, &zero) == signo) result.stop_signal = signo;
    }
  }
  if (result.stop_signal != 0) return result;
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  return result;
}

}  // namespace memwrap
