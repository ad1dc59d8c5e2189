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

// Lanczos steps from the unit vector q.col(0), with full
// reorthogonalisation: fills q's columns, alpha and beta (beta[j] = T(j, j-1))
// and returns the tridiagonal T of the steps taken. At an invariant
// subspace `restart(q, k)` gives the next column (a unit vector orthogonal
// to the first k) or a zero vector, which ends the iteration there.
template <class Restart>
Eigen::MatrixXd lanczos_tridiagonal(const Operator& a, Eigen::MatrixXd& q, Restart restart) {
  const auto n = q.rows();
  const int steps = static_cast<int>(q.cols());
  Vec alpha = Vec::Zero(steps), beta = Vec::Zero(steps);
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
    } else {  // invariant subspace: T becomes block diagonal, or ends here
      beta[k + 1] = 0;
      q.col(k + 1) = restart(q, k + 1);
      if (q.col(k + 1).norm() == 0) break;
    }
  }
  const int m = std::min(k + 1, steps);
  Eigen::MatrixXd t = Eigen::MatrixXd::Zero(m, m);
  for (int j = 0; j < m; ++j) {
    t(j, j) = alpha[j];
    if (j > 0) t(j, j - 1) = t(j - 1, j) = beta[j];
  }
  return t;
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
  q.col(0) = random_unit(q, 0);
  const Eigen::MatrixXd t = lanczos_tridiagonal(a, q, random_unit);
  const Vec theta = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(t, Eigen::EigenvaluesOnly).eigenvalues();
  return std::vector<double>(theta.data(), theta.data() + theta.size());
}

Quadrature lanczos_quadrature(const Operator& a, int n, const double* start, int steps) {
  Quadrature out;
  if (n <= 0 || steps <= 0) return out;
  if (steps > n) steps = n;
  const Vec u = Eigen::Map<const Vec>(start, n);
  const double norm = u.norm();
  if (!(norm > 0) || !std::isfinite(norm)) return out;
  Eigen::MatrixXd q(n, steps);
  q.col(0) = u / norm;
  const auto stop = [n](const Eigen::MatrixXd&, int) { return Vec(Vec::Zero(n)); };
  const Eigen::MatrixXd t = lanczos_tridiagonal(a, q, stop);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(t);
  const auto m = t.rows();
  out.nodes.resize(static_cast<std::size_t>(m));
  out.weights.resize(static_cast<std::size_t>(m));
  for (Eigen::Index k = 0; k < m; ++k) {
    out.nodes[static_cast<std::size_t>(k)] = eig.eigenvalues()[k];
    const double first = eig.eigenvectors()(0, k);
    out.weights[static_cast<std::size_t>(k)] = first * first;
  }
  return out;
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
