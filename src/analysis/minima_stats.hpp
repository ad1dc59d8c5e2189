// Uncertainty of the basin fractions and the spread of convergence times:
// the MinimaTable columns fraction_ci_*, basin_fraction_ci_*, steps_p*.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/minima.hpp"

namespace trilo::analysis {

// z of a two-sided 95% normal interval.
inline constexpr double kZ95 = 1.959963984540054;

struct Interval {
  double lo, hi;
};

// Wilson score interval of a binomial proportion k / n (E. B. Wilson,
// J. Am. Stat. Assoc. 22, 209 (1927)): (p + z^2/2n -+ z sqrt(p(1-p)/n +
// z^2/4n^2)) / (1 + z^2/n), clamped to [0, 1], with lo exactly 0 when k = 0
// and hi exactly 1 when k = n. NaN for both when n = 0 (no trials).
Interval wilson_interval(std::int64_t k, std::int64_t n, double z = kZ95);

// Nearest-rank percentile: the smallest value v of `sorted` (ascending) such
// that at least q% of the values are <= v, i.e. sorted[ceil(q n / 100) - 1]
// (the first value for q = 0). NaN when empty.
double nearest_rank(const std::vector<std::int64_t>& sorted, double q);

// The same from a histogram (steps -> how many), with `total` values in all.
double nearest_rank(const std::map<std::int64_t, std::int64_t>& histogram, std::int64_t total,
                    double q);

// Fills the interval and percentile columns of `t`: fraction_ci_* over
// n_descents trials, basin_fraction_ci_* over n_cells, steps_p50/p90/p99
// from steps[row], the histogram of the steps of the converged descents of
// each row (of its basin cells when there are no descents, as mean_steps).
void add_minima_statistics(MinimaTable& t, std::int64_t n_descents, std::int64_t n_cells,
                           const std::vector<std::map<std::int64_t, std::int64_t>>& steps);

// The intervals and percentiles, one line per point (empty when the table
// has none of these columns, as in files written before them).
std::string format_minima_statistics(const MinimaTable& t);

}  // namespace trilo::analysis
