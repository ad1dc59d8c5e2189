// Stochastic Lanczos quadrature and Hutchinson's trace against references
// written here: operators of known spectrum (diagonal, with and without
// repeated eigenvalues), the moments u^T A^k u of a dense matrix, and the
// dense Hessian of a small network built by central differences of a plain
// float64 gradient (tests/support/nn_replay.hpp), independent of src/nn.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <Eigen/Dense>

#include "analysis/slq.hpp"
#include "nn/model.hpp"
#include "support/nn_replay.hpp"

namespace {

using namespace trilo;

analysis::Operator diagonal(const std::vector<double>& d) {
  return [d](const double* v, double* y) {
    for (std::size_t i = 0; i < d.size(); ++i) y[i] = d[i] * v[i];
  };
}

// The trapezoid rule over a grid.
double integral(const std::vector<double>& x, const std::vector<double>& f) {
  double s = 0;
  for (std::size_t i = 1; i < x.size(); ++i) s += 0.5 * (f[i] + f[i - 1]) * (x[i] - x[i - 1]);
  return s;
}

TEST(Slq, QuadratureOnADiagonalOperatorGivesItsEigenvaluesWithEqualWeights) {
  const int n = 40;
  std::vector<double> d(n);
  for (int i = 0; i < n; ++i) d[i] = -3.0 + 0.25 * i + 0.01 * i * i;  // distinct
  std::vector<double> u(n);
  analysis::rademacher(7, 0, 0, n, u.data());
  const analysis::Quadrature q = analysis::lanczos_quadrature(diagonal(d), n, u.data(), n);
  ASSERT_EQ(q.nodes.size(), static_cast<std::size_t>(n));
  std::vector<double> sorted = d;
  std::sort(sorted.begin(), sorted.end());
  for (int k = 0; k < n; ++k) {
    EXPECT_NEAR(q.nodes[k], sorted[k], 1e-9) << k;
    EXPECT_NEAR(q.weights[k], 1.0 / n, 1e-9) << k;  // |u_i|^2 / |u|^2 with u_i = +-1
  }
}

TEST(Slq, RepeatedEigenvaluesEndLanczosEarlyWithTheirMultiplicitiesAsWeights) {
  // 10 x 1, 20 x 2, 20 x 5: the Krylov space of any +-1 vector has dimension 3.
  std::vector<double> d;
  d.insert(d.end(), 10, 1.0);
  d.insert(d.end(), 20, 2.0);
  d.insert(d.end(), 20, 5.0);
  const auto n = static_cast<std::int64_t>(d.size());
  const analysis::SlqResult r = analysis::stochastic_lanczos(diagonal(d), n, 3, 12, 11, 2);
  ASSERT_EQ(r.nodes.size(), 3u * 12);
  for (int p = 0; p < 3; ++p) {
    const double* node = r.nodes.data() + 12 * p;
    const double* w = r.weights.data() + 12 * p;
    EXPECT_NEAR(node[0], 1.0, 1e-9);
    EXPECT_NEAR(node[1], 2.0, 1e-9);
    EXPECT_NEAR(node[2], 5.0, 1e-9);
    EXPECT_NEAR(w[0], 0.2, 1e-9);
    EXPECT_NEAR(w[1], 0.4, 1e-9);
    EXPECT_NEAR(w[2], 0.4, 1e-9);
    for (int k = 3; k < 12; ++k) {
      EXPECT_TRUE(std::isnan(node[k])) << k;
      EXPECT_EQ(w[k], 0.0) << k;
    }
  }
  // The broadened density is then the mixture of three Gaussians, written here.
  const double sigma = 0.05;
  const std::vector<double> grid = analysis::eigenvalue_grid(1.0, 5.0, sigma, 4001);
  EXPECT_DOUBLE_EQ(grid.front(), 1.0 - 5 * sigma);
  EXPECT_DOUBLE_EQ(grid.back(), 5.0 + 5 * sigma);
  const std::vector<double> rho = analysis::broadened_density(r, sigma, grid);
  for (std::size_t i = 0; i < grid.size(); i += 97) {
    double ref = 0;
    for (auto [lambda, mass] : {std::pair{1.0, 0.2}, {2.0, 0.4}, {5.0, 0.4}}) {
      const double z = (grid[i] - lambda) / sigma;
      ref += mass * std::exp(-0.5 * z * z) / (sigma * std::sqrt(2 * M_PI));
    }
    EXPECT_NEAR(rho[i], ref, 1e-9 * (1 + ref)) << grid[i];
  }
  EXPECT_NEAR(integral(grid, rho), 1.0, 1e-5);
}

TEST(Slq, QuadratureReproducesTheMomentsOfADenseMatrixUpToTwiceTheSteps) {
  const int n = 30, steps = 6;
  Eigen::MatrixXd a(n, n);
  std::uint64_t s = 5;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      a(i, j) = static_cast<double>(s >> 11) * 0x1p-53 - 0.5;
    }
  const Eigen::MatrixXd sym = 0.5 * (a + a.transpose());
  Eigen::VectorXd u(n);
  for (int i = 0; i < n; ++i) u[i] = std::cos(1.7 * i) + 0.3;
  const analysis::Quadrature q = analysis::lanczos_quadrature(
      [&](const double* v, double* y) { Eigen::Map<Eigen::VectorXd>(y, n) = sym * Eigen::Map<const Eigen::VectorXd>(v, n); },
      n, u.data(), steps);
  ASSERT_EQ(q.nodes.size(), static_cast<std::size_t>(steps));
  const Eigen::VectorXd unit = u / u.norm();
  Eigen::VectorXd power = unit;
  for (int k = 0; k < 2 * steps; ++k) {
    const double exact = unit.dot(power);
    double quad = 0;
    for (int j = 0; j < steps; ++j) quad += q.weights[j] * std::pow(q.nodes[j], k);
    EXPECT_NEAR(quad, exact, 1e-10 * (1 + std::abs(exact))) << "moment " << k;
    power = sym * power;
  }
}

