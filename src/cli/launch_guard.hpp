// A build without MPI started by mpirun or srun as one of several ranks
// would run N copies of the same job, racing for the same output file.
// The launchers say so in the environment of every process they start:
//   Open MPI    OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_RANK
//   MPICH/Hydra PMI_SIZE, PMI_RANK
//   PMIx        PMIX_RANK (the size from one of the others)
//   Slurm srun  SLURM_STEP_NUM_TASKS or SLURM_NTASKS, SLURM_PROCID, within
//               a job step (SLURM_STEP_ID; a batch script alone is one task)
// Such a start is refused: every rank exits 2, and rank 0 alone prints the
// line, so the terminal shows it once.
#pragma once

#include <functional>
#include <string>

namespace trilo::cli {

struct LaunchCheck {
  bool refused = false;  // started as one of several ranks
  bool speaks = true;    // this process prints the line (rank 0, or rank unknown)
  std::string line;      // what it prints
};

// `env(name)` is the variable's value or null (std::getenv in main).
LaunchCheck check_launch(const std::function<const char*(const char*)>& env);

}  // namespace trilo::cli
