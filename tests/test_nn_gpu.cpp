// Networks on the GPU against the CPU, through the command: the same
// trainings on both backends start from bitwise the same weights (drawn on
// the host), take the same batch orders, and end with losses, weights and
// statuses within float32 rounding (float64: far tighter) and in the same
// number of minima. Skipped without a CUDA device; without one, the
// refusal of --backend cuda and auto's fallback to the CPU are checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend/backend.hpp"
#include "support/cli.hpp"
#include "support/h5_read.hpp"

namespace {

using namespace trilo;
using namespace trilo::test;

bool have_device() { return backend::cuda_device_count() > 0; }

// 300 rows of 784 pixels in [0, 1] with three decimals and a label 0..9:
// the brightest of ten bands of pixels, so the set is learnable.
std::string write_pixels(const std::string& path) {
  std::ofstream out(path);
  for (int f = 0; f < 784; ++f) out << "p" << f << ",";
  out << "label\n";
  for (int r = 0; r < 300; ++r) {
    double band[10] = {};
    std::ostringstream row;
    for (int f = 0; f < 784; ++f) {
      const double v = std::round(500.0 * (1.0 + std::sin(0.37 * r * r + 1.3 * f + 0.01 * r * f))) / 1000.0;
      band[f % 10] += v;
      row << v << ",";
    }
    out << row.str() << (std::max_element(band, band + 10) - band) << "\n";
  }
  return path;
}

struct Trainings {
  std::vector<double> start, end, loss, accuracy, minima_count;
  std::vector<int> steps, status;
};

Trainings run_on(const std::string& backend, const std::string& args, const std::string& stem) {
  const std::string f = unique(stem + "-" + backend + ".h5");
  const Outcome o = trilobite(args + " --backend " + backend + " --hessian-top 0 -q --force -o " + f);
  EXPECT_EQ(o.status, 0) << backend << ": " << o.err;
  Trainings r;
  if (o.status != 0) return r;
  r.start = read_dataset<double>(f, "/descents/start");
  r.end = read_dataset<double>(f, "/descents/end");
  r.loss = read_dataset<double>(f, "/descents/loss");
  r.accuracy = read_dataset<double>(f, "/descents/accuracy");
  r.minima_count = read_dataset<double>(f, "/minima/count");
  r.steps = read_dataset<int>(f, "/descents/steps");
  r.status = read_dataset<int>(f, "/descents/status");
  return r;
}

// The trainings of `args` on both backends: identical starts; losses within
// `loss_tol` (relative, floor 1), weights within `weight_tol` (the same);
// the same statuses; steps within `step_slack` (a full-batch training that
// converges may cross the tolerance a step apart); the same minima count.
void expect_same_trainings(const std::string& args, const std::string& stem, double loss_tol, double weight_tol,
                           int step_slack = 0) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device present";
  const std::string descend = args + " --barrier-minima 0";
  const Trainings cpu = run_on("cpu", descend, stem), gpu = run_on("cuda", descend, stem);
  ASSERT_FALSE(cpu.start.empty());
  ASSERT_FALSE(gpu.start.empty());
  ASSERT_EQ(cpu.start.size(), gpu.start.size());
  for (std::size_t k = 0; k < cpu.start.size(); ++k)
    ASSERT_EQ(cpu.start[k], gpu.start[k]) << "start weight " << k << " differs";  // bitwise: same draws
  ASSERT_EQ(cpu.loss.size(), gpu.loss.size());
  for (std::size_t i = 0; i < cpu.loss.size(); ++i) {
    EXPECT_EQ(cpu.status[i], gpu.status[i]) << "training " << i;
    EXPECT_LE(std::abs(cpu.steps[i] - gpu.steps[i]), step_slack) << "training " << i;
    EXPECT_NEAR(gpu.loss[i], cpu.loss[i], loss_tol * std::max(1.0, std::abs(cpu.loss[i]))) << "training " << i;
    EXPECT_NEAR(gpu.accuracy[i], cpu.accuracy[i], 0.02) << "training " << i;
  }
  for (std::size_t k = 0; k < cpu.end.size(); ++k)
    ASSERT_NEAR(gpu.end[k], cpu.end[k], weight_tol * std::max(1.0, std::abs(cpu.end[k]))) << "end weight " << k;
  EXPECT_EQ(gpu.minima_count.size(), cpu.minima_count.size()) << "minima by function";
}

TEST(NnGpu, FullBatchTanhBceOnTwoMoonsMatchesTheCpu) {
  expect_same_trainings(
      "descend --model mlp:2-8-1 --activation tanh --loss bce --data two-moons --starts 16 --steps 300 --lr 0.5 "
      "--tol 0",
      "fullbatch", 1e-4, 2e-3);
}

TEST(NnGpu, MiniBatchTanhBceOnTwoMoonsMatchesTheCpu) {
  expect_same_trainings(
      "descend --model mlp:2-8-1 --activation tanh --loss bce --data two-moons --starts 16 --batch-size 32 "
      "--epochs 3 --lr 0.2 --optimizer momentum",
      "minibatch", 1e-4, 2e-3);
}

