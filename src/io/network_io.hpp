// The groups of a network landscape's result file (docs/format.md,
// "Network files"): /descents with one row per training (weights as n x P),
// /minima as functions with their weights and curvature, /network with the
// model and the probe rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/hdf5_util.hpp"
#include "io/result_writer.hpp"

namespace trilo::io {

// Rows [first, first + count) of /descents.
struct TrainingRows {
  std::int64_t first = 0, count = 0;
  std::vector<double> start, end;  // count x params; empty when weights are not recorded
  std::vector<double> loss, grad_norm, accuracy, test_loss, test_accuracy;
  std::vector<std::int64_t> steps;
  std::vector<std::int8_t> status;
};

struct NetworkMinima {
  std::int64_t params = 0;
  std::vector<double> loss, accuracy, test_loss, test_accuracy;  // of the representative
  std::vector<double> mean_accuracy, mean_test_accuracy;         // over the members
  std::vector<std::int64_t> count, converged, first_run;
  std::vector<double> fraction, mean_steps;
  std::vector<double> weights;   // n x params: the representative's end point
  int hessian_top = 0;
  std::vector<double> hessian;   // n x hessian_top, descending; NaN where not computed
  std::vector<double> trace;     // Hutchinson estimate; empty when not asked
  std::int64_t size() const { return static_cast<std::int64_t>(count.size()); }
};

// The recorded path of one traced training: every --trace-every-th step
// (and the end), full-batch loss and accuracy, and the weights when asked.
struct TrainingTrace {
  std::int64_t run = 0;
  std::vector<std::int64_t> step;
  std::vector<double> loss, accuracy;
  std::vector<double> weights;  // step.size() x params, or empty
};

class NetworkWriter {
 public:
  NetworkWriter(ResultWriter& file, std::int64_t runs, std::int64_t params, bool weights, bool test);
  // Rows [r.first, r.first + r.count); may be called from another thread
  // than the writer's (one at a time: the chunk driver writes a chunk while
  // the next one trains).
  void write_rows(const TrainingRows& r);
  // The minimum of every run (-1: diverged), once all are known.
  void write_labels(const std::vector<std::int32_t>& minimum);
  void write_minima(const NetworkMinima& m);
  void write_network(const Attributes& a, const std::vector<std::int64_t>& probe_rows);
  // /trajectories: the traced trainings, rows padded to the longest.
  void write_traces(const std::vector<TrainingTrace>& t);

 private:
  hid_t file_;
  std::int64_t runs_, params_;
  bool weights_, test_;
  h5::Handle group_, run_scale_, param_scale_;
  h5::Handle start_, end_, loss_, grad_norm_, accuracy_, test_loss_, test_accuracy_, steps_, status_;
};

// What a network sweep adds to /sweep, per setting (value, or pair of
// values), over that setting's trainings that did not diverge; NaN where
// every one diverged.
struct NetworkSweepOutcomes {
  std::vector<double> fraction_converged;
  std::vector<std::int64_t> minima_reached;  // distinct minima among the setting's trainings
  std::vector<double> mean_loss, median_loss, mean_accuracy, median_accuracy;
  // Empty without a test set.
  std::vector<double> mean_test_loss, median_test_loss, mean_test_accuracy, median_test_accuracy;
};

// /sweep of a network sweep: the table every sweep writes (docs/format.md),
// then `o` over the same value (and value2) scales.
void write_network_sweep(ResultWriter& file, const analysis::SweepTable& s, const NetworkSweepOutcomes& o);

// Reads /minima and /descents/status of a network file.
void read_network(hid_t file, NetworkMinima& m, std::vector<std::int8_t>& status);
// The text `trilobite info` prints for a network file's minima.
std::string describe_network(const NetworkMinima& m, const std::vector<std::int8_t>& status);

}  // namespace trilo::io
