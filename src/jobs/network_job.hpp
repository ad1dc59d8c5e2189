// `descend` over a network landscape: N independent trainings from N seeded
// initialisations, chunk by chunk (every thread trains its own networks),
// their end points grouped into minima by function, curvature at the most
// populous minima, all written to one result file (docs/networks.md).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <vector>

#include "config/network_config.hpp"
#include "io/network_io.hpp"
#include "jobs/checkpointing.hpp"

namespace trilo::jobs {

struct NetworkResult {
  std::int64_t runs = 0;
  std::int64_t status[3] = {0, 0, 0};  // converged, max-steps, diverged
  io::NetworkMinima minima;
  std::vector<std::int32_t> labels;    // per run; -1 diverged
  std::vector<io::TrainingTrace> traces;  // --trace, in the order asked
  double train_s = 0, minima_s = 0;
  // Per run, kept only for a basin map of initialisations (one run a cell):
  // the outcome of each training.
  std::vector<std::int64_t> steps;
  std::vector<std::int8_t> run_status;
  std::vector<double> loss, accuracy, test_loss, test_accuracy;
};

// The checkpoint of the trainings (jobs/network_checkpoint.hpp), on the
// writer: where it goes and what it resumes, its root attributes; the
// writer is made once what a resumed checkpoint committed is taken back.
struct TrainingCheckpoint {
  CheckpointStart start;
  io::Attributes root;
  const config::RunConfig* cfg = nullptr;  // for the message of an interrupted run
  std::ostream* log = nullptr;             // a resume's note; null when quiet
  std::unique_ptr<io::CheckpointWriter> writer;
};

// Trains every run of `nr` (from where a resumed checkpoint stopped),
// committing each chunk to the checkpoint; `tc` is null on the other ranks
// of an MPI job, which only compute.
NetworkResult train_networks(const config::NetworkResolved& nr, const config::NetworkConfig& net,
                             TrainingCheckpoint* tc, bool bar);

// The whole command: check, train, write and commit the file, print the summary.
void run_network_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log);

}  // namespace trilo::jobs
