// Formula landscapes through the whole pipeline: every built-in written as a
// formula (src/expr/builtin_formulas.cpp) gives the built-in's grid, minima
// and basin labels, on the CPU and, where a device is present, on the GPU
// (the formula compiled at run time by NVRTC; skipped without a device).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <memory>

#include "jobs/jobs.hpp"
#include "support/formula_twins.hpp"

namespace {

using trilo::config::RunConfig;

using trilo::test::kTwins;
using trilo::test::Twin;

// The built-in's config and the same run with its formula and default box.
std::pair<RunConfig, RunConfig> configs(const Twin& t, const std::string& job) {
  RunConfig a;
  a.job = job;
  a.landscape = t.name;
  a.dim = t.dim;
  a.opt.lr = t.lr;
  a.output = "/tmp/unused.h5";
  RunConfig b = a;
  b.expr_text = t.formula();
  auto box = trilo::default_box(trilo::landscape_info(t.name).id, t.dim);
  for (size_t i = 0; i < box.size(); ++i)
    b.box_text += (i ? "," : "") + std::to_string(box[i].first) + ":" + std::to_string(box[i].second);
  return {a, b};
}

bool have_gpu() { return trilo::backend::cuda_device_count() > 0; }

std::unique_ptr<trilo::backend::Backend> make_backend(bool gpu) {
  return gpu ? trilo::backend::make_cuda_backend() : trilo::backend::make_cpu_backend(2);
}

trilo::jobs::JobResult run(RunConfig c, trilo::config::Resolved* keep = nullptr, bool gpu = false) {
  trilo::config::Resolved r = trilo::config::validate(c);
  auto be = make_backend(gpu);
  auto res = trilo::jobs::execute_job(c, r, *be, nullptr);
  if (keep) *keep = r;  // keeps the parsed program alive with the result
  return res;
}

class FormulaTwin : public ::testing::TestWithParam<Twin> {};

// The built-in and its formula on one backend, point by point (grids are not
// returned in memory by the job, so through the backend).
void expect_grid_equals_builtin(const Twin& t, bool gpu) {
  auto [a, b] = configs(t, "grid");
  trilo::config::Resolved ra = trilo::config::validate(a), rb = trilo::config::validate(b);
  ASSERT_EQ(ra.box_lo, rb.box_lo);
  ASSERT_EQ(ra.box_hi, rb.box_hi);
  auto be = make_backend(gpu);
  trilo::PlaneSpec plane;
  plane.dim = ra.dim;
  plane.n0 = plane.n1 = 40;  // even: no node at an exact cusp
  plane.lo0 = ra.box_lo[0];
  plane.hi0 = ra.box_hi[0];
  plane.axis1 = ra.dim >= 2 ? 1 : -1;
  plane.lo1 = ra.box_lo[ra.dim >= 2 ? 1 : 0];
  plane.hi1 = ra.box_hi[ra.dim >= 2 ? 1 : 0];
  for (int i = 0; i < ra.dim; ++i) plane.origin[i] = 0.3 * (i + 1);
  trilo::backend::GridTile ta, tb;
  be->grid({ra.spec, trilo::backend::Precision::kF64, plane}, 0, plane.size(), ta);
  be->grid({rb.spec, trilo::backend::Precision::kF64, plane}, 0, plane.size(), tb);
  for (std::int64_t i = 0; i < plane.size(); ++i) {
    ASSERT_NEAR(tb.loss[i], ta.loss[i], 1e-12 * std::max(1.0, std::abs(ta.loss[i]))) << "point " << i;
    ASSERT_NEAR(tb.grad0[i], ta.grad0[i], 1e-10 * std::max(1.0, std::abs(ta.grad0[i]))) << "point " << i;
    ASSERT_NEAR(tb.grad1[i], ta.grad1[i], 1e-10 * std::max(1.0, std::abs(ta.grad1[i]))) << "point " << i;
  }
}

TEST_P(FormulaTwin, GridEqualsTheBuiltinToRelative1e12) { expect_grid_equals_builtin(GetParam(), false); }

TEST_P(FormulaTwin, GridEqualsTheBuiltinToRelative1e12OnTheGpu) {
  if (!have_gpu()) GTEST_SKIP() << "no CUDA device present";
  expect_grid_equals_builtin(GetParam(), true);
}

INSTANTIATE_TEST_SUITE_P(Builtins, FormulaTwin, ::testing::ValuesIn(kTwins),
                         [](const auto& info) { return trilo::test::twin_test_name(info.param); });

class FormulaTwinMinima : public ::testing::TestWithParam<Twin> {};

void expect_minima_equal_builtin(const Twin& t, bool gpu) {
  auto [a, b] = configs(t, "run");
  a.starts = b.starts = 256;
  a.grid_res = b.grid_res = 8;
  a.basin_res = b.basin_res = 24;
  trilo::config::Resolved keep;
  auto ra = run(a, nullptr, gpu), rb = run(b, &keep, gpu);
  const auto &ta = ra.minima.table, &tb = rb.minima.table;
  ASSERT_EQ(ta.n_minima, tb.n_minima);
  for (std::int64_t k = 0; k < ta.n_minima * ta.dim; ++k) EXPECT_NEAR(tb.position[k], ta.position[k], 1e-9);
  for (std::int64_t k = 0; k < ta.n_minima; ++k) {
    EXPECT_NEAR(tb.loss[k], ta.loss[k], 1e-10 * std::max(1.0, std::abs(ta.loss[k])));
    EXPECT_EQ(tb.kind[k], ta.kind[k]);
  }
  EXPECT_EQ(rb.minima.basin_labels, ra.minima.basin_labels);
  EXPECT_EQ(rb.minima.descent_labels, ra.minima.descent_labels);
}

TEST_P(FormulaTwinMinima, MinimaAndBasinLabelsEqualTheBuiltin) { expect_minima_equal_builtin(GetParam(), false); }

TEST_P(FormulaTwinMinima, MinimaAndBasinLabelsEqualTheBuiltinOnTheGpu) {
  if (!have_gpu()) GTEST_SKIP() << "no CUDA device present";
  expect_minima_equal_builtin(GetParam(), true);
}

// The smooth two-dimensional ones (the pipeline's merge polishes with Hessians).
INSTANTIATE_TEST_SUITE_P(Builtins, FormulaTwinMinima,
                         ::testing::Values(kTwins[0], kTwins[2], kTwins[3], kTwins[4], kTwins[6], kTwins[8]),
                         [](const auto& info) { return trilo::test::twin_test_name(info.param); });

TEST(FormulaRuns, DomainErrorsEndDescentsAsDivergedNotAsCrashes) {
  RunConfig c;
  c.output = "/tmp/unused.h5";
  c.job = "descend";
  c.expr_text = "log(x) + sqrt(y)";  // NaN for x < 0 or y < 0; descending drives x to 0
  c.box_text = "-1:1";
  c.starts = 200;
  c.opt.lr = 0.05;
  trilo::config::Resolved keep;
  auto res = run(c, &keep);
  for (std::int64_t i = 0; i < res.descents.count; ++i)
    ASSERT_EQ(res.descents.status[i], static_cast<std::int8_t>(trilo::DescentStatus::kDiverged)) << i;
  EXPECT_EQ(res.minima.table.n_minima, 0);
}

TEST(FormulaConfig, DimensionComesFromDimThenBoxThenTheFormula) {
  RunConfig c;
  c.output = "/tmp/unused.h5";
  c.expr_text = "x^2 + y^2";
  c.box_text = "-1:1";
  EXPECT_EQ(trilo::config::validate(c).dim, 2);
  c.expr_text = "x^2";
  c.box_text = "-1:1,-2:2,-3:3";
  c.dim = 0;  // validate() wrote the resolved dimension back
  EXPECT_EQ(trilo::config::validate(c).dim, 3);
  c.expr_text = "sum(i, 1, n, w[i]^2)";
  c.box_text = "-1:1";
  c.dim = 0;
  EXPECT_THROW(trilo::config::validate(c), trilo::config::BadInput);  // needs --dim
  c.dim = 9;
  EXPECT_EQ(trilo::config::validate(c).dim, 9);
}

TEST(FormulaConfig, LandscapeFileGivesFormulaBoxAndParameters) {
  const std::string f = std::string(TRILOBITE_TEST_TMP) + "/landscape.toml";
  std::ofstream(f) << "# a tilted bowl\nformula = \"a*x^2 + b*y^2 + c*x\"\nbox = \"-3:3,-2:2\"\n"
                      "[parameters]\na = 1.5\nb = 2\nc = -3.0\n";
  RunConfig c;
  c.output = "/tmp/unused.h5";
  c.job = "descend";
  c.landscape_file = f;
  c.param_texts = {"b=4"};  // the command line wins over the file
  c.starts = 16;
  c.opt.lr = 0.05;
  trilo::config::Resolved keep;
  auto res = run(c, &keep);
  EXPECT_EQ(keep.box_hi[1], 2.0);
  ASSERT_EQ(res.minima.table.n_minima, 1);
  EXPECT_NEAR(res.minima.table.position[0], 1.0, 1e-12);  // d/dx: 3x - 3 = 0
  EXPECT_NEAR(res.minima.table.position[1], 0.0, 1e-12);
  EXPECT_NEAR(res.minima.table.eigenvalues[1], 8.0, 1e-12);  // 2b with b = 4
}

TEST(FormulaConfig, BadLandscapeFilesAreRefused) {
  const std::string f = std::string(TRILOBITE_TEST_TMP) + "/bad_landscape.toml";
  for (const char* text : {"formula = 3\n", "box = \"-1:1\"\n", "formula = \"x^2\"\nbox = \"-1:1\"\nbogus = 1\n",
                           "formula = \"x^2\nbox = \"-1:1\"\n", "formula = \"x^2\"\n[parameters]\na = \"one\"\n"}) {
    std::ofstream(f) << text;
    RunConfig c;
    c.output = "/tmp/unused.h5";
    c.landscape_file = f;
    c.box_text = "-1:1";
    EXPECT_THROW(trilo::config::validate(c), trilo::config::BadInput) << text;
  }
}

}  // namespace
