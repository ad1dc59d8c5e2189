// Curvature of minima and the Lanczos eigenvalues, against Eigen's dense
// eigensolver and closed forms.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <vector>

#include "analysis/curvature.hpp"
#include "analysis/lanczos.hpp"
#include "core/landscapes.hpp"

namespace {

using namespace trilo;

std::vector<double> dense_eigenvalues(const LandscapeSpec& spec, const std::vector<double>& x) {
  const int n = spec.dim;
  Eigen::MatrixXd h(n, n);
  with_builtin_landscape(spec, [&](auto land) { hessian(land, x.data(), h.data()); });
  Eigen::VectorXd lam = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(h).eigenvalues();
  return {lam.data(), lam.data() + n};
}

std::vector<double> lanczos_at(const LandscapeSpec& spec, const std::vector<double>& x, int steps) {
  return analysis::lanczos_eigenvalues(
      [&](const double* v, double* y) { analysis::hessian_vector(spec, x.data(), v, y); }, spec.dim,
      steps);
}

std::vector<double> random_point(int n, double lo, double hi, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  std::vector<double> x(n);
  for (double& v : x) v = u(gen);
  return x;
}

TEST(Lanczos, FullRunGivesEveryDenseEigenvalueOf40DRosenbrockAndRastrigin) {
  for (LandscapeId id : {LandscapeId::kRosenbrock, LandscapeId::kRastrigin}) {
    const LandscapeSpec spec{id, 40};
    for (unsigned seed : {1u, 2u, 3u}) {
      const auto x = random_point(40, -2, 2, seed);
      const auto dense = dense_eigenvalues(spec, x);
      const auto got = lanczos_at(spec, x, 40);
      ASSERT_EQ(got.size(), 40u);
      const double scale = std::max(std::abs(dense.front()), std::abs(dense.back()));
      for (int i = 0; i < 40; ++i) EXPECT_NEAR(got[i], dense[i], 1e-9 * scale) << "eigenvalue " << i;
    }
  }
}

TEST(Lanczos, LargestRitzValueOf40DRosenbrockConvergesFromBelowInFewerStepsThanDimensions) {
  const LandscapeSpec spec{LandscapeId::kRosenbrock, 40};
  const auto x = random_point(40, -2, 2, 7);
  const auto dense = dense_eigenvalues(spec, x);
  const double top = dense.back();
  double last_error = 1e300;
  for (int steps : {10, 20, 30}) {
    const auto got = lanczos_at(spec, x, steps);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(steps));
    // Ritz values interlace: never above the largest eigenvalue.
    EXPECT_LE(got.back(), top * (1 + 1e-12));
    const double error = top - got.back();
    EXPECT_LE(error, last_error);
    last_error = error;
  }
  EXPECT_LE(last_error, 1e-6 * top);
}

TEST(Lanczos, RepeatedEigenvaluesKeepTheirMultiplicity) {
  // Rastrigin at the origin: H = (2 + 40 pi^2) I, a one-dimensional Krylov space.
  const LandscapeSpec spec{LandscapeId::kRastrigin, 30};
  const auto got = lanczos_at(spec, std::vector<double>(30, 0.0), 30);
  ASSERT_EQ(got.size(), 30u);
  const double want = 2 + 40 * kPi * kPi;
  for (double l : got) EXPECT_NEAR(l, want, 1e-9 * want);
}

TEST(Curvature, BowlMinimumHasTraceTwoNConditionOneAndLogDetNLog2DenseAndByLanczos) {
  for (int n : {2, 24}) {  // 24 > lanczos_above: the Lanczos path
    const LandscapeSpec spec{LandscapeId::kBowl, n};
    std::vector<double> pos(n, 0.0), eig(n, 2.0);
    const auto c = analysis::minima_curvature(spec, 1, pos, eig, {0}, {});
    EXPECT_NEAR(c.hessian_trace[0], 2.0 * n, 1e-12);
    EXPECT_NEAR(c.lambda_max[0], 2.0, 1e-12);
    EXPECT_NEAR(c.lambda_min[0], 2.0, 1e-12);
    EXPECT_NEAR(c.condition_number[0], 1.0, 1e-12);
    EXPECT_NEAR(c.log_det[0], n * std::log(2.0), 1e-10);
  }
}

TEST(Curvature, IsNaNForPointsThatAreNotMinima) {
  const LandscapeSpec spec{LandscapeId::kHimmelblau, 2};
  const std::vector<double> pos = {0.086678, 2.884255}, eig = {-31.7, 75.5};
  const auto c = analysis::minima_curvature(spec, 1, pos, eig, {1}, {});
  EXPECT_TRUE(std::isnan(c.hessian_trace[0]));
  EXPECT_TRUE(std::isnan(c.lambda_max[0]));
  EXPECT_TRUE(std::isnan(c.log_det[0]));
}

TEST(Curvature, FewerLanczosStepsThanDimensionsGiveExtremesButNoTrace) {
  const LandscapeSpec spec{LandscapeId::kRastrigin, 40};
  std::vector<double> pos(40, 0.0), eig(40, 0.0);
  analysis::CurvatureOptions opt;
  opt.lanczos_steps = 10;
  const auto c = analysis::minima_curvature(spec, 1, pos, eig, {0}, opt);
  const double want = 2 + 40 * kPi * kPi;
  EXPECT_NEAR(c.lambda_max[0], want, 1e-9 * want);
  EXPECT_TRUE(std::isnan(c.hessian_trace[0]));
}

}  // namespace