// A small network whose Hessian the test builds densely from a plain
// float64 gradient: mlp:2-5-1, tanh, bce.
struct SmallNetwork {
  nn::Model m;
  std::vector<double> x;
  std::vector<float> y;
  std::vector<std::int64_t> rows;
  std::vector<double> w;
  Eigen::MatrixXd dense;  // the Hessian by central differences of the test's gradient

  SmallNetwork() {
    m.widths = {2, 5, 1};
    m.activation = nn::Activation::kTanh;
    m.loss = nn::LossKind::kBce;
    for (int i = 0; i < 30; ++i) {
      x.push_back(std::sin(0.9 * i) * 1.5);
      x.push_back(std::cos(1.1 * i + 0.4));
      y.push_back(std::sin(2.3 * i) > 0 ? 1.0f : 0.0f);
      rows.push_back(i);
    }
    const auto P = static_cast<int>(m.params());
    for (int k = 0; k < P; ++k) w.push_back(0.8 * std::sin(1.3 * k + 0.5));
    const test::Replay ref{2, 5};
    const double h = 1e-5;
    dense.resize(P, P);
    std::vector<double> gp(P), gm(P);
    for (int j = 0; j < P; ++j) {
      std::vector<double> wp = w, wm = w;
      wp[j] += h;
      wm[j] -= h;
      ref.loss_grad(wp, x, y, rows, gp);
      ref.loss_grad(wm, x, y, rows, gm);
      for (int i = 0; i < P; ++i) dense(i, j) = (gp[i] - gm[i]) / (2 * h);
    }
    dense = 0.5 * (dense + dense.transpose()).eval();
  }
  nn::Batch<double> batch() const { return {x.data(), y.data(), static_cast<std::int64_t>(y.size())}; }
};

// sqrt(Var(v^T B v)) for Rademacher v: 2 sum_{i != j} B_ij^2.
double rademacher_sd(const Eigen::MatrixXd& b) {
  return std::sqrt(2 * (b.squaredNorm() - b.diagonal().squaredNorm()));
}

