#include "analysis/minima.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>

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

using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;

// Exact float64 value, gradient and Hessian of the landscape at x.
struct Local {
  double value;
  Vec grad;
  Mat hess;
};

Local evaluate(const LandscapeSpec& spec, const Vec& x) {
  const int n = spec.dim;
  Local r{0.0, Vec(n), Mat(n, n)};
  with_landscape(spec, [&](auto land) {
    r.value = land.value_grad(x.data(), r.grad.data());
    hessian(land, x.data(), r.hess.data());  // symmetric: storage order is irrelevant
  });
  return r;
}

// Newton's method on the gradient, from a converged end point. Directions of
// near-zero curvature are left alone (pseudo-inverse), so saddles and flat
// valleys stay put instead of flying off. The result is kept only if it
// stays within `radius` of the start and lowers the gradient norm.
Vec polish(const LandscapeSpec& spec, const Vec& x0, double radius) {
  Vec x = x0;
  Local at = evaluate(spec, x);
  const double g0 = at.grad.norm();
  for (int it = 0; it < 50 && at.grad.allFinite() && at.hess.allFinite(); ++it) {
    Eigen::SelfAdjointEigenSolver<Mat> eig(at.hess);
    const Vec& lam = eig.eigenvalues();
    const double cut = 1e-10 * std::max(1.0, lam.cwiseAbs().maxCoeff());
    Vec coef = eig.eigenvectors().transpose() * at.grad;
    for (int i = 0; i < coef.size(); ++i) coef[i] = std::abs(lam[i]) > cut ? coef[i] / lam[i] : 0.0;
    Vec next = x - eig.eigenvectors() * coef;
    Local at_next = evaluate(spec, next);
    if (!(at_next.grad.norm() < at.grad.norm())) break;
    x = next;
    at = at_next;
  }
  if ((x - x0).norm() <= radius && at.grad.norm() <= g0 && x.allFinite()) return x;
  return x0;
}

PointKind classify(const Vec& lam, double rel_tol) {
  if (!lam.allFinite()) return PointKind::kDegenerate;
  const double eps = rel_tol * std::max(1.0, lam.cwiseAbs().maxCoeff());
  int neg = 0, zero = 0;
  for (int i = 0; i < lam.size(); ++i) {
    if (lam[i] < -eps) ++neg;
    else if (lam[i] <= eps) ++zero;
  }
  if (neg == lam.size()) return PointKind::kMaximum;
  if (neg > 0) return PointKind::kSaddle;
  if (zero > 0) return PointKind::kDegenerate;
  return PointKind::kMinimum;
}

// Clusters of end points: a point joins the nearest cluster whose first
// member lies within tol, found through a hash of the first (up to) three
// coordinates on cells of size tol, so only 3^k neighbouring cells are read.
class Clusters {
 public:
  Clusters(int dim, double tol) : dim_(dim), tol_(tol), k_(std::min(dim, 3)) {}

  int assign(const double* x) {
    Key home = key_of(x);
    int best = -1;
    double best_d2 = tol_ * tol_;
    const int cells = k_ == 1 ? 3 : k_ == 2 ? 9 : 27;
    for (int c = 0; c < cells; ++c) {
      Key key = home;
      int code = c;
      for (int i = 0; i < k_; ++i, code /= 3) key[i] += code % 3 - 1;
      auto it = cells_.find(key);
      if (it == cells_.end()) continue;
      for (int id : it->second) {
        double d2 = 0;
        for (int i = 0; i < dim_; ++i) d2 += (rep_[id * dim_ + i] - x[i]) * (rep_[id * dim_ + i] - x[i]);
        if (d2 <= best_d2 && (best < 0 || d2 < best_d2 || id < best)) {
          best = id;
          best_d2 = d2;
        }
      }
    }
    if (best >= 0) return best;
    int id = static_cast<int>(rep_.size() / dim_);
    rep_.insert(rep_.end(), x, x + dim_);
    cells_[home].push_back(id);
    return id;
  }
  int size() const { return static_cast<int>(rep_.size() / dim_); }
  const double* rep(int id) const { return &rep_[id * dim_]; }

