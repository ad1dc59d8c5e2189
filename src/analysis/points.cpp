#include "analysis/points.hpp"

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <numeric>

#include "core/cell_key.hpp"

namespace trilo::analysis::detail {

Local evaluate(const LandscapeSpec& spec, const Vec& x) {
  const int n = spec.dim;
  Local r{0.0, Vec(n), Mat(n, n)};
  with_landscape(spec, [&](auto land) {
    r.value = land.value_grad(x.data(), r.grad.data());
    hessian(land, x.data(), r.hess.data());  // symmetric: storage order is irrelevant
  });
  return r;
}

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

Vec eigenvalues(const Mat& hess) {
  if (!hess.allFinite()) return Vec::Constant(hess.rows(), std::nan(""));
  return Eigen::SelfAdjointEigenSolver<Mat>(hess, Eigen::EigenvaluesOnly).eigenvalues();
}

Inertia inertia(const Vec& lam, double rel_tol) {
  const double eps = rel_tol * std::max(1.0, lam.cwiseAbs().maxCoeff());
  Inertia r;
  for (int i = 0; i < lam.size(); ++i) {
    if (lam[i] < -eps) ++r.negative;
    else if (lam[i] <= eps) ++r.zero;
  }
  return r;
}

PointKind classify(const Vec& lam, double rel_tol) {
  if (!lam.allFinite()) return PointKind::kDegenerate;
  const Inertia in = inertia(lam, rel_tol);
  if (in.negative == lam.size()) return PointKind::kMaximum;
  if (in.negative > 0) return PointKind::kSaddle;
  if (in.zero > 0) return PointKind::kDegenerate;
  return PointKind::kMinimum;
}

double effective_merge_tol(double tol, const std::vector<double>& lo, const std::vector<double>& hi) {
  if (tol > 0) return tol;
  double diag2 = 0;
  for (std::size_t i = 0; i < lo.size(); ++i) diag2 += (hi[i] - lo[i]) * (hi[i] - lo[i]);
  return 1e-3 * std::sqrt(diag2);
}

Clusters::Clusters(int dim, double tol) : dim_(dim), tol_(tol), k_(std::min(dim, kCellAxes)) {}

Clusters::Key Clusters::key_of(const double* x) const {
  const CellKey c = cell_key(x, dim_, tol_);  // the device reduction's key too
  return {c.k[0], c.k[1], c.k[2]};
}

int Clusters::assign(const double* x) {
  const int best = nearest(x);
  return best >= 0 ? best : append(x);
}

std::size_t Clusters::KeyHash::operator()(const Key& k) const {
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  for (long long v : k) h = (h ^ static_cast<std::uint64_t>(v)) * 0xff51afd7ed558ccdull;
  return static_cast<std::size_t>(h ^ (h >> 32));
}

template <class F>
void Clusters::for_each_near(const Key& home, F&& f) const {
  const int cells = k_ == 1 ? 3 : k_ == 2 ? 9 : 27;
  for (int c = 0; c < cells; ++c) {
    Key key = home;
    int code = c;
    for (int i = 0; i < k_; ++i, code /= 3) key[i] += code % 3 - 1;
    const auto it = cells_.find(key);
    if (it != cells_.end()) f(it->second);
  }
}

void Clusters::closer(const double* x, const std::vector<int>& ids, int& best, double& best_d2) const {
  for (int id : ids) {
    const double* r = &rep_[static_cast<std::size_t>(id) * dim_];
    double d2 = 0;
    for (int i = 0; i < dim_; ++i) d2 += (r[i] - x[i]) * (r[i] - x[i]);
    if (d2 <= best_d2 && (best < 0 || d2 < best_d2 || id < best)) {
      best = id;
      best_d2 = d2;
    }
  }
}

int Clusters::nearest(const double* x) const {
  int best = -1;
  double best_d2 = tol_ * tol_;
  for_each_near(key_of(x), [&](const std::vector<int>& ids) { closer(x, ids, best, best_d2); });
  return best;
}

std::vector<int> Clusters::near(const double* x) const {
  std::vector<int> out;
  for_each_near(key_of(x), [&out](const std::vector<int>& ids) { out.insert(out.end(), ids.begin(), ids.end()); });
  return out;
}

int Clusters::Finder::operator()(const double* x) {
  const Key home = c_.key_of(x);
  Entry& e = cache_[KeyHash{}(home) % cache_.size()];
  if (!e.used || e.key != home) {
    e.used = true;
    e.key = home;
    e.ids.clear();
    c_.for_each_near(home, [&e](const std::vector<int>& ids) { e.ids.insert(e.ids.end(), ids.begin(), ids.end()); });
  }
  int best = -1;
  double best_d2 = c_.tol_ * c_.tol_;
  c_.closer(x, e.ids, best, best_d2);
  return best;
}

int Clusters::append(const double* x) {
  const int id = size();
  rep_.insert(rep_.end(), x, x + dim_);
  cells_[key_of(x)].push_back(id);
  return id;
}

std::vector<int> loss_order(const std::vector<double>& value, const std::vector<Vec>& points,
                            double tol) {
  const int m = static_cast<int>(value.size());
  std::vector<int> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return value[a] < value[b]; });
  auto by_position = [&](int a, int b) {
    for (int i = 0; i < points[a].size(); ++i)
      if (std::abs(points[a][i] - points[b][i]) > 0.5 * tol) return points[a][i] < points[b][i];
    return false;
  };
  for (size_t lo = 0; lo < order.size();) {
    size_t hi = lo + 1;
    const double v = value[order[lo]];
    while (hi < order.size() && value[order[hi]] - v <= 1e-9 * std::max(1.0, std::abs(v))) ++hi;
    std::stable_sort(order.begin() + lo, order.begin() + hi, by_position);
    lo = hi;
  }
  return order;
}

std::vector<Inertia> fill_point_rows(const std::vector<Vec>& points, const std::vector<Local>& local,
                                     const std::vector<int>& order, double eig_rel_tol,
                                     const PointColumns& out) {
  const int m = static_cast<int>(order.size());
  const int n = m > 0 ? static_cast<int>(points[0].size()) : 0;
  out.position.resize(static_cast<std::size_t>(m) * n);
  out.eigenvalues.resize(static_cast<std::size_t>(m) * n);
  out.loss.resize(m);
  out.grad_norm.resize(m);
  out.kind.resize(m);
  std::vector<Inertia> inertias(m);
  for (int r = 0; r < m; ++r) {
    const int p = order[r];
    std::copy(points[p].data(), points[p].data() + n, out.position.begin() + r * n);
    out.loss[r] = local[p].value;
    out.grad_norm[r] = local[p].grad.norm();
    const Vec lam = eigenvalues(local[p].hess);
    std::copy(lam.data(), lam.data() + n, out.eigenvalues.begin() + r * n);
    out.kind[r] = static_cast<std::int8_t>(classify(lam, eig_rel_tol));
    inertias[r] = inertia(lam, eig_rel_tol);
  }
  return inertias;
}

}  // namespace trilo::analysis::detail