TEST(Slq, NetworkDensityIntegratesToOneAndItsMomentsMatchTheDenseHessian) {
  const SmallNetwork net;
  const auto P = static_cast<int>(net.m.params());
  nn::HessianAt h(net.m, net.w.data(), net.batch());
  const analysis::Operator hv = [&](const double* v, double* y) { h.apply(v, y); };
  const int probes = 400, steps = 12;
  const analysis::SlqResult r = analysis::stochastic_lanczos(hv, P, probes, steps, 3, 0);
  const Eigen::VectorXd eig = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(net.dense).eigenvalues();
  const double lmin = eig[0], lmax = eig[P - 1], range = lmax - lmin;

  double m1 = 0, m2 = 0, lo = 1e300, hi = -1e300;
  for (int p = 0; p < probes; ++p) {
    // Each probe's rule integrates x and x^2 exactly: v.Hv / |v|^2 and |Hv|^2 / |v|^2, with |v|^2 = P.
    Eigen::VectorXd v(P);
    analysis::rademacher(3, 0, static_cast<std::uint32_t>(p), P, v.data());
    const Eigen::VectorXd hv_dense = net.dense * v;
    double pm1 = 0, pm2 = 0;
    for (int k = 0; k < steps; ++k)
      if (!std::isnan(r.nodes[p * steps + k])) {
        pm1 += r.weights[p * steps + k] * r.nodes[p * steps + k];
        pm2 += r.weights[p * steps + k] * r.nodes[p * steps + k] * r.nodes[p * steps + k];
      }
    EXPECT_NEAR(pm1, v.dot(hv_dense) / P, 1e-7) << "probe " << p;
    EXPECT_NEAR(pm2, hv_dense.squaredNorm() / P, 1e-7) << "probe " << p;
    double wsum = 0;
    for (int k = 0; k < steps; ++k) {
      const double node = r.nodes[p * steps + k], w = r.weights[p * steps + k];
      if (std::isnan(node)) continue;
      // Ritz values lie inside the spectrum (Cauchy interlacing).
      EXPECT_GE(node, lmin - 1e-6 * range);
      EXPECT_LE(node, lmax + 1e-6 * range);
      lo = std::min(lo, node);
      hi = std::max(hi, node);
      wsum += w;
      m1 += w * node / probes;
      m2 += w * node * node / probes;
    }
    EXPECT_NEAR(wsum, 1.0, 1e-12) << "probe " << p;
  }
  // The extreme eigenvalues converge first: the support reaches both ends.
  EXPECT_NEAR(lo, lmin, 1e-5 * range);
  EXPECT_NEAR(hi, lmax, 1e-5 * range);
  // The moments estimate tr(H)/P and tr(H^2)/P, within 4 standard errors.
  const Eigen::MatrixXd h2 = net.dense * net.dense;
  EXPECT_NEAR(m1, net.dense.trace() / P, 4 * rademacher_sd(net.dense) / P / std::sqrt(probes) + 1e-6);
  EXPECT_NEAR(m2, h2.trace() / P, 4 * rademacher_sd(h2) / P / std::sqrt(probes) + 1e-6);
  // The Hutchinson estimate from the same vectors is P times the first moment.
  const double tr = analysis::hutchinson_trace(hv, P, 3, 0, probes);
  EXPECT_NEAR(tr, P * m1, 1e-9 * (1 + std::abs(tr)));

  const double sigma = analysis::default_sigma(lo, hi);
  EXPECT_DOUBLE_EQ(sigma, std::sqrt(1e-5 * std::max(1.0, hi - lo)));
  const std::vector<double> grid = analysis::eigenvalue_grid(lo, hi, sigma, 20000);
  EXPECT_LE(grid.front(), lmin);
  EXPECT_GE(grid.back(), lmax);
  const std::vector<double> rho = analysis::broadened_density(r, sigma, grid);
  EXPECT_NEAR(integral(grid, rho), 1.0, 1e-4);
  std::vector<double> xrho(grid.size());
  for (std::size_t i = 0; i < grid.size(); ++i) xrho[i] = grid[i] * rho[i];
  EXPECT_NEAR(integral(grid, xrho), m1, 1e-4 * (1 + std::abs(m1)));
}

TEST(Slq, RademacherVectorsAreSignsFixedByTheirKey) {
  std::vector<double> a(300), b(300), c(300);
  analysis::rademacher(9, 4, 1, 300, a.data());
  analysis::rademacher(9, 4, 1, 300, b.data());
  analysis::rademacher(9, 4, 2, 300, c.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  int plus = 0;
  for (double v : a) {
    EXPECT_TRUE(v == 1.0 || v == -1.0);
    plus += v > 0;
  }
  EXPECT_GT(plus, 110);
  EXPECT_LT(plus, 190);
}

}  // namespace
