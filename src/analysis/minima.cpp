#include "analysis/minima.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/points.hpp"
#include "analysis/minima_stats.hpp"
#include "core/descent.hpp"

namespace trilo::analysis {

const char* kind_name(PointKind k) {
  switch (k) {
    case PointKind::kMinimum: return "minimum";
    case PointKind::kSaddle: return "saddle";
    case PointKind::kDegenerate: return "degenerate";
    case PointKind::kMaximum: return "maximum";
  }
  return "?";
}

namespace {

using detail::Clusters;
using detail::Local;
using detail::Vec;

bool converged(const EndPoints& e, std::int64_t i) {
  return e.status[i] == static_cast<std::int8_t>(DescentStatus::kConverged);
}

}  // namespace

MergeResult merge_minima(const LandscapeSpec& land, const std::vector<double>& box_lo,
                         const std::vector<double>& box_hi, const EndPoints& descents,
                         const EndPoints& basins, const MergeOptions& opt) {
  const int n = land.dim;
  const double tol = detail::effective_merge_tol(opt.merge_tol, box_lo, box_hi);

  // 1. Raw clusters, in index order: descents first, then basin cells.
  Clusters raw(n, tol);
  std::vector<int> d_raw(descents.n, -1), b_raw(basins.n, -1);
  for (std::int64_t i = 0; i < descents.n; ++i)
    if (converged(descents, i)) d_raw[i] = raw.assign(descents.end + i * n);
  for (std::int64_t i = 0; i < basins.n; ++i)
    if (converged(basins, i)) b_raw[i] = raw.assign(basins.end + i * n);

  // 2. Polish each cluster's first member; clusters whose polished points
  // coincide (within tol) become one.
  Clusters merged(n, tol);
  std::vector<int> raw_to_merged(raw.size());
  std::vector<Vec> points;
  for (int c = 0; c < raw.size(); ++c) {
    Vec x = Eigen::Map<const Vec>(raw.rep(c), n);
    if (opt.polish) x = detail::polish(land, x, tol);
    int m = merged.assign(x.data());
    if (m == static_cast<int>(points.size())) points.push_back(x);
    raw_to_merged[c] = m;
  }

  // 3. Describe each point, then sort by loss (ties by position).
  const int m = static_cast<int>(points.size());
  std::vector<Local> local;
  std::vector<double> value;
  local.reserve(m);
  for (const Vec& x : points) {
    local.push_back(detail::evaluate(land, x));
    value.push_back(local.back().value);
  }
  const std::vector<int> order = detail::loss_order(value, points, tol);
  std::vector<int> rank(m);
  for (int r = 0; r < m; ++r) rank[order[r]] = r;

  MergeResult out;
  MinimaTable& t = out.table;
  t.dim = n;
  t.n_minima = m;
  t.merge_tol = tol;
  t.count.assign(m, 0);
  t.fraction.assign(m, 0.0);
  t.mean_steps.assign(m, 0.0);
  t.basin_count.assign(m, 0);
  t.basin_fraction.assign(m, 0.0);
  detail::fill_point_rows(points, local, order, opt.eig_rel_tol,
                          {t.position, t.loss, t.grad_norm, t.eigenvalues, t.kind});

  t.curvature = minima_curvature(land, m, t.position, t.eigenvalues, t.kind, opt.curvature);

  // 4. Labels and statistics.
  out.descent_labels.assign(descents.n, -1);
  for (std::int64_t i = 0; i < descents.n; ++i) {
    if (d_raw[i] < 0) continue;
    const int r = rank[raw_to_merged[d_raw[i]]];
    out.descent_labels[i] = r;
    ++t.count[r];
    t.mean_steps[r] += static_cast<double>(descents.steps[i]);
  }
  out.basin_labels.assign(basins.n, -1);
  for (std::int64_t i = 0; i < basins.n; ++i) {
    if (b_raw[i] < 0) continue;
    const int r = rank[raw_to_merged[b_raw[i]]];
    out.basin_labels[i] = r;
    ++t.basin_count[r];
    if (descents.n == 0) t.mean_steps[r] += static_cast<double>(basins.steps[i]);
  }
  for (int r = 0; r < m; ++r) {
    // Mean steps over the descents, or over the basin cells when there are none.
    const std::int64_t counted = descents.n > 0 ? t.count[r] : t.basin_count[r];
    if (counted > 0) t.mean_steps[r] /= static_cast<double>(counted);
    if (descents.n > 0) t.fraction[r] = double(t.count[r]) / double(descents.n);
    if (basins.n > 0) t.basin_fraction[r] = double(t.basin_count[r]) / double(basins.n);
  }
  add_minima_statistics(out, descents, basins);
  return out;
}

}  // namespace trilo::analysis
