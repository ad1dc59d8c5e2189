#include "analysis/lanczos.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <type_traits>

namespace trilo::analysis {

namespace {

using Vec = Eigen::VectorXd;

// v minus its projection on the first k columns of q, twice ("twice is
// enough": Giraud et al. 2005, Numer. Math. 101:87).
void orthogonalise(const Eigen::MatrixXd& q, int k, Vec& v) {
  for (int pass = 0; pass < 2; ++pass)
    for (int j = 0; j < k; ++j) v -= q.col(j).dot(v) * q.col(j);
}

}  // namespace

std::vector<double> lanczos_eigenvalues(const Operator& a, int n, int steps, std::uint64_t seed) {
  if (n <= 0 || steps <= 0) return {};
  if (steps > n) steps = n;
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  auto random_unit = [&](const Eigen::MatrixXd& q, int k) {
    for (int tries = 0; tries < 10; ++tries) {
      Vec v(n);
      for (int i = 0; i < n; ++i) v[i] = normal(gen);
      orthogonalise(q, k, v);
      if (v.norm() > 1e-8) return Vec(v / v.norm());
    }
    return Vec(Vec::Zero(n));
  };
  Eigen::MatrixXd q(n, steps);
  Vec alpha = Vec::Zero(steps), beta = Vec::Zero(steps);  // beta[j]: T(j, j-1)
  q.col(0) = random_unit(q, 0);
  Vec w(n);
  int k = 0;
  for (; k < steps; ++k) {
    a(q.col(k).data(), w.data());
    alpha[k] = q.col(k).dot(w);
    orthogonalise(q, k + 1, w);
    if (k + 1 == steps) break;
    const double b = w.norm();
    const double scale = std::max(1.0, std::abs(alpha[k]));
    if (b > 1e-10 * scale) {
      beta[k + 1] = b;
      q.col(k + 1) = w / b;
    } else {  // invariant subspace: restart, T becomes block diagonal
      beta[k + 1] = 0;
      q.col(k + 1) = random_unit(q, k + 1);
      if (q.col(k + 1).norm() == 0) break;
    }
  }
  const int m = std::min(k + 1, steps);
  Eigen::MatrixXd t = Eigen::MatrixXd::Zero(m, m);
  for (int j = 0; j < m; ++j) {
    t(j, j) = alpha[j];
    if (j > 0) t(j, j - 1) = t(j - 1, j) = beta[j];
  }
  Vec theta = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(t, Eigen::EigenvaluesOnly).eigenvalues();
  return std::vector<double>(theta.data(), theta.data() + m);
}

void hessian_vector(const LandscapeSpec& spec, const double* x, const double* v, double* out) {
  const int n = spec.dim;
  with_landscape(spec, [&](auto land) {
    if constexpr (std::is_same_v<decltype(land), ExprLandscape>) {
      std::vector<double> h(static_cast<std::size_t>(n) * n);
      hessian(land, x, h.data());
      for (int i = 0; i < n; ++i) {
        double s = 0;
        for (int j = 0; j < n; ++j) s += h[i * n + j] * v[j];
        out[i] = s;
      }
    } else {
      using D1 = Dual<double, 1>;
      D1 xs[kMaxDim], gs[kMaxDim];
      for (int k = 0; k < n; ++k) {
        xs[k] = D1(x[k], -1);
        xs[k].d[0] = v[k];
      }
      land.value_grad(xs, gs);
      for (int i = 0; i < n; ++i) out[i] = gs[i].d[0];
    }
  });
}

}  // namespace trilo::analysis
