#include "cli/launch_guard.hpp"

#include <cstdlib>
#include <vector>

namespace trilo::cli {

namespace {

// The variable as a whole number, or -1 when unset or not one.
long long number(const std::function<const char*(const char*)>& env, const char* name) {
  const char* v = env(name);
  if (v == nullptr || *v == '\0') return -1;
  char* end = nullptr;
  const long long x = std::strtoll(v, &end, 10);
  return *end == '\0' && x >= 0 ? x : -1;
}

}  // namespace

LaunchCheck check_launch(const std::function<const char*(const char*)>& env) {
  const bool slurm_step = env("SLURM_STEP_ID") != nullptr;
  struct Launcher {
    const char* size;
    const char* rank;
  };
  std::vector<Launcher> launchers = {{"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"},
                                     {"PMI_SIZE", "PMI_RANK"}};
  if (slurm_step) {
    launchers.push_back({"SLURM_STEP_NUM_TASKS", "SLURM_PROCID"});
    launchers.push_back({"SLURM_NTASKS", "SLURM_PROCID"});
  }
  LaunchCheck out;
  long long size = -1, rank = number(env, "PMIX_RANK");
  const char* named = rank > 0 ? "PMIX_RANK" : nullptr;
  for (const Launcher& l : launchers) {
    const long long s = number(env, l.size), r = number(env, l.rank);
    if (s > 1 && size < 0) {
      size = s;
      named = l.size;
    }
    if (r >= 0 && rank < 0) rank = r;
    if (r > 0 && named == nullptr) named = l.rank;
  }
  if (size <= 1 && rank <= 0) return out;
  out.refused = true;
  out.speaks = rank <= 0;
  out.line = "this trilobite was built without MPI but started as one of " +
             (size > 1 ? std::to_string(size) + " ranks" : std::string("several ranks")) + " (" +
             named + "); start it as one process, or use a build with MPI";
  return out;
}

}  // namespace trilo::cli
