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

double nearest_rank(const std::map<std::int64_t, std::int64_t>& histogram, std::int64_t total,
                    double q) {
  if (total <= 0) return kNaN;
  auto rank = static_cast<std::int64_t>(std::ceil(q / 100.0 * static_cast<double>(total)));
  rank = std::clamp<std::int64_t>(rank, 1, total);
  std::int64_t seen = 0;
  for (const auto& [value, count] : histogram) {
    seen += count;
    if (seen >= rank) return static_cast<double>(value);
  }
  return kNaN;  // counts add up to less than total: not reached for a consistent histogram
}

void add_minima_statistics(MinimaTable& t, std::int64_t n_descents, std::int64_t n_cells,
                           const std::vector<std::map<std::int64_t, std::int64_t>>& steps) {
  const auto m = static_cast<std::size_t>(t.n_minima);
  t.fraction_ci_lo.assign(m, kNaN);
  t.fraction_ci_hi.assign(m, kNaN);
  t.basin_fraction_ci_lo.assign(m, kNaN);
  t.basin_fraction_ci_hi.assign(m, kNaN);
  t.steps_p50.assign(m, kNaN);
  t.steps_p90.assign(m, kNaN);
  t.steps_p99.assign(m, kNaN);
  for (std::size_t r = 0; r < m; ++r) {
    const Interval d = wilson_interval(t.count[r], n_descents);
    const Interval b = wilson_interval(t.basin_count[r], n_cells);
    t.fraction_ci_lo[r] = d.lo;
    t.fraction_ci_hi[r] = d.hi;
    t.basin_fraction_ci_lo[r] = b.lo;
    t.basin_fraction_ci_hi[r] = b.hi;
    std::int64_t total = 0;
    for (const auto& kv : steps[r]) total += kv.second;
    t.steps_p50[r] = nearest_rank(steps[r], total, 50);
    t.steps_p90[r] = nearest_rank(steps[r], total, 90);
    t.steps_p99[r] = nearest_rank(steps[r], total, 99);
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
