// A build without MPI refuses to run as one of several ranks (mpirun, srun):
// the launchers' variables, read from a test-written environment, and the
// binary itself started with them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "cli/launch_guard.hpp"
#include "jobs/ranks.hpp"
#include "support/cli.hpp"

namespace {

using trilo::cli::check_launch;
using trilo::cli::LaunchCheck;

LaunchCheck with(const std::map<std::string, std::string>& vars) {
  return check_launch([&vars](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

TEST(LaunchGuard, OneProcessRuns) {
  EXPECT_FALSE(with({}).refused);
  EXPECT_FALSE(with({{"OMPI_COMM_WORLD_SIZE", "1"}, {"OMPI_COMM_WORLD_RANK", "0"}}).refused);
  EXPECT_FALSE(with({{"PMI_SIZE", "1"}, {"PMI_RANK", "0"}}).refused);
  EXPECT_FALSE(with({{"PMIX_RANK", "0"}}).refused);
  // A batch script of a 4-task allocation is one process until srun starts tasks.
  EXPECT_FALSE(with({{"SLURM_NTASKS", "4"}, {"SLURM_PROCID", "0"}}).refused);
  EXPECT_FALSE(with({{"OMPI_COMM_WORLD_SIZE", "two"}}).refused);
}

TEST(LaunchGuard, EveryLauncherWithSeveralRanksIsRefused) {
  const LaunchCheck ompi = with({{"OMPI_COMM_WORLD_SIZE", "3"}, {"OMPI_COMM_WORLD_RANK", "0"}});
  EXPECT_TRUE(ompi.refused);
  EXPECT_TRUE(ompi.speaks);
  EXPECT_NE(ompi.line.find("3 ranks"), std::string::npos) << ompi.line;
  EXPECT_NE(ompi.line.find("OMPI_COMM_WORLD_SIZE"), std::string::npos) << ompi.line;
  EXPECT_NE(ompi.line.find("without MPI"), std::string::npos) << ompi.line;

  const LaunchCheck hydra = with({{"PMI_SIZE", "2"}, {"PMI_RANK", "1"}});
  EXPECT_TRUE(hydra.refused);
  EXPECT_FALSE(hydra.speaks);  // rank 1 stays silent: the line is printed once

  const LaunchCheck srun =
      with({{"SLURM_STEP_ID", "0"}, {"SLURM_NTASKS", "4"}, {"SLURM_PROCID", "2"}});
  EXPECT_TRUE(srun.refused);
  EXPECT_FALSE(srun.speaks);
  EXPECT_NE(srun.line.find("4 ranks"), std::string::npos) << srun.line;

  const LaunchCheck step =
      with({{"SLURM_STEP_ID", "3"}, {"SLURM_STEP_NUM_TASKS", "2"}, {"SLURM_PROCID", "0"}});
  EXPECT_TRUE(step.refused);
  EXPECT_TRUE(step.speaks);

  // PMIx alone gives the rank: any rank above 0 means several.
  const LaunchCheck pmix = with({{"PMIX_RANK", "5"}});
  EXPECT_TRUE(pmix.refused);
  EXPECT_FALSE(pmix.speaks);
  EXPECT_NE(pmix.line.find("PMIX_RANK"), std::string::npos) << pmix.line;
  EXPECT_TRUE(with({{"PMIX_RANK", "0"}, {"SLURM_STEP_ID", "0"}, {"SLURM_NTASKS", "2"}}).refused);
}

// The binary: exit 2 before any work, one line from rank 0, none from the
// others, no file; one rank runs as usual.
TEST(LaunchGuard, TheBinaryStartedAsSeveralRanksExitsTwo) {
  // A build with MPI starts MPI under a launcher's variables instead; its
  // ranks are tested under mpirun (tests/python/check_ranks.py), and the
  // sanitized suite (scripts/sanitize.sh) is a build without MPI.
  if (trilo::jobs::mpi_built()) GTEST_SKIP() << "built with MPI";
  using trilo::test::exists;
  using trilo::test::lines;
  using trilo::test::slurp;
  using trilo::test::unique;
  const std::string target = unique("h5"), out = unique("out"), err = unique("err");
  auto start = [&](const std::string& env) {
    std::remove(target.c_str());
    const std::string cmd = env + " OMP_NUM_THREADS=2 '" + std::string(TRILOBITE_EXE) +
                            "' descend --starts 100 -q -o '" + target + "' >" + out + " 2>" + err +
                            " </dev/null";
    const int raw = std::system(cmd.c_str());
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  };
  EXPECT_EQ(start("OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=0"), 2);
  EXPECT_EQ(lines(slurp(err)), 1) << slurp(err);
  EXPECT_NE(slurp(err).find("without MPI"), std::string::npos) << slurp(err);
  EXPECT_FALSE(exists(target));
  EXPECT_EQ(start("OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_RANK=1"), 2);
  EXPECT_EQ(slurp(err), "");
  EXPECT_FALSE(exists(target));
  EXPECT_EQ(start("OMPI_COMM_WORLD_SIZE=1 OMPI_COMM_WORLD_RANK=0"), 0) << slurp(err);
  EXPECT_TRUE(exists(target));
  std::remove(target.c_str());
}

}  // namespace
