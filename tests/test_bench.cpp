// `trilobite bench` and the operation counts behind its peak fractions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "backend/backend.hpp"
#include "perf/op_count.hpp"
#include "support/cli.hpp"

namespace {

using namespace trilo::test;
using trilo::LandscapeId;
using trilo::LandscapeSpec;

// By hand from the formula: per coordinate the bowl's value and gradient take
// w*w, s + that, and 2*w (3 flops); the squared norm 2 more; a GD update
// x - lr*g 2 more. A descent of k steps evaluates the gradient k + 1 times,
// squares the tolerance once and takes the norm's square root once, at the end.
TEST(OpCount, PlainGradientDescentOnTheBowlCountsAsByHand) {
  for (int n : {1, 2, 7}) {
    trilo::OptimizerParams gd;
    const int k = 16;
    const trilo::perf::OpCount c = trilo::perf::count_descent_step({LandscapeId::kBowl, n}, gd, k);
    EXPECT_DOUBLE_EQ(c.flops() * k, (k + 1) * 5.0 * n + k * 2.0 * n + 1) << n;
    EXPECT_DOUBLE_EQ(c.special, 1.0 / k) << n;  // one sqrt of the norm per descent
  }
}

// Rastrigin's gradient needs one cos and one sin per coordinate; the grid's
// gradient norm one sqrt.
TEST(OpCount, RastriginGridPointsCallTwoSpecialFunctionsPerCoordinate) {
  for (int n : {2, 16}) {
    const trilo::perf::OpCount c = trilo::perf::count_grid_point({LandscapeId::kRastrigin, n});
    EXPECT_DOUBLE_EQ(c.special, 2.0 * n + 1) << n;
  }
  const double f2 = trilo::perf::count_grid_point({LandscapeId::kRastrigin, 2}).flops();
  const double f16 = trilo::perf::count_grid_point({LandscapeId::kRastrigin, 16}).flops();
  EXPECT_GT(f2, 0);
  EXPECT_DOUBLE_EQ((f16 - f2) / 14, (f2 - trilo::perf::count_grid_point({LandscapeId::kRastrigin, 1}).flops()));
}

TEST(Bench, JsonReportsEveryCaseWithRatesAndPeakFractions) {
  Outcome o = trilobite(
      "bench --cases quartic-dimple-2d,rastrigin-16d --precision f64 --starts 64,256 --steps 5 "
      "--repeats 1 --backend cpu --json");
  ASSERT_EQ(o.status, 0) << o.err;
  const nlohmann::json doc = nlohmann::json::parse(o.out);  // throws (fails) on bad JSON
  const auto& cpu = doc.at("backends").at("cpu");
  EXPECT_GT(cpu.at("fp64_peak_flops").get<double>(), 0);
  EXPECT_GT(cpu.at("fp32_peak_flops").get<double>(), cpu.at("fp64_peak_flops").get<double>());
  EXPECT_GT(cpu.at("write_bandwidth_bytes_per_s").get<double>(), 0);
  ASSERT_EQ(doc.at("results").size(), 4u);
  for (const auto& r : doc.at("results")) {
    EXPECT_GT(r.at("steps_per_s").get<double>(), 0);
    const double frac = r.at("peak_fraction").get<double>();
    EXPECT_GT(frac, 0);
    EXPECT_LT(frac, 1);  // nothing beats the hardware peak
    EXPECT_NEAR(r.at("flops_per_s").get<double>(),
                r.at("steps_per_s").get<double>() * r.at("flops_per_step").get<double>(),
                1e-9 * r.at("flops_per_s").get<double>());
    // On the CPU computing is the whole job: the end-to-end rates are the rates.
    EXPECT_EQ(r.at("e2e_steps_per_s").get<double>(), r.at("steps_per_s").get<double>());
    EXPECT_EQ(r.at("grid_e2e_points_per_s").get<double>(), r.at("grid_points_per_s").get<double>());
  }
  EXPECT_FALSE(doc.at("compiler").get<std::string>().empty());
}

// On a GPU the rates are the kernels' (device events), which run inside the
// wall time of each call: every run's kernel rate is at least its
// end-to-end rate, so their medians keep that order.
TEST(Bench, GpuKernelRatesAreAtLeastTheEndToEndRates) {
  if (trilo::backend::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  Outcome o = trilobite(
      "bench --cases quartic-dimple-2d --precision f32 --starts 100000 --steps 20 --repeats 3 "
      "--backend cuda --json");
  ASSERT_EQ(o.status, 0) << o.err;
  const nlohmann::json doc = nlohmann::json::parse(o.out);
  ASSERT_EQ(doc.at("results").size(), 1u);
  const auto& r = doc.at("results").at(0);
  EXPECT_GT(r.at("e2e_steps_per_s").get<double>(), 0);
  EXPECT_GE(r.at("steps_per_s").get<double>(), r.at("e2e_steps_per_s").get<double>());
  EXPECT_GT(r.at("grid_e2e_points_per_s").get<double>(), 0);
  EXPECT_GE(r.at("grid_points_per_s").get<double>(), r.at("grid_e2e_points_per_s").get<double>());
}

// --formula adds each case as its formula twin, with its rate over the built-in's.
TEST(Bench, FormulaRowsCarryTheirRateOverTheBuiltin) {
  Outcome o = trilobite(
      "bench --cases bowl-3d --precision f64 --starts 64 --steps 5 --repeats 1 --backend cpu --formula --json");
  ASSERT_EQ(o.status, 0) << o.err;
  const nlohmann::json doc = nlohmann::json::parse(o.out);
  ASSERT_EQ(doc.at("results").size(), 2u);
  const auto& builtin = doc.at("results")[0];
  const auto& formula = doc.at("results")[1];
  EXPECT_EQ(formula.at("case"), "bowl-3d+formula");
  EXPECT_FALSE(builtin.contains("formula_over_builtin"));
  EXPECT_NEAR(formula.at("formula_over_builtin").get<double>(),
              formula.at("steps_per_s").get<double>() / builtin.at("steps_per_s").get<double>(), 1e-12);
}

TEST(Bench, TablePrintsThePeakAndOneRowPerCase) {
  Outcome o = trilobite("bench --cases bowl-3d --precision f32 --starts 32 --steps 3 --repeats 1 --backend cpu");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("peak"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("bowl-3d            f32"), std::string::npos) << o.out;
  // 32 descents of 3 steps take microseconds: the row is flagged.
  EXPECT_NE(o.err.find("1 of 1 rows timed their descents over less than 20 ms"), std::string::npos) << o.err;
}

// A row whose descents are timed over long enough spans is not flagged,
// and the JSON gives each row's median span.
TEST(Bench, OnlyRowsTimedOverShortSpansAreFlagged) {
  Outcome o = trilobite(
      "bench --cases rastrigin-16d --precision f64 --starts 4000 --steps 1000 --repeats 1 --backend cpu --json");
  ASSERT_EQ(o.status, 0) << o.err;
  const nlohmann::json doc = nlohmann::json::parse(o.out);
  const double span = doc.at("results").at(0).at("descent_span_s").get<double>();
  EXPECT_GT(span, 0);
  EXPECT_EQ(o.err.find("less than 20 ms"), std::string::npos) << o.err;
  EXPECT_GE(span, 0.02) << "the case is too light to be timed over 20 ms here";
}

// Network cases: one row per case in "network_results", no landscape rows,
// and the flop count of forward and backward written out here by layer:
// 2-16-16-1 has 2*16, 16*16 and 16*1 multiply-adds per product; each layer
// takes its forward product and weight gradient, the upper two also the
// gradient handed down, two flops per multiply-add.
TEST(Bench, NetworkCasesReportSampleGradientsAndTheirFlopCount) {
  Outcome o = trilobite(
      "bench --cases mlp2-moons-b32,mlp2-moons-b0 --precision f64 --starts 3 --steps 4 --repeats 1 --threads 4 --json");
  ASSERT_EQ(o.status, 0) << o.err;
  const nlohmann::json doc = nlohmann::json::parse(o.out);
  EXPECT_FALSE(doc.contains("results"));
  ASSERT_EQ(doc.at("network_results").size(), 2u);
  const double flops = 2.0 * (2 * (2 * 16) + 3 * (16 * 16) + 3 * (16 * 1));
  const std::int64_t batches[] = {32, 500};  // b0: the whole two-moons set of 500 rows
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& r = doc.at("network_results")[k];
    EXPECT_EQ(r.at("precision"), "f64");
    EXPECT_EQ(r.at("gather"), "copy");  // two-moons' coordinates are not few values
    EXPECT_EQ(r.at("runs").get<std::int64_t>(), 3);
    EXPECT_EQ(r.at("batch").get<std::int64_t>(), batches[k]);
    EXPECT_EQ(r.at("params").get<std::int64_t>(), 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1);
    EXPECT_EQ(r.at("flops_per_sample").get<double>(), flops);
    const double rate = r.at("sample_gradients_per_s").get<double>();
    EXPECT_GT(rate, 0);
    EXPECT_NEAR(r.at("flops_per_s").get<double>(), rate * flops, 1e-9 * rate * flops);
    const double frac = r.at("peak_fraction").get<double>();
    EXPECT_GT(frac, 0);
    EXPECT_LT(frac, 1);
    // Batch orders: timed for the mini-batch case only, a row's shuffle
    // step between 0.1 ns and 10 us, and their share of an epoch: the
    // epoch's orders on the threads (rows x runs x seconds a row / threads)
    // over the epoch at the measured rate (rows x runs / rate).
    const double per_row = r.at("order_seconds_per_row").get<double>();
    const int threads = r.at("order_threads").get<int>();
    if (batches[k] == 500) {
      EXPECT_EQ(per_row, 0);
      EXPECT_EQ(threads, 0);
      continue;
    }
    EXPECT_GT(per_row, 1e-10);
    EXPECT_LT(per_row, 1e-5);
    // Each network's orders on one thread: 3 networks keep 3 of the 4 busy.
    EXPECT_EQ(threads, 3);
    const double epoch_orders = 500.0 * 3 * per_row / threads, epoch = 500.0 * 3 / rate;
    EXPECT_NEAR(r.at("orders_fraction").get<double>(), epoch_orders / epoch, 1e-9 * epoch_orders / epoch);
  }
}

struct BadBench {
  const char* args;
  const char* must_mention;
};
class BenchBadInput : public ::testing::TestWithParam<BadBench> {};

TEST_P(BenchBadInput, IsRefusedWithOneLineAndExitTwo) {
  Outcome o = trilobite(std::string("bench --repeats 1 --starts 8 --steps 1 ") + GetParam().args);
  EXPECT_EQ(o.status, 2) << o.err;
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find(GetParam().must_mention), std::string::npos) << o.err;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, BenchBadInput,
                         ::testing::Values(BadBench{"--cases himmelblau-3d", "himmelblau"},
                                           BadBench{"--cases rastrigin", "<landscape>-<dim>d"},
                                           BadBench{"--cases himmelblaw-2d", "himmelblau"},
                                           BadBench{"--starts 0", "--starts"},
                                           BadBench{"--precision f16", "--precision"},
                                           BadBench{"--backend tpu", "--backend"},
                                           BadBench{"--cases mlp2-moons-bx", "network case"},
                                           BadBench{"--cases mlp3-moons-b32", "network case"},
                                           BadBench{"--networks --formula", "--formula"},
                                           BadBench{"--networks --starts 0", "--starts"},
                                           BadBench{"--networks --cases mlp2-moons-b32",
                                                    "--networks runs every network case already"},
                                           BadBench{"--networks --cases bowl-2d,mlp2-moons-b0",
                                                    "--cases 'mlp2-moons-b0'"}));

}  // namespace