 private:
  using Key = std::array<long long, 3>;
  Key key_of(const double* x) const {
    Key k{0, 0, 0};
    for (int i = 0; i < k_; ++i) k[i] = static_cast<long long>(std::floor(x[i] / tol_));
    return k;
  }
  int dim_;
  double tol_;
  int k_;
  std::vector<double> rep_;
  std::map<Key, std::vector<int>> cells_;
};

bool converged(const EndPoints& e, std::int64_t i) {
  return e.status[i] == static_cast<std::int8_t>(DescentStatus::kConverged);
}

}  // namespace

MergeResult merge_minima(const LandscapeSpec& land, const std::vector<double>& box_lo,
                         const std::vector<double>& box_hi, const EndPoints& descents,
                         const EndPoints& basins, const MergeOptions& opt) {
  const int n = land.dim;
  double tol = opt.merge_tol;
  if (!(tol > 0)) {
    double diag2 = 0;
    for (int i = 0; i < n; ++i) diag2 += (box_hi[i] - box_lo[i]) * (box_hi[i] - box_lo[i]);
    tol = 1e-3 * std::sqrt(diag2);
  }

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
    if (opt.polish) x = polish(land, x, tol);
    int m = merged.assign(x.data());
    if (m == static_cast<int>(points.size())) points.push_back(x);
    raw_to_merged[c] = m;
  }

  // 3. Describe each point, then sort by loss (ties by position).
  const int m = static_cast<int>(points.size());
  std::vector<Local> local;
  local.reserve(m);
  for (const Vec& x : points) local.push_back(evaluate(land, x));
  std::vector<int> order(m);
  std::iota(order.begin(), order.end(), 0);
  // Values within rounding of each other (symmetric minima, or the same
  // minimum through another backend or formula) are ties, ordered by position
  // with coordinates closer than tol / 2 taken as equal, so the order does
  // not flip with the last bits of the arithmetic.
  std::sort(order.begin(), order.end(), [&](int a, int b) { return local[a].value < local[b].value; });
  auto by_position = [&](int a, int b) {
    for (int i = 0; i < n; ++i)
      if (std::abs(points[a][i] - points[b][i]) > 0.5 * tol) return points[a][i] < points[b][i];
    return false;
  };
  for (size_t lo = 0; lo < order.size();) {
    size_t hi = lo + 1;
    const double v = local[order[lo]].value;
    while (hi < order.size() && local[order[hi]].value - v <= 1e-9 * std::max(1.0, std::abs(v))) ++hi;
    std::stable_sort(order.begin() + lo, order.begin() + hi, by_position);
    lo = hi;
  }
  std::vector<int> rank(m);
  for (int r = 0; r < m; ++r) rank[order[r]] = r;

  MergeResult out;
  MinimaTable& t = out.table;
  t.dim = n;
  t.n_minima = m;
  t.merge_tol = tol;
  t.position.resize(static_cast<size_t>(m) * n);
  t.eigenvalues.resize(static_cast<size_t>(m) * n);
  t.loss.resize(m);
  t.grad_norm.resize(m);
  t.kind.resize(m);
  t.count.assign(m, 0);
  t.fraction.assign(m, 0.0);
  t.mean_steps.assign(m, 0.0);
  t.basin_count.assign(m, 0);
  t.basin_fraction.assign(m, 0.0);
  for (int r = 0; r < m; ++r) {
    const int p = order[r];
    std::copy(points[p].data(), points[p].data() + n, t.position.begin() + r * n);
    t.loss[r] = local[p].value;
    t.grad_norm[r] = local[p].grad.norm();
    Vec lam = local[p].hess.allFinite()
                  ? Vec(Eigen::SelfAdjointEigenSolver<Mat>(local[p].hess, Eigen::EigenvaluesOnly)
                            .eigenvalues())
                  : Vec::Constant(n, std::nan(""));
    std::copy(lam.data(), lam.data() + n, t.eigenvalues.begin() + r * n);
    t.kind[r] = static_cast<std::int8_t>(classify(lam, opt.eig_rel_tol));
  }

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
