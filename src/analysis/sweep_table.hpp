// What a hyperparameter sweep measured, per value of the varied setting (or
// per pair of values of two settings: a 2-D sweep): the share of starts
// ending in each point of one global minima table, with Wilson intervals,
// and the shares that diverged or ran out of steps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trilo::analysis {

// One varied setting and its values.
struct SweepAxis {
  std::string parameter;  // empty: none (the second axis of a 1-D sweep)
  std::string spacing = "linear";
  std::vector<double> values;
};

// Rows below are settings: one per value of `value` in a 1-D sweep; in a
// 2-D sweep one per pair, setting s = i * n_values2() + j for value[i] and
// value2[j] (the first setting outer).
struct SweepTable {
  std::string parameter;           // e.g. "lr"
  std::string spacing = "linear";  // "linear" or "log"
  std::int64_t n_starts = 0;       // descents per setting (the same starts for every one)
  std::int64_t n_minima = 0;       // columns: rows of the global MinimaTable
  std::vector<double> value;       // n_values, ascending
  std::string parameter2, spacing2;  // the second setting of a 2-D sweep; empty otherwise
  std::vector<double> value2;        // n_values2, ascending; empty in a 1-D sweep
  // n_settings x n_minima, row-major:
  std::vector<std::int64_t> count;
  std::vector<double> fraction;  // count / n_starts
  std::vector<double> fraction_ci_lo, fraction_ci_hi;  // 95% Wilson
  // Where each start settles: its end point descended again without noise
  // (a quench) when the value ran with noise, else the descent itself. With
  // noise a descent rarely meets the gradient tolerance, so this is what
  // measures which valley noisy descents end up in.
  std::vector<std::int64_t> quenched_count;
  std::vector<double> quenched_fraction, quenched_fraction_ci_lo, quenched_fraction_ci_hi;
  // n_settings:
  std::vector<double> fraction_diverged;
  std::vector<double> fraction_max_steps;
  // Of those, the share that ran out of steps bouncing: the update reversed
  // its direction at each of the last kBounceWindow steps (src/core/
  // descent.hpp), a rate past the stability limit rather than a slow one.
  std::vector<double> fraction_bounced;
  std::vector<double> median_steps;  // nearest-rank 50th percentile over converged descents; NaN if none

  std::int64_t n_values() const { return static_cast<std::int64_t>(value.size()); }
  std::int64_t n_values2() const { return static_cast<std::int64_t>(value2.size()); }
  bool two_dimensional() const { return !value2.empty(); }
  std::int64_t n_settings() const { return two_dimensional() ? n_values() * n_values2() : n_values(); }
};

// Tabulates descents run for every setting: labels (index into the global
// minima table, -1 unless converged), status (DescentStatus) and steps, each
// n_settings x n_starts, row-major by setting; quenched_labels likewise (the
// settled point of each start, -1 when none), and bounced (1 where a
// descent ran out of steps bouncing). `second` without values: a 1-D sweep.
SweepTable tabulate_sweep(SweepAxis first, SweepAxis second, std::int64_t n_starts,
                          std::int64_t n_minima, const std::vector<std::int32_t>& labels,
                          const std::vector<std::int8_t>& status,
                          const std::vector<std::int64_t>& steps,
                          const std::vector<std::int32_t>& quenched_labels,
                          const std::vector<std::int8_t>& bounced);
// A 1-D sweep.
SweepTable tabulate_sweep(std::string parameter, std::string spacing, std::vector<double> values,
                          std::int64_t n_starts, std::int64_t n_minima,
                          const std::vector<std::int32_t>& labels,
                          const std::vector<std::int8_t>& status,
                          const std::vector<std::int64_t>& steps,
                          const std::vector<std::int32_t>& quenched_labels,
                          const std::vector<std::int8_t>& bounced);

// A table for the run summary and `trilobite info`: one line per setting
// (its value, or both values), the first few points' fractions, then
// diverged, max-steps and median steps.
std::string format_sweep_table(const SweepTable& s);

}  // namespace trilo::analysis
