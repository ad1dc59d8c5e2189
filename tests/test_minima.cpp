// Minima and basins through the whole job pipeline (CPU backend, no file):
// documented minima found, symmetric landscapes give symmetric maps.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/minima.hpp"
#include "core/catalog.hpp"
#include "jobs/jobs.hpp"

namespace {

using trilo::analysis::MinimaTable;
using trilo::analysis::PointKind;
using trilo::config::RunConfig;

trilo::jobs::JobResult run(RunConfig c) {
  c.output = "/tmp/unused.h5";  // validated only; execute_job writes nothing without a writer
  trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(2);
  return trilo::jobs::execute_job(c, r, *be, nullptr);
}

// Index of the table row within `tol` of x, or -1.
int find_row(const MinimaTable& t, const std::vector<double>& x, double tol) {
  for (int r = 0; r < t.n_minima; ++r) {
    double d2 = 0;
    for (int i = 0; i < t.dim; ++i) d2 += std::pow(t.position[r * t.dim + i] - x[i], 2);
    if (std::sqrt(d2) <= tol) return r;
  }
  return -1;
}

struct Case {
  const char* name;
  int dim;
  double lr;
  std::int64_t steps;
  std::int64_t starts;
};

class PipelineMinima : public ::testing::TestWithParam<Case> {};

TEST_P(PipelineMinima, EveryDocumentedMinimumIsFoundToFloat64Accuracy) {
  const Case k = GetParam();
  RunConfig c;
  c.job = "descend";
  c.landscape = k.name;
  c.dim = k.dim;
  c.opt.lr = k.lr;
  c.steps = k.steps;
  c.starts = k.starts;
  c.tol = 1e-7;
  c.tol_given = true;
  auto res = run(c);
  const MinimaTable& t = res.minima.table;
  const auto& info = trilo::landscape_info(k.name);
  const auto known = trilo::known_minima(info.id, k.dim);
  ASSERT_FALSE(known.empty());
  for (const auto& m : known) {
    int r = find_row(t, m.x, 1e-6);
    ASSERT_GE(r, 0) << k.name << ": documented minimum at (" << m.x[0] << ", " << m.x[1]
                    << ", ...) not found";
    EXPECT_NEAR(t.loss[r], m.value, 1e-8 * std::max(1.0, std::abs(m.value))) << k.name;
    EXPECT_EQ(t.kind[r], static_cast<std::int8_t>(PointKind::kMinimum)) << k.name;
  }
  // Sorted by loss; the lowest row is a documented global minimum's value.
  // Sorted by loss; values within 1e-9 are ties (ordered by position).
  for (int r = 1; r < t.n_minima; ++r)
    EXPECT_LE(t.loss[r - 1], t.loss[r] + 1e-9 * std::max(1.0, std::abs(t.loss[r])));
  double best = known[0].value;
  for (const auto& m : known) best = std::min(best, m.value);
  EXPECT_NEAR(t.loss[0], best, 1e-8 * std::max(1.0, std::abs(best)));
}

// Learning rates below 2 / (largest Hessian eigenvalue at the minima).
INSTANTIATE_TEST_SUITE_P(
    Builtins, PipelineMinima,
    ::testing::Values(Case{"quartic-dimple", 2, 0.02, 5000, 512}, Case{"double-well", 2, 0.02, 5000, 256},
                      Case{"himmelblau", 2, 0.005, 5000, 512}, Case{"six-hump-camel", 2, 0.01, 10000, 1024},
                      Case{"bowl", 2, 0.1, 1000, 64}, Case{"bowl", 7, 0.1, 1000, 64},
                      Case{"rosenbrock", 2, 0.001, 60000, 64}, Case{"rastrigin", 2, 0.002, 5000, 4096},
                      Case{"styblinski-tang", 2, 0.01, 5000, 512}, Case{"styblinski-tang", 3, 0.01, 5000, 1024},
                      Case{"beale", 2, 0.001, 60000, 256}, Case{"goldstein-price", 2, 2e-5, 100000, 256}),
    [](const auto& info) {
      std::string s = std::string(info.param.name) + "_" + std::to_string(info.param.dim) + "d";
      for (char& ch : s)
        if (ch == '-') ch = '_';
      return s;
    });

TEST(Minima, HimmelblauHasExactlyFourMinimaWithValueZero) {
  RunConfig c;
  c.job = "run";
  c.landscape = "himmelblau";
  c.opt.lr = 0.005;
  c.starts = 1024;
  c.grid_res = 16;
  c.basin_res = 32;
  auto res = run(c);
  const MinimaTable& t = res.minima.table;
  int minima = 0;
  for (int r = 0; r < t.n_minima; ++r) {
    if (t.kind[r] != static_cast<std::int8_t>(PointKind::kMinimum)) continue;
    ++minima;
    EXPECT_LT(std::abs(t.loss[r]), 1e-20);
  }
  EXPECT_EQ(minima, 4);
  double total = 0;
  for (double f : t.fraction) total += f;
  EXPECT_LE(total, 1.0 + 1e-12);
}

TEST(Basins, DoubleWellBasinFractionsAreSymmetric) {
  RunConfig c;
  c.job = "basins";
  c.landscape = "double-well";
  c.opt.lr = 0.02;
  c.basin_res = 61;  // odd: the middle column lies on the saddle's stable line x = 0
  auto res = run(c);
  const MinimaTable& t = res.minima.table;
  int left = find_row(t, {-std::sqrt(2.0), 0.0}, 1e-6), right = find_row(t, {std::sqrt(2.0), 0.0}, 1e-6);
  ASSERT_GE(left, 0);
  ASSERT_GE(right, 0);
  EXPECT_EQ(t.basin_count[left], t.basin_count[right]);
  EXPECT_EQ(t.basin_count[left], 30 * 61);
  // The middle column runs into the saddle at the origin and is labelled so.
  int saddle = find_row(t, {0.0, 0.0}, 1e-6);
  ASSERT_GE(saddle, 0);
  EXPECT_EQ(t.kind[saddle], static_cast<std::int8_t>(PointKind::kSaddle));
  // Mirror cells carry mirror labels.
  const auto& lab = res.minima.basin_labels;
  for (int iy = 0; iy < 61; ++iy)
    for (int ix = 0; ix < 30; ++ix) {
      int a = lab[iy * 61 + ix], b = lab[iy * 61 + 60 - ix];
      ASSERT_EQ(a == left, b == right) << "cell " << ix << "," << iy;
    }
}

TEST(Basins, SixHumpCamelMapIsPointSymmetric) {
  RunConfig c;
  c.job = "basins";
  c.landscape = "six-hump-camel";
  c.opt.lr = 0.01;
  c.steps = 10000;
  c.basin_res = 40;
  auto res = run(c);
  const MinimaTable& t = res.minima.table;
  const auto& lab = res.minima.basin_labels;
  const int n = 40;
  for (int i = 0; i < n * n; ++i) {
    const int j = n * n - 1 - i;  // the cell at (-x, -y)
    if (lab[i] < 0) {
      ASSERT_LT(lab[j], 0);
      continue;
    }
    ASSERT_GE(lab[j], 0);
    for (int d = 0; d < 2; ++d)
      ASSERT_NEAR(t.position[lab[i] * 2 + d], -t.position[lab[j] * 2 + d], 1e-9) << "cell " << i;
  }
}

TEST(Minima, QuarticDimpleHasTwoValleysAndTheBumpSideIsDeeper) {
  RunConfig c;  // the defaults of `trilobite run`
  c.grid_res = 16;
  c.basin_res = 32;
  c.starts = 1024;
  auto res = run(c);
  const MinimaTable& t = res.minima.table;
  int minima = 0;
  for (int r = 0; r < t.n_minima; ++r) minima += t.kind[r] == static_cast<std::int8_t>(PointKind::kMinimum);
  EXPECT_EQ(minima, 2);
  ASSERT_EQ(t.kind[0], static_cast<std::int8_t>(PointKind::kMinimum));
  EXPECT_GT(t.position[0], 1.0);  // the exp bump at (1.5, -0.5) deepens the right valley
  EXPECT_GT(t.fraction[0], 0.3);
  for (double lam : {t.eigenvalues[0], t.eigenvalues[1]}) EXPECT_GT(lam, 0);
  EXPECT_GT(t.basin_fraction[0] + t.basin_fraction[1], 0.95);
}

}  // namespace
