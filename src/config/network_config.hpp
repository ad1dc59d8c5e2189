// A network landscape's options, checked once (src/config/network_config.cpp):
// the model against the data, the training against the optimizer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/run_config.hpp"
#include "nn/data.hpp"
#include "nn/model.hpp"
#include "nn/train.hpp"

namespace trilo::config {

struct NetworkResolved {
  nn::Model model;
  nn::TrainParams train;
  nn::DataSplit data;
  std::int64_t runs = 0;
  std::int64_t chunk = 64;
  bool f32 = true;
  bool cuda = false;                    // trained on the GPU (--backend cuda)
  bool gpu_not_chosen = false;          // auto with a device: trained on the CPU all the same
  bool record_weights = true;           // --records all: start and end weights per run
  std::vector<std::int64_t> probe_rows; // training rows whose outputs identify a minimum
  std::vector<std::int64_t> trace;      // --trace: runs whose loss and accuracy are recorded
  std::int64_t trace_every = 10;
  // A basin map of initialisations: run i starts at
  // start_center + alpha[i mod n0] directions[0] + beta[i / n0] directions[1]
  // (empty for trainings from drawn initialisations).
  std::vector<double> start_center, start_directions, start_alpha, start_beta;
  // A sweep (src/jobs/network_sweep.hpp): `runs` is then every setting's
  // trainings together, sweep_runs per setting; row r trains run
  // r mod sweep_runs (its initial weights and batch orders) with
  // sweep_train[r / sweep_runs]. sweep_runs 0: not a sweep, every row runs
  // `train`.
  std::int64_t sweep_runs = 0;
  std::vector<nn::TrainParams> sweep_train;
  SweepSpec sweep, sweep2;  // the varied settings (sweep2: none in a 1-D sweep)

  // The run index (initial weights, batch orders) and the training of row `row`.
  std::int64_t run_of(std::int64_t row) const { return sweep_runs > 0 ? row % sweep_runs : row; }
  const nn::TrainParams& train_of(std::int64_t row) const {
    return sweep_runs > 0 ? sweep_train[static_cast<std::size_t>(row / sweep_runs)] : train;
  }
  // Whether every row's outcome is kept in memory (a basin map, a sweep).
  bool keeps_outcomes() const { return !start_alpha.empty() || sweep_runs > 0; }
};

// Checks every network option and loads the data; throws BadInput (one
// line, naming the option or the data file) before any work.
NetworkResolved resolve_network(RunConfig& c);

// The rows of the probe set: min(probe, rows) rows evenly strided through
// the training set in file order (row floor(k rows / m) for k < m).
std::vector<std::int64_t> probe_rows(std::int64_t rows, std::int64_t probe);

}  // namespace trilo::config
