// Plateaus: flat points judged against the landscape's own scale. The
// references are closed forms written here: the gradient and Hessian
// eigenvalues of the Gaussian well f = 1 - exp(-r^2 / s) (radial
// (2/s)(1 - 2r^2/s) e^{-r^2/s}, tangential (2/s) e^{-r^2/s}), its loss range
// over the box, and hand-built tables for the printed text.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "analysis/plateau.hpp"
#include "analysis/report.hpp"
#include "analysis/critical_report.hpp"
#include "jobs/critical_job.hpp"
#include "io/result_reader.hpp"
#include "jobs/jobs.hpp"
#include "render/panels.hpp"
#include "support/cli.hpp"

namespace {

using trilo::analysis::LandscapeScale;
using trilo::analysis::MinimaTable;
using trilo::analysis::PointKind;
using trilo::config::RunConfig;

constexpr double kS = 0.5;  // the well's width in the formula below
const char* kWell2d = "1 - exp(-(x^2+y^2)/0.5)";

// The closed-form flatness of the well at radius r against loss range L and
// box diagonal D (the documented rule, written out independently).
bool well_is_flat(double r, double loss_range, double diag, double rel) {
  const double e = std::exp(-r * r / kS);
  const double grad = 2 * r / kS * e;
  const double radial = 2 / kS * (1 - 2 * r * r / kS) * e, tangential = 2 / kS * e;
  const double lam = std::max(std::abs(radial), std::abs(tangential));
  return grad * diag <= rel * loss_range && lam * diag * diag <= rel * loss_range;
}

RunConfig formula_config(const char* job, const char* formula, const char* box) {
  RunConfig c;
  c.job = job;
  c.expr_text = formula;
  c.box_text = box;
  c.output = "/tmp/unused.h5";  // validated only
  return c;
}

TEST(LandscapeScale, LossRangeOfABowlIsItsClosedForm) {
  // x^2 + y^2 on [-1, 2] x [-1, 1]: 0 at the origin, 5 at the corners (2, +-1).
  RunConfig c = formula_config("grid", "x^2 + y^2", "-1:2,-1:1");
  const trilo::config::Resolved r = trilo::config::validate(c);
  const LandscapeScale s = trilo::analysis::landscape_scale(r.spec, r.box_lo, r.box_hi);
  EXPECT_NEAR(s.length, std::sqrt(9.0 + 4.0), 1e-12);
  EXPECT_GE(s.loss_min, 0.0);
  EXPECT_LT(s.loss_min, 0.05);  // sampled: near, never below, the true minimum
  EXPECT_LE(s.loss_max, 5.0);
  EXPECT_GT(s.loss_max, 4.8);
}

TEST(LandscapeScale, FlatnessIsRelativeToTheRangeAndTheBox) {
  LandscapeScale s;
  s.loss_min = 0;
  s.loss_max = 100;
  s.length = 10;  // budget: 1e-2 * 100 = 1
  const double small[2] = {0.005, -0.009};  // |lam| * 100 = 0.9
  const double large[2] = {0.005, -0.011};  // 1.1
  EXPECT_TRUE(trilo::analysis::is_flat(s, 0.09, small, 2));
  EXPECT_FALSE(trilo::analysis::is_flat(s, 0.11, small, 2));  // |g| * 10 = 1.1
  EXPECT_FALSE(trilo::analysis::is_flat(s, 0.09, large, 2));
  // The same point on a landscape 100 times deeper is flat by a wide margin,
  // and on an unknown scale never.
  s.loss_max = 1e4;
  EXPECT_TRUE(trilo::analysis::is_flat(s, 0.11, large, 2));
  EXPECT_FALSE(trilo::analysis::is_flat(LandscapeScale{}, 0, small, 2));
}

TEST(Plateau, CriticalCensusOfAWellInAPlainIsOneMinimumAndOnePlateau) {
  RunConfig c = formula_config("critical", kWell2d, "-4:4");
  trilo::jobs::apply_critical_defaults(c, false, false);
  const trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(2);
  const trilo::jobs::CriticalJobResult res = trilo::jobs::execute_critical(c, r, *be, nullptr);
  const auto& t = res.census.table;
  ASSERT_EQ(t.n_points, 1);
  EXPECT_EQ(t.kind[0], static_cast<std::int8_t>(PointKind::kMinimum));
  EXPECT_NEAR(t.position[0], 0.0, 1e-6);
  EXPECT_NEAR(t.position[1], 0.0, 1e-6);
  ASSERT_EQ(t.plateaus.size(), 1u);
  const auto& p = t.plateaus[0];
  EXPECT_GT(p.points, 100);
  EXPECT_NEAR(p.loss_lo, 1.0, 1e-4);
  EXPECT_LE(p.loss_hi, 1.0);
  // Every converged search is either the minimum's or the plateau's, and
  // each one's end point is flat by the closed form exactly when it is on
  // the plateau (loss range 1 - e^{-64/s} ~ 1, diagonal sqrt(128)).
  const double range = 1.0, diag = std::sqrt(128.0);
  std::int64_t at_min = 0, on_plateau = 0;
  for (std::int64_t i = 0; i < r.n_starts; ++i) {
    if (res.searches.status[i] != 0) continue;
    const double x = res.searches.end[2 * i], y = res.searches.end[2 * i + 1];
    const double rad = std::hypot(x, y);
    if (res.census.labels[i] == 0) {
      ++at_min;
      EXPECT_FALSE(well_is_flat(rad, range, diag, 1e-2)) << "search " << i << " at r = " << rad;
    } else {
      ++on_plateau;
      EXPECT_EQ(res.census.labels[i], -1);
      EXPECT_TRUE(well_is_flat(rad, range, diag, 1e-2)) << "search " << i << " at r = " << rad;
    }
  }
  EXPECT_EQ(at_min, t.count[0]);
  EXPECT_EQ(on_plateau, p.count);
  const std::string text = trilo::analysis::format_critical_table(t);
  EXPECT_NE(text.find("plateau at loss"), std::string::npos) << text;
  EXPECT_LT(std::count(text.begin(), text.end(), '\n'), 10) << text;
}

TEST(Plateau, RunOnAWellInAPlainClaimsNoFractalBoundary) {
  RunConfig c = formula_config("run", kWell2d, "-4:4");
  c.starts = 500;
  c.grid_res = 16;
  c.basin_res = 64;
  const trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(2);
  const trilo::jobs::JobResult res = trilo::jobs::execute_job(c, r, *be, nullptr);
  const MinimaTable& t = res.minima.table;
  ASSERT_EQ(t.n_minima, 1);
  ASSERT_EQ(t.plateaus.size(), 1u);
  EXPECT_GT(t.plateaus[0].count, 0);
  EXPECT_GT(t.plateaus[0].basin_count, 0);
  // A cell labelled -1 started where the closed form says the well is flat
  // or ran out of steps; no cell on the plateau carries a minimum's colour.
  const double range = 1.0, diag = std::sqrt(128.0);
  for (std::int64_t i = 0; i < res.n_cells; ++i) {
    const double x = res.basins.start[2 * i], y = res.basins.start[2 * i + 1];
    if (well_is_flat(std::hypot(x, y), range, diag, 1e-2)) EXPECT_EQ(res.minima.basin_labels[i], -1);
  }
  EXPECT_FALSE(res.basin_metrics.fractal_boundary);
  EXPECT_LE(res.basin_metrics.boundary_basin_entropy, std::log(2.0) + 1e-12);
}

TEST(Plateau, TheFileAndTheJsonSummaryHoldThePlateau) {
  using namespace trilo::test;
  const std::string h5 = unique("h5");
  std::remove(h5.c_str());
  const Outcome o = trilobite(std::string("run --expr \"") + kWell2d +
                              "\" --box -4:4 --starts 300 --grid-res 16 --basin-res 32 --json -o '" + h5 + "'");
  ASSERT_EQ(o.status, 0) << o.err;
  const nlohmann::json doc = nlohmann::json::parse(o.out);
  ASSERT_EQ(doc["minima"].size(), 1u);
  ASSERT_EQ(doc["plateaus"].size(), 1u);
  const auto f = trilo::io::read_result(h5);
  ASSERT_EQ(f.minima.plateaus.size(), 1u);
  const auto& p = f.minima.plateaus[0];
  EXPECT_EQ(doc["plateaus"][0]["count"].get<std::int64_t>(), p.count);
  EXPECT_EQ(doc["plateaus"][0]["basin_count"].get<std::int64_t>(), p.basin_count);
  // Every descent labelled -1 either stopped on the plateau or reached
  // nothing: the labelled ones, the plateau's and the unconverged add up.
  std::int64_t labelled = 0, minus_one_converged = 0;
  for (std::int64_t i = 0; i < f.descents.count; ++i) {
    if (f.descent_labels[i] >= 0) ++labelled;
    else if (f.descents.status[i] == 0) ++minus_one_converged;
  }
  EXPECT_EQ(labelled, f.minima.count[0]);
  EXPECT_EQ(minus_one_converged, p.count);
  for (int i = 0; i < 2; ++i) EXPECT_LE(p.extent_lo[i], p.extent_hi[i]);
  std::remove(h5.c_str());
}

TEST(Plateau, ASingleDegeneratePointStaysARow) {
  // x^4 + y^4: one flat point at the origin, the only critical point; a lone
  // flat point is no region, so it stays a (degenerate) row.
  RunConfig c = formula_config("critical", "x^4 + y^4", "-1:1");
  trilo::jobs::apply_critical_defaults(c, false, false);
  c.starts = 256;
  const trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(2);
  const auto res = trilo::jobs::execute_critical(c, r, *be, nullptr);
  const auto& t = res.census.table;
  EXPECT_TRUE(t.plateaus.empty());
  ASSERT_GE(t.n_points, 1);
  EXPECT_NEAR(t.loss[0], 0.0, 1e-8);
}

MinimaTable hand_table(int rows, const std::vector<double>& loss) {
  MinimaTable t;
  t.dim = 1;
  t.n_minima = rows;
  for (int r = 0; r < rows; ++r) {
    t.position.push_back(r);
    t.loss.push_back(loss[r]);
    t.grad_norm.push_back(0);
    t.eigenvalues.push_back(1);
    t.kind.push_back(static_cast<std::int8_t>(PointKind::kMinimum));
    t.count.push_back(1);
    t.fraction.push_back(1.0 / rows);
    t.mean_steps.push_back(1);
    t.basin_count.push_back(0);
    t.basin_fraction.push_back(0);
  }
  return t;
}

int lines_with(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(MinimaText, EveryTiedGlobalMinimumIsMarked) {
  const MinimaTable t = hand_table(4, {-1.0316284534898774, -1.0316284534898770, -0.2155, 2.104});
  const std::string text = trilo::analysis::format_minima_table(t);
  EXPECT_EQ(lines_with(text, "<- global"), 2) << text;
}

TEST(MinimaText, LongTablesPrintTwentyRowsAndSayHowManyMore) {
  std::vector<double> loss(57);
  for (int r = 0; r < 57; ++r) loss[r] = r;
  const std::string text = trilo::analysis::format_minima_table(hand_table(57, loss));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 20 + 1) << text;
  EXPECT_NE(text.find("... 37 more rows in the file (/minima)"), std::string::npos) << text;
  EXPECT_NE(text.find("\n 19  "), std::string::npos);
  EXPECT_EQ(text.find("\n 20  "), std::string::npos);
  // Twenty rows or fewer: all of them, no note.
  const std::string short_text = trilo::analysis::format_minima_table(hand_table(20, loss));
  EXPECT_EQ(short_text.find("more row"), std::string::npos);
}

}  // namespace

namespace {

TEST(BasinLegend, GreyShareIsEveryCellWithoutAMinimumAndNamesThePlateau) {
  // Shares of two minima 0.3 + 0.18: the grey share is 0.52 whatever the
  // caller's count of unconverged cells (0.22 here: cells that converged on
  // a plateau are labelled -1 too).
  trilo::render::Scene sc;
  sc.result.minima = hand_table(2, {0.0, 1.0});
  trilo::render::Style st;
  const auto plain = trilo::render::basin_legend(sc, st, {0.3, 0.18}, 0.22, 400);
  ASSERT_EQ(plain.size(), 3u);
  EXPECT_EQ(plain.back().text, "none  (52%)");
  sc.result.minima.plateaus.resize(1);
  const auto flat = trilo::render::basin_legend(sc, st, {0.3, 0.18}, 0.22, 400);
  EXPECT_EQ(flat.back().text, "none or plateau  (52%)");
  // Every cell in a basin: no grey entry.
  EXPECT_EQ(trilo::render::basin_legend(sc, st, {0.7, 0.3}, 0.1, 400).size(), 2u);
}

}  // namespace
