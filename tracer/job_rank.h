// Runs under a cluster's own launcher (mpiexec, srun, PBS): each rank of the job is a memwrap of
// its own and writes its own trace, named after its host and rank so that the ranks of one job
// do not overwrite each other's file. The launcher tells a process its rank in the environment.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

namespace memwrap {

struct JobRank {
  std::string rank;    // "" when the process is not a rank of a parallel job
  std::string size;    // ranks in the job; "" when the launcher does not say
  std::string source;  // the environment variable the rank came from
};

// The first of OMPI_COMM_WORLD_RANK (Open MPI), PMIX_RANK (PMIx), PMI_RANK (MPICH, Intel MPI),
// SLURM_PROCID (srun), PBS_TASKNUM (PBS) that holds a non-negative integer.
JobRank DetectJobRank();

// The trace path for `requested` (-o; "" for the default PROGRAM.PID.mwt).
//  * Placeholders: %h the host name, %r the rank ("0" outside a parallel job), %p the
//    program's pid, %% a percent sign. A path with placeholders is used as expanded.
//  * Without placeholders, under a detected rank ".HOST.RANK" goes before a final ".mwt" (or
//    at the end): -o run.mwt becomes run.node7.3.mwt; the default becomes PROGRAM.HOST.RANK.mwt.
// Returns "" and sets *error for an unknown placeholder.
std::string ExpandTracePath(const std::string& requested, const std::string& program_name,
                            pid_t pid, const std::string& host, const JobRank& rank,
                            std::string* error);

// Session-info keys for the trace: rank, rank_source and job_size when known.
void AddJobSessionInfo(const JobRank& rank, std::map<std::string, std::string>* session);

}  // namespace memwrap
