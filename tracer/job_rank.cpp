#include "tracer/job_rank.h"
#include "memwrap/session_info_keys.h"

#include <stdlib.h>

namespace memwrap {
namespace {

bool IsRankNumber(const char* value) {
  if (value == nullptr || *value == '\0') return false;
  for (const char* p = value; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return false;
  }
  return true;
}

std::string Env(const char* name) {
  const char* value = getenv(name);
  return value != nullptr ? value : "";
}

}  // namespace

JobRank DetectJobRank() {
  struct Source {
    const char* rank;
    const char* size;
  };
  static const Source kSources[] = {
      {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},
      {"PMIX_RANK", "PMIX_SIZE"},
      {"PMI_RANK", "PMI_SIZE"},
      {"SLURM_PROCID", "SLURM_NTASKS"},
      {"PBS_TASKNUM", "PBS_NP"},
  };
  for (const Source& source : kSources) {
    if (IsRankNumber(getenv(source.rank))) {
      JobRank rank{Env(source.rank), Env(source.size), source.rank};
      if (!IsRankNumber(rank.size.c_str())) rank.size.clear();
      return rank;
    }
  }
  return {};
}

std::string ExpandTracePath(const std::string& requested, const std::string& program_name,
                            pid_t pid, const std::string& host, const JobRank& rank,
                            std::string* error) {
  if (requested.empty()) {
    return rank.rank.empty() ? program_name + "." + std::to_string(pid) + ".mwt"
                             : program_name + "." + host + "." + rank.rank + ".mwt";
  }
  if (requested.find('%') != std::string::npos) {
    std::string path;
    for (size_t i = 0; i < requested.size(); ++i) {
      if (requested[i] != '%') {
        path += requested[i];
        continue;
      }
      const char kind = i + 1 < requested.size() ? requested[++i] : '\0';
      switch (kind) {
        case 'h':
          path += host;
          break;
        case 'r':
          path += rank.rank.empty() ? "0" : rank.rank;
          break;
        case 'p':
          path += std::to_string(pid);
          break;
        case '%':
          path += '%';
          break;
        default:
          *error = "unknown placeholder '%" +
                   std::string(kind == '\0' ? "" : std::string(1, kind)) +
                   "' (use %h host, %r rank, %p pid, %% a percent sign)";
          return "";
      }
    }
    return path;
  }
  if (rank.rank.empty()) return requested;
  const std::string suffix = "." + host + "." + rank.rank;
  const std::string extension = ".mwt";
  const size_t slash = requested.rfind('/');
  const bool has_extension =
      requested.size() > extension.size() &&
      requested.compare(requested.size() - extension.size(), extension.size(), extension) == 0 &&
      (slash == std::string::npos || slash + 1 < requested.size() - extension.size());
  return has_extension
             ? requested.substr(0, requested.size() - extension.size()) + suffix + extension
             : requested + suffix;
}

void AddJobSessionInfo(const JobRank& rank, std::map<std::string, std::string>* session) {
  if (rank.rank.empty()) return;
  (*session)[session_key::kRank] = rank.rank;
  (*session)[session_key::kRankSource] = rank.source;
  if (!rank.size.empty()) (*session)[session_key::kJobSize] = rank.size;
}

}  // namespace memwrap
