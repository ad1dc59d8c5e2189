#include "analysis/critical_accumulator.hpp"

#include <algorithm>

#include "core/descent.hpp"

namespace trilo::analysis {

namespace {

using detail::Vec;

bool inside(const Vec& x, const std::vector<double>& lo, const std::vector<double>& hi) {
  for (int i = 0; i < x.size(); ++i)
    if (!(x[i] >= lo[i] && x[i] <= hi[i])) return false;
  return true;
}

}  // namespace

CriticalAccumulator::CriticalAccumulator(int dim, double tol)
    : dim_(dim), tol_(tol), raw_(dim, tol) {}

void CriticalAccumulator::add(const EndPoints& e) {
  // Raw clusters of converged end points, in index order.
  for (std::int64_t i = 0; i < e.n; ++i)
    raw_of_.push_back(e.status[i] == static_cast<std::int8_t>(DescentStatus::kConverged)
                          ? raw_.assign(e.end + i * dim_)
                          : -1);
}

CriticalResult CriticalAccumulator::finish(const LandscapeSpec& land,
                                           const std::vector<double>& box_lo,
                                           const std::vector<double>& box_hi,
                                           const MergeOptions& opt) const {
  const int n = dim_;
  const double tol = tol_;
  CriticalResult out;
  CriticalTable& t = out.table;
  t.dim = n;
  t.merge_tol = tol;
  t.n_starts = searches();
  t.method = "levenberg-marquardt";

  // Polish; keep points inside the box; re-merge coincident ones.
  detail::Clusters merged(n, tol);
  std::vector<int> raw_to_merged(raw_.size(), -1);
  std::vector<Vec> points;
  for (int c = 0; c < raw_.size(); ++c) {
    Vec x = Eigen::Map<const Vec>(raw_.rep(c), n);
    if (opt.polish) x = detail::polish(land, x, tol);
    if (!inside(x, box_lo, box_hi)) continue;
    const int m = merged.assign(x.data());
    if (m == static_cast<int>(points.size())) points.push_back(x);
    raw_to_merged[c] = m;
  }

  // Describe; flat points become plateaus, the rest rows sorted by loss.
  std::vector<detail::Local> all_local;
  for (const Vec& x : points) all_local.push_back(detail::evaluate(land, x));
  detail::PlateauSplit split = detail::split_plateaus(
      points, all_local, landscape_scale(land, box_lo, box_hi), opt.flat_rel_tol);
  t.plateaus = std::move(split.plateaus);
  const int m = static_cast<int>(split.kept.size());
  const detail::KeptRows rows = detail::kept_rows(split, points, all_local, tol);
  const std::vector<int>& kept_of = rows.kept_of;
  const std::vector<Vec>& kept = rows.points;
  const std::vector<detail::Local>& local = rows.local;
  const std::vector<int>& order = rows.order;
  const std::vector<int>& rank = rows.rank;

  t.n_points = m;
  t.count.assign(m, 0);
  const std::vector<detail::Inertia> inertias =
      detail::fill_point_rows(kept, local, order, opt.eig_rel_tol,
                              {t.position, t.loss, t.grad_norm, t.eigenvalues, t.kind});
  t.morse_index.resize(m);
  for (int r = 0; r < m; ++r) {
    const PointKind k = static_cast<PointKind>(t.kind[r]);
    const detail::Inertia& in = inertias[r];
    t.morse_index[r] = in.negative;
    switch (k) {
      case PointKind::kMinimum: ++t.n_minima; break;
      case PointKind::kSaddle: ++t.n_saddles; break;
      case PointKind::kMaximum: ++t.n_maxima; break;
      case PointKind::kDegenerate: ++t.n_degenerate; break;
    }
    // Degenerate points (a zero eigenvalue, or non-finite) have no index sign.
    if (k != PointKind::kDegenerate && in.zero == 0)
      t.euler_characteristic += in.negative % 2 == 0 ? 1 : -1;
  }
  t.curvature = minima_curvature(land, m, t.position, t.eigenvalues, t.kind, opt.curvature);

  // Labels and counts.
  out.labels.assign(raw_of_.size(), -1);
  for (std::size_t i = 0; i < raw_of_.size(); ++i) {
    const std::int32_t c = raw_of_[i];
    if (c < 0 || raw_to_merged[c] < 0) {
      if (c >= 0) ++t.n_outside;
      continue;
    }
    const int p = raw_to_merged[c];
    if (split.plateau_of[p] >= 0) {
      ++t.plateaus[split.plateau_of[p]].count;
      continue;
    }
    const int r = rank[kept_of[p]];
    out.labels[i] = r;
    ++t.count[r];
  }
  return out;
}

}  // namespace trilo::analysis
