// The runs `memwrap check -- PROGRAM` records, and the one trace it keeps: each run is a normal
// `memwrap run -q` into a scratch directory beside where the kept trace goes, so keeping the
// judged run's trace is a rename, and the other runs' traces go with the directory.
//
// A check that is told to stop (SIGTERM, SIGINT or SIGHUP, while the recordings exist) leaves
// nothing behind: the run under way gets SIGTERM (memwrap run passes it to the program), and
// if it has not ended 5 s later the program and its descendants get SIGKILL; then the scratch
// directory goes, and memwrap check dies of the signal it was sent.
#pragma once

#include <string>
#include <vector>

namespace memwrap {

class CheckRecordings {
 public:
  // `keep_path`: where the judged run's trace is kept ("": PROGRAM.PID.mwt in the current
  // directory, as memwrap run names it). Throws std::runtime_error when no scratch directory
  // can be made there.
  CheckRecordings(const std::vector<std::string>& program, const std::string& keep_path);
  ~CheckRecordings();  // removes the scratch directory and the traces not kept
  CheckRecordings(const CheckRecordings&) = delete;
  CheckRecordings& operator=(const CheckRecordings&) = delete;

  // Runs the program under memwrap as run number `number`; returns the trace's path (the file
  // may be missing when the program could not be run) and the wait status of memwrap run.
  std::string Record(unsigned number, int* wait_status);
  // Moves `trace` (one Record() returned) to the keep path; `pid` names it by default ("" when
  // unknown: the run's number does). Returns where it now is.
  std::string Keep(const std::string& trace, unsigned number, const std::string& pid);

 private:
  // After a stop signal: removes the scratch directory and dies of the signal.
  void DieIfStopped();

  std::vector<std::string> program_;
  std::string keep_path_;
  std::string scratch_;
};

}  // namespace memwrap
