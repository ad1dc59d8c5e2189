// Basin geometry (Daza et al., Sci. Rep. 6, 31416 (2016)), Wilson intervals
// and nearest-rank percentiles, checked against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "analysis/basin_metrics.hpp"
#include "analysis/minima.hpp"
#include "analysis/minima_stats.hpp"
#include "config/run_config.hpp"
#include "jobs/jobs.hpp"

namespace {

using trilo::analysis::basin_metrics;
using trilo::analysis::BasinMetrics;
using trilo::analysis::nearest_rank;
using trilo::analysis::wilson_interval;

// -sum p ln p of a box's colour shares, written out per case below.
double h(std::vector<double> p) {
  double s = 0;
  for (double x : p) s -= x * std::log(x);
  return s;
}

TEST(BasinEntropy, MatchesHandComputationOnAFourByFourMap) {
  // Rows are i1 = 0..3; -1 (not converged) is a colour of its own.
  const std::vector<std::int32_t> label = {0, 0,  0,  1,   //
                                           0, 0,  1,  1,   //
                                           0, 2,  1,  1,   //
                                           -1, -1, 1, 1};
  const BasinMetrics m = basin_metrics(label.data(), 4, 4, 2);
  // Boxes of 2 x 2: {0,0,0,0}: 0; {0,1,1,1}: shares 1/4, 3/4; {0,2,-1,-1}:
  // shares 1/4, 1/4, 1/2; {1,1,1,1}: 0.
  const double s01 = 0.25 * std::log(4.0) + 0.75 * std::log(4.0 / 3.0);  // 0.5623351446
  const double s10 = 0.5 * std::log(4.0) + 0.5 * std::log(2.0);          // 1.0397207708
  EXPECT_NEAR(s01, 0.5623351446188083, 1e-15);
  EXPECT_NEAR(s10, 1.0397207708399179, 1e-15);
  EXPECT_EQ(m.n_boxes, 4);
  EXPECT_EQ(m.n_boundary_boxes, 2);
  EXPECT_NEAR(m.basin_entropy, (s01 + s10) / 4, 1e-15);
  EXPECT_NEAR(m.boundary_basin_entropy, (s01 + s10) / 2, 1e-15);
  EXPECT_TRUE(m.fractal_boundary);  // 0.801 > log 2: three colours meet in one box
  // Cells with a 4-neighbour of another colour, counted by hand: rows 2, 2, 3, 3.
  EXPECT_EQ(m.n_boundary_cells, 10);
  EXPECT_DOUBLE_EQ(m.boundary_fraction, 10.0 / 16.0);
}

TEST(BasinEntropy, SmoothDiagonalBoundaryStaysBelowLogTwo) {
  // Two basins split by the diagonal: colour 1 where i0 > i1. With 5 x 5
  // boxes only the 20 diagonal boxes hold both colours, 10 cells of 1 in 25.
  const int n = 100;
  std::vector<std::int32_t> label(n * n);
  for (int i1 = 0; i1 < n; ++i1)
    for (int i0 = 0; i0 < n; ++i0) label[i1 * n + i0] = i0 > i1 ? 1 : 0;
  const BasinMetrics m = basin_metrics(label.data(), n, n, 5);
  const double s = h({0.4, 0.6});  // 0.6730116670
  EXPECT_EQ(m.n_boxes, 400);
  EXPECT_EQ(m.n_boundary_boxes, 20);
  EXPECT_NEAR(m.boundary_basin_entropy, s, 1e-14);
  EXPECT_NEAR(m.basin_entropy, 20 * s / 400, 1e-14);
  EXPECT_LT(m.boundary_basin_entropy, std::log(2.0));
  EXPECT_FALSE(m.fractal_boundary);
  // The diagonal cells (100) and the cells just right of them (99).
  EXPECT_EQ(m.n_boundary_cells, 199);
}

TEST(BasinEntropy, DropsIncompleteBorderBoxes) {
  // 5 x 5 map, boxes of 2: four complete boxes; the last row and column, of
  // another colour, are outside every box but still count as cells.
  std::vector<std::int32_t> label(25, 0);
  for (int k = 0; k < 5; ++k) label[4 * 5 + k] = label[k * 5 + 4] = 7;
  const BasinMetrics m = basin_metrics(label.data(), 5, 5, 2);
  EXPECT_EQ(m.n_boxes, 4);
  EXPECT_EQ(m.n_boundary_boxes, 0);
  EXPECT_EQ(m.basin_entropy, 0.0);
  EXPECT_EQ(m.boundary_basin_entropy, 0.0);
  // Colour 0 next to 7: row 3 and column 3 of the 4 x 4 block, 7 cells;
  // colour 7 next to 0: the last row and column but their shared corner, 8.
  EXPECT_EQ(m.n_boundary_cells, 15);
}

TEST(BasinEntropy, BoxLargerThanTheMapGivesNaN) {
  const std::vector<std::int32_t> label = {0, 1, 0, 1};
  const BasinMetrics m = basin_metrics(label.data(), 2, 2, 3);
  EXPECT_EQ(m.n_boxes, 0);
  EXPECT_TRUE(std::isnan(m.basin_entropy));
  EXPECT_TRUE(std::isnan(m.boundary_basin_entropy));
  EXPECT_FALSE(m.fractal_boundary);
}

TEST(BasinEntropy, OneDimensionalMapUsesBoxesOfEpsCells) {
  // 0 0 0 1 1 1 | 2: boxes of 3 cells {0,0,0}, {1,1,1}; the 7th cell is left over.
  const std::vector<std::int32_t> label = {0, 0, 0, 1, 1, 1, 2};
  const BasinMetrics m = basin_metrics(label.data(), 7, 1, 3);
  EXPECT_EQ(m.n_boxes, 2);
  EXPECT_EQ(m.basin_entropy, 0.0);
  // Cells 2, 3 (the 0|1 edge) and 5, 6 (the 1|2 edge).
  EXPECT_EQ(m.n_boundary_cells, 4);
}

TEST(BasinEntropy, QuarticDimpleMapHasASmoothBoundary) {
  // The two valleys of quartic-dimple under small-step gradient descent are
  // separated by one smooth curve: S_bb must stay below log 2.
  trilo::config::RunConfig c;
  c.job = "basins";
  c.basin_res = 100;
  c.opt.lr = 0.05;
  c.output = "/tmp/unused.h5";
  trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(2);
  const auto res = trilo::jobs::execute_job(c, r, *be, nullptr);
  const BasinMetrics& m = res.basin_metrics;
  EXPECT_EQ(m.n_boxes, 400);
  EXPECT_GT(m.n_boundary_boxes, 0);
  EXPECT_LT(m.boundary_basin_entropy, std::log(2.0));
  EXPECT_FALSE(m.fractal_boundary);
  EXPECT_GT(m.basin_entropy, 0.0);
  EXPECT_LT(m.boundary_fraction, 0.05);
}

TEST(WilsonInterval, MatchesClosedFormsAtZeroHalfAndAll) {
  const double z = 1.959963984540054, z2 = z * z;
  // k = 0: [0, z^2 / (n + z^2)]; k = n: [n / (n + z^2), 1].
  const auto a = wilson_interval(0, 10);
  EXPECT_EQ(a.lo, 0.0);
  EXPECT_NEAR(a.hi, z2 / (10 + z2), 1e-15);
  EXPECT_NEAR(a.hi, 0.2775328, 1e-7);
  const auto c = wilson_interval(10, 10);
  EXPECT_NEAR(c.lo, 10 / (10 + z2), 1e-15);
  EXPECT_EQ(c.hi, 1.0);
  // k = n / 2: centred on 1/2, half-width z sqrt(n + z^2) / (2 (n + z^2)).
  const auto b = wilson_interval(5, 10);
  const double half = z * std::sqrt(10 + z2) / (2 * (10 + z2));
  EXPECT_NEAR(b.lo, 0.5 - half, 1e-15);
  EXPECT_NEAR(b.hi, 0.5 + half, 1e-15);
  EXPECT_NEAR(b.lo, 0.2365931, 1e-7);
}

TEST(WilsonInterval, MatchesNewcombesPublishedTable) {
  // R. G. Newcombe, Stat. Med. 17, 857 (1998), Table II, method 3 (score, no
  // continuity correction), to the 4 decimals printed there.
  struct Row {
    int k, n;
    double lo, hi;
  };
  for (Row r : {Row{81, 263, 0.2553, 0.3662}, Row{15, 148, 0.0624, 0.1605},
                Row{0, 20, 0.0000, 0.1611}, Row{1, 29, 0.0061, 0.1718}}) {
    const auto iv = wilson_interval(r.k, r.n);
    EXPECT_NEAR(iv.lo, r.lo, 5e-5) << r.k << "/" << r.n;
    EXPECT_NEAR(iv.hi, r.hi, 5e-5) << r.k << "/" << r.n;
  }
}

TEST(WilsonInterval, IsNaNWithoutTrials) {
  const auto iv = wilson_interval(0, 0);
  EXPECT_TRUE(std::isnan(iv.lo));
  EXPECT_TRUE(std::isnan(iv.hi));
}

TEST(NearestRank, MatchesTheTextbookExample) {
  // Nearest rank on {15, 20, 35, 40, 50}: p30 -> rank 2, p40 -> 2, p50 -> 3, p100 -> 5.
  const std::vector<std::int64_t> v = {15, 20, 35, 40, 50};
  EXPECT_EQ(nearest_rank(v, 30), 20);
  EXPECT_EQ(nearest_rank(v, 40), 20);
  EXPECT_EQ(nearest_rank(v, 50), 35);
  EXPECT_EQ(nearest_rank(v, 100), 50);
  EXPECT_EQ(nearest_rank(v, 0), 15);
  EXPECT_TRUE(std::isnan(nearest_rank({}, 50)));
}

TEST(MinimaStatistics, PercentilesCountOnlyTheConvergedDescentsOfEachPoint) {
  // 100 converged descents at the bowl's minimum with steps 1..100, and ten
  // that ran out of steps with 10^6 steps each, which must not count.
  const int n = 110;
  std::vector<double> end(2 * n, 0.0);
  std::vector<std::int8_t> status(n, 0);
  std::vector<std::int64_t> steps(n);
  for (int i = 0; i < 100; ++i) steps[i] = i + 1;
  for (int i = 100; i < n; ++i) {
    status[i] = 1;
    steps[i] = 1000000;
    end[2 * i] = 1.0;
  }
  const trilo::LandscapeSpec bowl{trilo::LandscapeId::kBowl, 2, nullptr};
  const auto res = trilo::analysis::merge_minima(bowl, {-2, -2}, {2, 2},
                                                 {end.data(), status.data(), steps.data(), n},
                                                 {}, {});
  const auto& t = res.table;
  ASSERT_EQ(t.n_minima, 1);
  EXPECT_EQ(t.count[0], 100);
  EXPECT_EQ(t.steps_p50[0], 50);
  EXPECT_EQ(t.steps_p90[0], 90);
  EXPECT_EQ(t.steps_p99[0], 99);
  const auto iv = wilson_interval(100, 110);
  EXPECT_EQ(t.fraction_ci_lo[0], iv.lo);
  EXPECT_EQ(t.fraction_ci_hi[0], iv.hi);
  EXPECT_LT(t.fraction_ci_lo[0], t.fraction[0]);
  EXPECT_GT(t.fraction_ci_hi[0], t.fraction[0]);
  EXPECT_TRUE(std::isnan(t.basin_fraction_ci_lo[0]));  // no basin map
}

}  // namespace