TEST(NnGpu, ConvergingLogisticRegressionStopsWhereTheCpuStops) {
  expect_same_trainings(
      "descend --model mlp:2-1 --loss bce --data two-moons --starts 8 --steps 20000 --lr 1 --tol 1e-3", "converge",
      1e-4, 2e-3, 20);
}

TEST(NnGpu, SigmoidXentOn784PixelsWithATestSetMatchesTheCpu) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device present";
  const std::string data = write_pixels(unique("pixels.csv"));
  expect_same_trainings("descend --model mlp:784-16-16-10 --activation sigmoid --loss xent --data " + data +
                            " --test-fraction 0.2 --starts 8 --batch-size 64 --epochs 2 --optimizer adam --lr 0.01",
                        "pixels", 1e-3, 5e-3);
}

TEST(NnGpu, Float64GeluMseWithWeightDecayMatchesTheCpuClosely) {
  expect_same_trainings(
      "descend --model mlp:2-6-3 --activation gelu --loss mse --data blobs --starts 8 --steps 200 --lr 0.1 "
      "--weight-decay 0.01 --tol 0 --precision f64 --lr-schedule cosine",
      "f64", 1e-9, 1e-8);
}

TEST(NnGpu, BasinMapOfInitialisationsMatchesTheCpu) {
  if (!have_device()) GTEST_SKIP() << "no CUDA device present";
  const std::string args =
      "basins --model mlp:2-4-1 --activation tanh --loss bce --data two-moons --basin-res 6 --batch-size 50 "
      "--epochs 2 --lr 0.3";
  const Trainings cpu = run_on("cpu", args, "basins"), gpu = run_on("cuda", args, "basins");
  ASSERT_EQ(cpu.loss.size(), gpu.loss.size());
  for (std::size_t i = 0; i < cpu.loss.size(); ++i)
    EXPECT_NEAR(gpu.loss[i], cpu.loss[i], 1e-4 * std::max(1.0, std::abs(cpu.loss[i]))) << "cell " << i;
  EXPECT_EQ(cpu.start, gpu.start);
}

TEST(NnGpu, CudaIsRefusedWithoutADeviceAndAutoFallsBackToTheCpu) {
  if (have_device()) GTEST_SKIP() << "a CUDA device is present";
  const std::string f = unique("out.h5");
  std::remove(f.c_str());
  const Outcome o = trilobite("descend --model mlp:2-3-2 --data xor --backend cuda -o " + f);
  EXPECT_EQ(o.status, 2) << o.err;
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("--backend cuda"), std::string::npos) << o.err;
  EXPECT_FALSE(exists(f));
  const Outcome a = trilobite("descend --model mlp:2-3-2 --data xor --starts 2 --steps 5 --backend auto --force -o " + f);
  EXPECT_EQ(a.status, 0) << a.err;
  EXPECT_NE(a.err.find("cpu (OpenMP"), std::string::npos) << a.err;
}

// The bench's network cases on the GPU: one row per case, each on cuda,
// with a rate and a fraction of the GPU's FP32 peak; without a device the
// request is one line naming --backend cuda.
TEST(NnGpu, BenchNetworkCasesRunOnTheGpu) {
  const Outcome o = trilobite(
      "bench --cases mlp2-moons-b32,mlp2-moons-b0 --backend cuda --precision f32 --starts 4 --steps 4 --repeats 1 --json");
  if (!have_device()) {
    EXPECT_NE(o.status, 0);
    EXPECT_EQ(lines(o.err), 1) << o.err;
    EXPECT_NE(o.err.find("--backend cuda"), std::string::npos) << o.err;
    return;
  }
  ASSERT_EQ(o.status, 0) << o.err;
  const nlohmann::json doc = nlohmann::json::parse(o.out);
  ASSERT_EQ(doc.at("network_results").size(), 2u);
  for (const auto& r : doc.at("network_results")) {
    EXPECT_EQ(r.at("backend"), "cuda");
    EXPECT_GT(r.at("sample_gradients_per_s").get<double>(), 0);
    EXPECT_GT(r.at("peak_fraction").get<double>(), 0);
    EXPECT_LT(r.at("peak_fraction").get<double>(), 1);
  }
}

TEST(NnGpu, PlaneThroughANetworkIsRefusedOnCuda) {
  const std::string t = unique("t.h5");
  ASSERT_EQ(trilobite("descend --model mlp:2-3-1 --loss bce --data xor --starts 1 --steps 5 --backend cpu -q --force -o " + t).status, 0);
  const std::string f = unique("plane.h5");
  std::remove(f.c_str());
  const Outcome o = trilobite("grid --model mlp:2-3-1 --loss bce --data xor --center " + t + ":0 --backend cuda -o " + f);
  EXPECT_EQ(o.status, 2) << o.err;
  EXPECT_NE(o.err.find("--backend cuda: a plane through a network's weights"), std::string::npos) << o.err;
  EXPECT_FALSE(exists(f));
}

}  // namespace
