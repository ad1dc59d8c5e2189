#include "analysis/minima_stats.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace trilo::analysis {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

Interval wilson_interval(std::int64_t k, std::int64_t n, double z) {
  if (n <= 0) return {kNaN, kNaN};
  const double nn = static_cast<double>(n), p = static_cast<double>(k) / nn, z2 = z * z;
  const double denom = 1.0 + z2 / nn;
  const double centre = (p + z2 / (2.0 * nn)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
  Interval iv{std::max(0.0, centre - half), std::min(1.0, centre + half)};
  // At k = 0 (k = n) the bound is 0 (1) in exact arithmetic; say so exactly.
  if (k == 0) iv.lo = 0.0;
  if (k == n) iv.hi = 1.0;
  return iv;
}

double nearest_rank(const std::vector<std::int64_t>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const double n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::int64_t>(std::ceil(q / 100.0 * n));
  rank = std::clamp<std::int64_t>(rank, 1, static_cast<std::int64_t>(sorted.size()));
  return static_cast<double>(sorted[rank - 1]);
}

void add_minima_statistics(MergeResult& res, const EndPoints& descents, const EndPoints& basins) {
  MinimaTable& t = res.table;
  const auto m = static_cast<std::size_t>(t.n_minima);
  t.fraction_ci_lo.assign(m, kNaN);
  t.fraction_ci_hi.assign(m, kNaN);
  t.basin_fraction_ci_lo.assign(m, kNaN);
  t.basin_fraction_ci_hi.assign(m, kNaN);
  for (std::size_t r = 0; r < m; ++r) {
    const Interval d = wilson_interval(t.count[r], descents.n);
    const Interval b = wilson_interval(t.basin_count[r], basins.n);
    t.fraction_ci_lo[r] = d.lo;
    t.fraction_ci_hi[r] = d.hi;
    t.basin_fraction_ci_lo[r] = b.lo;
    t.basin_fraction_ci_hi[r] = b.hi;
  }

  // Steps per point, from the descents (or the basin cells without descents).
  const bool use_descents = descents.n > 0;
  const EndPoints& src = use_descents ? descents : basins;
  const std::vector<std::int32_t>& labels = use_descents ? res.descent_labels : res.basin_labels;
  std::vector<std::vector<std::int64_t>> steps(m);
  for (std::int64_t i = 0; i < src.n; ++i)
    if (labels[i] >= 0) steps[labels[i]].push_back(src.steps[i]);
  t.steps_p50.assign(m, kNaN);
  t.steps_p90.assign(m, kNaN);
  t.steps_p99.assign(m, kNaN);
  for (std::size_t r = 0; r < m; ++r) {
    std::sort(steps[r].begin(), steps[r].end());
    t.steps_p50[r] = nearest_rank(steps[r], 50);
    t.steps_p90[r] = nearest_rank(steps[r], 90);
    t.steps_p99[r] = nearest_rank(steps[r], 99);
  }
}

std::string format_minima_statistics(const MinimaTable& t) {
  const auto m = static_cast<std::size_t>(t.n_minima);
  if (m == 0 || t.fraction_ci_lo.size() != m || t.steps_p50.size() != m) return "";
  char line[256];
  std::snprintf(line, sizeof line, "%3s  %8s  %19s  %8s  %19s  %9s  %9s  %9s\n", "#", "fraction",
                "95% interval", "basin", "95% interval", "steps_p50", "steps_p90", "steps_p99");
  std::string out = line;
  for (std::size_t r = 0; r < m; ++r) {
    std::snprintf(line, sizeof line,
                  "%3zu  %8.4f  [%7.4f, %7.4f]  %8.4f  [%7.4f, %7.4f]  %9.0f  %9.0f  %9.0f\n", r,
                  t.fraction[r], t.fraction_ci_lo[r], t.fraction_ci_hi[r], t.basin_fraction[r],
                  t.basin_fraction_ci_lo[r], t.basin_fraction_ci_hi[r], t.steps_p50[r],
                  t.steps_p90[r], t.steps_p99[r]);
    out += line;
  }
  return out;
}

}  // namespace trilo::analysis
