// One training of a network: a descent on its loss landscape. Full-batch
// gradient descent by default; mini-batch SGD with a batch order drawn from
// Philox keyed by (seed, run, epoch). Optimizers and learning-rate
// schedules are the ones every landscape uses (core/optimizers.hpp,
// core/schedule.hpp), applied to the flat weight vector.
#pragma once

#include <cstdint>
#include <vector>

#include "core/descent.hpp"
#include "core/optimizers.hpp"
#include "core/schedule.hpp"
#include "nn/data_view.hpp"
#include "nn/model.hpp"

namespace trilo::nn {

struct TrainParams {
  OptimizerParams opt;
  LrSchedule schedule;
  InitKind init = InitKind::kTorch;
  std::uint64_t seed = 1;
  std::int64_t batch = 0;       // rows per step; 0: the whole training set
  std::int64_t epochs = 1;      // mini-batch: passes over the training set
  std::int64_t max_steps = 1000;  // full batch: optimizer steps at most
  double tol = 1e-4;            // converged: full-batch gradient norm <= tol
  // The training whose batch order every run takes; -1: each its own. A
  // basin map of initialisations gives every cell the same order (run 0's),
  // so the cells differ by their start alone.
  std::int64_t order_run = -1;
};

struct TrainOutcome {
  double loss = 0, grad_norm = 0, accuracy = 0;  // full training set, at the end
  double test_loss = 0, test_accuracy = 0;       // NaN without a test set
  std::int64_t steps = 0;                        // optimizer updates applied
  DescentStatus status = DescentStatus::kMaxSteps;
};

// Where a traced training reports: every `every`-th step (and the end),
// the full-batch loss and accuracy, and the weights when asked.
struct TraceSink {
  std::int64_t every = 0;  // 0: no trace
  bool weights = false;
  std::vector<std::int64_t> step;
  std::vector<double> loss, accuracy;
  std::vector<double> position;  // step.size() x params when weights
};

// The rows of epoch `epoch`'s batches for training `run`: a permutation of
// [0, rows) by Fisher-Yates with Philox draws.
std::vector<std::int64_t> batch_order(std::uint64_t seed, std::int64_t run, std::int64_t epoch,
                                      std::int64_t rows);

// Trains run `run` from its initial weights (written to start, float64)
// and leaves the final weights in end (float64). Deterministic: a function
// of the inputs, the seed and the run index only. With `start_given` the
// run starts from the weights already in `start` instead of drawing them.
template <class T>
TrainOutcome train_one(const Model& m, const TrainParams& p, const DataView<T>& train,
                       const DataView<T>* test, std::int64_t run, double* start, double* end,
                       TraceSink* trace = nullptr, bool start_given = false);

}  // namespace trilo::nn
