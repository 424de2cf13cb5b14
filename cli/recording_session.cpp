#include "cli/recording_session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "memwrap/exit_codes.h"
#include "memwrap/monotonic_clock.h"
#include "tracefile/trace_error.h"
#include "tracer/detach_on_signal.h"
#include "tracer/host_name.h"
#include "tracer/signal_relay.h"

namespace memwrap {

std::string JoinCommand(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
  return text;
}

int ProgramNotRunnable(const std::string& name, const std::string& program, int error,
                       const std::string& hint) {
  fprintf(stderr, "%s: %s: %s%s\n", name.c_str(), program.c_str(),
          error == ENOENT ? "command not found" : strerror(error), hint.c_str());
  return error == ENOENT ? kExitNotFound : kExitCannotExecute;
}

RecordingSession::RecordingSession(std::string name) : name_(std::move(name)) {}

RecordingSession::~RecordingSession() {
  ReleaseSignals();
}

Collector& RecordingSession::collector() {
  if (collector_ == nullptr) collector_ = std::make_unique<Collector>();
  return *collector_;
}

void RecordingSession::Launch(const std::string& path, const std::vector<std::string>& argv,
                              const std::vector<std::string>& env, int stdout_fd,
                              const sock_fprog* seccomp) {
  launcher_ = std::make_unique<Launcher>(path, argv, env, stdout_fd, seccomp);
  pid_ = launcher_->pid();
}

void RecordingSession::Abandon() {
  if (launcher_ != nullptr) launcher_->Abandon();
}

const std::string& RecordingSession::host() {
  if (!host_read_) host_ = HostName();
  host_read_ = true;
  return host_;
}

bool RecordingSession::OpenTrace(const std::string& path, TraceWriter::Existing existing,
                                 const SessionInfo& info) {
  collector();  // the trace's only writer, made first: if it cannot be, no file is left behind
  try {
    writer_ = std::make_unique<TraceWriter>(path, existing);
    writer_->WriteSessionInfo(info);
    return true;
  } catch (const TraceError& error) {
    Abandon();
    fprintf(stderr, "%s: %s\n", name_.c_str(), error.what());
    return false;
  }
}

bool RecordingSession::CheckTraceWritable(const std::string& path, TraceWriter::Existing existing) {
  try {
    TraceWriter(path, existing).Discard();
    return true;
  } catch (const TraceError& error) {
    Abandon();
    fprintf(stderr, "%s: %s\n", name_.c_str(), error.what());
    return false;
  }
}

void RecordingSession::DropTraceFile() {
  if (writer_ != nullptr) writer_->Discard();
  writer_.reset();
}

void RecordingSession::StartCollector(uint64_t sample_interval_ns) {
  collector().Start(writer_.get(), sample_interval_ns);
  collector_started_ = true;
}

void RecordingSession::StartCollector(std::unique_ptr<RecordSink> sink,
                                      uint64_t sample_interval_ns) {
  sink_ = std::move(sink);
  collector().Start(sink_.get(), sample_interval_ns);
  collector_started_ = true;
}

TraceRecorder& RecordingSession::MakeRecorder(ShimPresence shim, uint64_t sample_interval_ns) {
  recorder_ = std::make_unique<TraceRecorder>(&collector(), shim, sample_interval_ns);
  return *recorder_;
}

ProcessTree& RecordingSession::Follow(TraceObserver* observer, ProcessTreeOptions options) {
  tree_ = std::make_unique<ProcessTree>(observer, std::move(options));
  return *tree_;
}

std::string RecordingSession::Trace() {
  return launched() ? tree_->SeizeChild(pid_) : tree_->Attach(pid_);
}

void RecordingSession::TakeSignals() {
  if (signals_taken_) return;
  signals_taken_ = true;
  // A launched program decides what a signal does, and memwrap stays to write the trace; an
  // attached process must run on, so a signal ends the tracing instead.
  if (launched()) {
    RelaySignalsTo(pid_);
  } else {
    DetachOnStopSignals(tree_.get());
  }
}

void RecordingSession::ReleaseSignals() {
  if (!signals_taken_) return;
  signals_taken_ = false;
  if (launched()) {
    StopRelayingSignals();
  } else {
    StopDetachingOnSignals();
  }
}

ProgramEnd RecordingSession::Run(uint64_t tick_period_ns, std::function<void(uint64_t now_ns)> tick,
                                 uint64_t duration_ns) {
  TakeSignals();
  const uint64_t deadline = duration_ns != 0 ? MonotonicNs() + duration_ns : 0;
  if (tick_period_ns != 0) {
    tree_->SetTimer(tick_period_ns, [this, deadline, tick = std::move(tick)](uint64_t now) {
      tick(now);
      if (deadline != 0 && now >= deadline) tree_->RequestDetach();
    });
  }
  if (launched()) launcher_->Go();
  ProgramEnd end;
  end.status = tree_->Run();
  ReleaseSignals();
  if (launched()) end.exec_error = launcher_->ExecError();
  if (recorder_ != nullptr) recorder_->FlushAll();
  return end;
}

ProgramEnd RecordingSession::RunUntraced() {
  TakeSignals();
  ProgramEnd end;
  end.exec_error = launcher_->Release();
  if (end.exec_error == 0) end.status = launcher_->Wait(&end.usage);
  ReleaseSignals();
  return end;
}

void RecordingSession::FinishTrace() {
  EndTrace();
  SayIfWriteFailed();
}

void RecordingSession::EndTrace() {
  if (collector_started_) collector_->Finish();
  collector_started_ = false;
  writer_.reset();
}

void RecordingSession::SayIfWriteFailed() const {
  if (collector_ == nullptr) return;
  if (std::string error = collector_->write_error(); !error.empty()) {
    fprintf(stderr, "%s: %s; the trace holds what was written before\n", name_.c_str(),
            error.c_str());
  }
}

void RecordingSession::DiscardTrace() {
  if (collector_started_) {
    collector_->RequestStop();
    collector_->Finish();
  }
  collector_started_ = false;
  DropTraceFile();
}

int RecordingSession::ExecFailed(const std::string& program, int exec_error) const {
  fprintf(stderr, "%s: %s: %s\n", name_.c_str(), program.c_str(), strerror(exec_error));
  return exec_error == ENOENT ? kExitNotFound : kExitCannotExecute;
}

}  // namespace memwrap
