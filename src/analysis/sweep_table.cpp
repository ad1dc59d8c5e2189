#include "analysis/sweep_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "analysis/minima_stats.hpp"
#include "core/descent.hpp"

namespace trilo::analysis {

SweepTable tabulate_sweep(std::string parameter, std::string spacing, std::vector<double> values,
                          std::int64_t n_starts, std::int64_t n_minima,
                          const std::vector<std::int32_t>& labels,
                          const std::vector<std::int8_t>& status,
                          const std::vector<std::int64_t>& steps,
                          const std::vector<std::int32_t>& quenched_labels,
                          const std::vector<std::int8_t>& bounced) {
  return tabulate_sweep({std::move(parameter), std::move(spacing), std::move(values)}, {}, n_starts,
                        n_minima, labels, status, steps, quenched_labels, bounced);
}

SweepTable tabulate_sweep(SweepAxis first, SweepAxis second, std::int64_t n_starts,
                          std::int64_t n_minima, const std::vector<std::int32_t>& labels,
                          const std::vector<std::int8_t>& status,
                          const std::vector<std::int64_t>& steps,
                          const std::vector<std::int32_t>& quenched_labels,
                          const std::vector<std::int8_t>& bounced) {
  SweepTable s;
  s.parameter = std::move(first.parameter);
  s.spacing = std::move(first.spacing);
  s.value = std::move(first.values);
  if (!second.values.empty()) {
    s.parameter2 = std::move(second.parameter);
    s.spacing2 = std::move(second.spacing);
    s.value2 = std::move(second.values);
  }
  s.n_starts = n_starts;
  s.n_minima = n_minima;
  const std::int64_t nv = s.n_settings();
  const auto cells = static_cast<std::size_t>(nv * n_minima);
  s.count.assign(cells, 0);
  s.fraction.assign(cells, 0.0);
  s.fraction_ci_lo.assign(cells, 0.0);
  s.fraction_ci_hi.assign(cells, 0.0);
  s.quenched_count.assign(cells, 0);
  s.quenched_fraction.assign(cells, 0.0);
  s.quenched_fraction_ci_lo.assign(cells, 0.0);
  s.quenched_fraction_ci_hi.assign(cells, 0.0);
  s.fraction_diverged.assign(nv, 0.0);
  s.fraction_max_steps.assign(nv, 0.0);
  s.fraction_bounced.assign(nv, 0.0);
  s.median_steps.assign(nv, 0.0);
  const double n = static_cast<double>(n_starts);
  std::vector<std::int64_t> converged_steps;
  for (std::int64_t v = 0; v < nv; ++v) {
    std::int64_t diverged = 0, max_steps = 0, bouncing = 0;
    converged_steps.clear();
    for (std::int64_t i = v * n_starts; i < (v + 1) * n_starts; ++i) {
      const auto st = static_cast<DescentStatus>(status[i]);
      if (st == DescentStatus::kDiverged) ++diverged;
      if (st == DescentStatus::kMaxSteps) ++max_steps;
      if (st == DescentStatus::kMaxSteps && bounced[i]) ++bouncing;
      if (st == DescentStatus::kConverged) converged_steps.push_back(steps[i]);
      if (labels[i] >= 0) ++s.count[v * n_minima + labels[i]];
      if (quenched_labels[i] >= 0) ++s.quenched_count[v * n_minima + quenched_labels[i]];
    }
    for (std::int64_t j = v * n_minima; j < (v + 1) * n_minima; ++j) {
      s.fraction[j] = n > 0 ? static_cast<double>(s.count[j]) / n : 0.0;
      const Interval ci = wilson_interval(s.count[j], n_starts);
      s.fraction_ci_lo[j] = ci.lo;
      s.fraction_ci_hi[j] = ci.hi;
      s.quenched_fraction[j] = n > 0 ? static_cast<double>(s.quenched_count[j]) / n : 0.0;
      const Interval qi = wilson_interval(s.quenched_count[j], n_starts);
      s.quenched_fraction_ci_lo[j] = qi.lo;
      s.quenched_fraction_ci_hi[j] = qi.hi;
    }
    s.fraction_diverged[v] = n > 0 ? static_cast<double>(diverged) / n : 0.0;
    s.fraction_max_steps[v] = n > 0 ? static_cast<double>(max_steps) / n : 0.0;
    s.fraction_bounced[v] = n > 0 ? static_cast<double>(bouncing) / n : 0.0;
    std::sort(converged_steps.begin(), converged_steps.end());
    s.median_steps[v] = nearest_rank(converged_steps, 50);
  }
  return s;
}

namespace {

// One line per value: the first few points' shares of `fraction` (the rest
// summed as "other"), then diverged, max-steps (and of those bouncing) and
// median steps.
std::string fraction_block(const SweepTable& s, const std::vector<double>& fraction) {
  const std::int64_t shown = std::min<std::int64_t>(s.n_minima, 6);
  const bool other = s.n_minima > shown;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%12s", s.parameter.c_str());
  std::string out = buf;
  if (s.two_dimensional()) {
    std::snprintf(buf, sizeof buf, "  %12s", s.parameter2.c_str());
    out += buf;
  }
  for (std::int64_t j = 0; j < shown; ++j) {
    std::snprintf(buf, sizeof buf, "  %7s", ("#" + std::to_string(j)).c_str());
    out += buf;
  }
  if (other) out += "    other";
  out += "  diverged  max-steps  (bouncing)  median_steps\n";
  const std::int64_t n2 = std::max<std::int64_t>(1, s.n_values2());
  for (std::int64_t v = 0; v < s.n_settings(); ++v) {
    std::snprintf(buf, sizeof buf, "%12.6g", s.value[v / n2]);
    out += buf;
    if (s.two_dimensional()) {
      std::snprintf(buf, sizeof buf, "  %12.6g", s.value2[v % n2]);
      out += buf;
    }
    double rest = 0;
    for (std::int64_t j = 0; j < s.n_minima; ++j) {
      const double f = fraction[v * s.n_minima + j];
      if (j < shown) {
        std::snprintf(buf, sizeof buf, "  %7.4f", f);
        out += buf;
      } else {
        rest += f;
      }
    }
    if (other) {
      std::snprintf(buf, sizeof buf, "  %7.4f", rest);
      out += buf;
    }
    // Files from before the bounce watch have no fraction_bounced: nan.
    const double bounced = s.fraction_bounced.empty() ? std::nan("") : s.fraction_bounced[v];
    std::snprintf(buf, sizeof buf, "  %8.4f  %9.4f  %10.4f  %12.6g\n", s.fraction_diverged[v],
                  s.fraction_max_steps[v], bounced, s.median_steps[v]);
    out += buf;
  }
  return out;
}

}  // namespace

std::string format_sweep_table(const SweepTable& s) {
  std::string what = s.parameter + " (" + s.spacing + ", " + std::to_string(s.n_values()) + " values";
  if (s.two_dimensional())
    what += ") x " + s.parameter2 + " (" + s.spacing2 + ", " + std::to_string(s.n_values2()) +
            " values: " + std::to_string(s.n_settings()) + " settings";
  std::string out = "sweep of " + what + ", " + std::to_string(s.n_starts) +
                    " starts each): fraction of starts converged at each point of the minima "
                    "table\n" +
                    fraction_block(s, s.fraction);
  if (s.quenched_count != s.count)
    out += "where the starts settled (noisy end points quenched without noise):\n" +
           fraction_block(s, s.quenched_fraction);
  return out;
}

}  // namespace trilo::analysis
