// The one way memwrap creates a file it writes: traces (memwrap -o, stracedrv/ltracedrv
// --trace, fltrec dumps, dlogger), reports (plot -o, export -o, check --junit/--summary,
// stracedrv/ltracedrv -o) and baselines. The rules, for every one of them:
//
//  * Never through a symbolic link: the last component is opened with O_NOFOLLOW, and a path
//    that is a link is refused, not replaced (a link planted in a shared directory must not
//    redirect a write, and a link the user made is not silently broken either).
//  * Never over another user's file: a file whose owner is not the caller is not replaced
//    (root writing into a sticky /tmp would otherwise replace whatever a user left there).
//  * ExistingFile::kRefuse: the path itself is created with O_EXCL and written in place, so a
//    run that is killed leaves everything written so far at the path.
//  * ExistingFile::kReplace: the bytes go to a new file beside the path ("PATH.partial-XXXXXX",
//    O_EXCL, a random name) and Commit() renames it over the path. rename(2) is atomic: readers
//    and concurrent writers see the old file or a whole new one, never a mix; of writers racing
//    on one path the last to commit wins. A killed run leaves the old file untouched and its
//    own bytes in the .partial file.
//  * ExistingFile::kAppend: an existing file is opened for appending (it must be a regular
//    file of the caller's), a missing one is created.
//  * A character device or a FIFO at the path (-o /dev/null, a named pipe) is written in place
//    by kReplace and kAppend: there is no file to replace, and the user named it on purpose.
//  * Discard() removes whatever this created (the new file or the .partial one) and leaves the
//    path as it was: a run that fails to start leaves nothing behind that blocks the rerun.
#pragma once

#include <sys/types.h>

#include <string>

namespace memwrap {

enum class ExistingFile { kRefuse, kReplace, kAppend };

class OutputFile {
 public:
  OutputFile() = default;
  // Neither committed nor discarded: committed, so that what was written is kept, as it is
  // after a crash. Errors cannot be reported from here: call Commit() to see them.
  ~OutputFile();
  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&& other) noexcept;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Opens `path` for writing by the rules above; `mode` is for a file created (the umask
  // applies). `readable`: opened O_RDWR rather than O_WRONLY. On failure returns the reason,
  // without the path ("it is a symbolic link (refused)", "the file exists (use --force to
  // replace it)", strerror), for the caller to put in its one line; "" on success.
  std::string Open(const std::string& path, ExistingFile existing, mode_t mode,
                   bool readable = false);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // Where the bytes are until Commit(): the .partial file for kReplace, else path().
  const std::string& written_path() const { return aside_.empty() ? path_ : aside_; }
  // True when Open() created the file (kAppend: false when it existed).
  bool created() const { return created_; }

  // Closes the file; for kReplace renames it over the path (checked again: still not a link
  // nor another user's). Returns "" or the reason it failed (the bytes then stay in
  // written_path()).
  std::string Commit();
  // Closes the file and removes what Open() created; the path is left as it was.
  void Discard();

 private:
  void Close();

  int fd_ = -1;
  std::string path_;
  std::string aside_;
  bool created_ = false;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

// Writes `data` to `path` whole, replacing an existing file of the caller's atomically
// (kReplace above; nothing is left at the path if writing fails). Returns "" or the reason.
std::string WriteWholeFile(const std::string& path, const std::string& data, mode_t mode = 0666);
// Writes `data` to an open `file` and commits it; a failed write discards it. Returns "" or
// the reason.
std::string WriteAllAndCommit(OutputFile* file, const std::string& data);

}  // namespace memwrap
