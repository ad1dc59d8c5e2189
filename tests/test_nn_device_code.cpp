// The GPU's ensemble trainer (kernels/network_ensemble.hpp) run on the host
// (support/host_device_ensemble.hpp), against the CPU's trainer (train_one)
// from the same start weights and batch orders: statuses and steps equal,
// losses, accuracies, end weights and probe outputs within the rounding of
// the precision (the products sum in another order). Machines without a
// device check the device's own code this way; a GPU adds only its
// arithmetic (tests/test_nn_gpu.cpp).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "nn/data.hpp"
#include "nn/data_sources.hpp"
#include "nn/data_view.hpp"
#include "nn/ensemble.hpp"
#include "nn/model.hpp"
#include "nn/train.hpp"
#include "support/host_device_ensemble.hpp"

namespace {

using namespace trilo;
using namespace trilo::nn;

nn::DeviceEnsembleMaker<float> host_device(std::size_t free_bytes, float) {
  return test::host_device_ensemble_f32(free_bytes);
}
nn::DeviceEnsembleMaker<double> host_device(std::size_t free_bytes, double) {
  return test::host_device_ensemble_f64(free_bytes);
}

Dataset generated(const std::string& name, std::int64_t size, std::uint64_t seed, std::uint32_t part) {
  GeneratedOptions g;
  g.size = size;
  g.noise = 0.1;
  g.classes = name == "blobs" ? 3 : 2;
  return generate_set(name, g, seed, part);
}

// rows pixels in [0, 1] (three decimals) and a label 0..9, the brightest
// of ten bands of pixels, so the set is learnable.
Dataset pixels(std::int64_t rows, int shift) {
  Dataset d;
  d.rows = rows;
  d.features = 784;
  d.classes = 10;
  d.name = "pixels";
  for (std::int64_t r = 0; r < rows; ++r) {
    double band[10] = {};
    for (int f = 0; f < 784; ++f) {
      const double q = static_cast<double>(r + shift);
      const double v = std::round(500.0 * (1.0 + std::sin(0.37 * q * q + 1.3 * f + 0.01 * q * f))) / 1000.0;
      band[f % 10] += v;
      d.x.push_back(static_cast<float>(v));
    }
    d.y.push_back(static_cast<float>(std::max_element(band, band + 10) - band));
  }
  return d;
}

struct Tolerance {
  double loss, weight, output;
  std::int64_t step_slack = 0;
};

// Runs [first, first + count) on both trainers; `free_bytes` is the
// device memory the host space claims.
// Returns the count of each status among the CPU's trainings.
template <class T>
std::vector<int> expect_device_code_trains_as_the_cpu(const Model& m, const TrainParams& p, const Dataset& train_set,
                                          const Dataset* test_set, std::int64_t first, std::int64_t count,
                                          const Tolerance& tol, std::size_t free_bytes = std::size_t(1) << 30) {
  const DataView<T> train = view_of<T>(train_set, true);
  const DataView<T> test = test_set ? view_of<T>(*test_set) : DataView<T>{};
  std::vector<std::int64_t> probe_rows(std::min<std::int64_t>(train_set.rows, 20));
  std::iota(probe_rows.begin(), probe_rows.end(), std::int64_t(0));
  const DataView<T> probe = rows_of<T>(train_set, probe_rows);
  const std::int64_t P = m.params(), W = probe.rows * m.outputs();
  const auto n = static_cast<std::size_t>(count);

  const std::size_t weights = n * static_cast<std::size_t>(P), outputs = n * static_cast<std::size_t>(W);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> start(weights), ref_end(weights), end(weights, nan), out(outputs, nan);
  for (std::int64_t k = 0; k < count; ++k) init_weights(m, p.init, p.seed, first + k, start.data() + k * P);

  const std::unique_ptr<EnsembleTrainer> device =
      make_ensemble_trainer(m, p, train, test_set ? &test : nullptr, probe, host_device(free_bytes, T()));
  std::vector<TrainOutcome> got(n);
  device->train(first, count, start.data(), end.data(), got.data(), out.data());

  Workspace<T> ws;
  std::vector<T> w(static_cast<std::size_t>(P)), want_out(static_cast<std::size_t>(W));
  std::vector<int> statuses(3, 0);
  for (std::int64_t k = 0; k < count; ++k) {
    SCOPED_TRACE("run " + std::to_string(first + k));
    std::vector<double> s(start.begin() + k * P, start.begin() + (k + 1) * P);
    const TrainOutcome want =
        train_one<T>(m, p, train, test_set ? &test : nullptr, first + k, s.data(), ref_end.data() + k * P, nullptr, true);
    const TrainOutcome& g = got[static_cast<std::size_t>(k)];
    ++statuses[static_cast<std::size_t>(want.status)];
    EXPECT_EQ(static_cast<int>(g.status), static_cast<int>(want.status));
    if (g.status != want.status) continue;
    EXPECT_LE(std::abs(g.steps - want.steps), tol.step_slack) << g.steps << " steps against " << want.steps;
    if (want.status == DescentStatus::kDiverged) continue;
    EXPECT_NEAR(g.loss, want.loss, tol.loss * std::max(1.0, std::abs(want.loss)));
    EXPECT_NEAR(g.grad_norm, want.grad_norm, tol.loss * std::max(1.0, std::abs(want.grad_norm)) + 10 * tol.loss);
    // Accuracy is defined where the labels are classes, on both trainers.
    const auto same_accuracy = [&train_set](double got_acc, double want_acc) {
      EXPECT_EQ(std::isnan(want_acc), !train_set.integer_labels) << want_acc;
      if (std::isnan(want_acc))
        EXPECT_TRUE(std::isnan(got_acc)) << got_acc;
      else
        EXPECT_NEAR(got_acc, want_acc, 0.02);
    };
    same_accuracy(g.accuracy, want.accuracy);
    if (test_set) {
      EXPECT_NEAR(g.test_loss, want.test_loss, tol.loss * std::max(1.0, std::abs(want.test_loss)));
      same_accuracy(g.test_accuracy, want.test_accuracy);
    } else {
      EXPECT_TRUE(std::isnan(g.test_loss));
    }
    std::int64_t bad = 0;
    for (std::int64_t j = 0; j < P; ++j) {
      const double e = ref_end[static_cast<std::size_t>(k * P + j)], d = end[static_cast<std::size_t>(k * P + j)];
      if (!(std::abs(d - e) <= tol.weight * std::max(1.0, std::abs(e))) && bad++ == 0)
        ADD_FAILURE() << "weight " << j << ": " << d << " against " << e;
      w[static_cast<std::size_t>(j)] = static_cast<T>(d);
    }
    EXPECT_EQ(bad, 0) << "weights off";
    // The probe outputs of the device's own end weights, through the CPU's
    // forward pass and link.
    predict<T>(m, w.data(), probe.all(), want_out.data(), ws);
    bad = 0;
    for (std::int64_t j = 0; j < W; ++j) {
      const double d = out[static_cast<std::size_t>(k * W + j)], e = want_out[static_cast<std::size_t>(j)];
      if (!(std::abs(d - e) <= tol.output) && bad++ == 0)
        ADD_FAILURE() << "probe output " << j << ": " << d << " against " << e;
    }
    EXPECT_EQ(bad, 0) << "probe outputs off";
  }
  return statuses;
}

Model model(const std::string& text, Activation a, LossKind l, double weight_decay = 0) {
  Model m = parse_model(text);
  m.activation = a;
  m.loss = l;
  m.weight_decay = weight_decay;
  return m;
}

const Tolerance kF32{1e-4, 2e-3, 1e-4};
const Tolerance kF64{1e-9, 1e-8, 1e-9};

TEST(NnDeviceCode, FullBatchTanhBceOnTwoMoonsTrainsAsTheCpu) {
  const Model m = model("mlp:2-8-1", Activation::kTanh, LossKind::kBce);
  TrainParams p;
  p.opt.lr = 0.5;
  p.max_steps = 300;
  p.tol = 0;
  p.seed = 11;
  expect_device_code_trains_as_the_cpu<float>(m, p, generated("two-moons", 200, 11, 0), nullptr, 0, 16, kF32);
}

TEST(NnDeviceCode, MiniBatchMomentumTrainsAsTheCpu) {
  const Model m = model("mlp:2-8-1", Activation::kTanh, LossKind::kBce);
  TrainParams p;
  p.opt.kind = OptimizerKind::kMomentum;
  p.opt.lr = 0.2;
  p.batch = 32;
  p.epochs = 3;
  p.seed = 5;
  expect_device_code_trains_as_the_cpu<float>(m, p, generated("two-moons", 200, 5, 0), nullptr, 3, 16, kF32);
}

// The orders of the epochs after the first are made on a thread of the
// trainer's own while the device runs the epoch before. A new thread starts
// with OpenMP's default team size; they are made with the team size of the
// thread that built the trainer (a job's --threads), seen here as that
// thread's count once its orders are made.
TEST(NnDeviceCode, OrdersMadeBesideTheDeviceKeepTheCallersThreadCount) {
  if (std::async(std::launch::async, [] { return omp_get_max_threads(); }).get() < 2)
    GTEST_SKIP() << "a new thread's OpenMP default is one thread already";
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::thread::id caller = std::this_thread::get_id();
  std::mutex mu;
  std::vector<int> seen;  // the counts of the threads other than the caller's
  const DeviceEnsembleMaker<float> inner = test::host_device_ensemble_f32(std::size_t(1) << 30);
  const DeviceEnsembleMaker<float> watching = [&](const NetSpec& spec, const HostRows<float>& train,
                                                  const HostRows<float>& test, const HostRows<float>& probe,
                                                  OrderSource orders) {
    OrderSource watched = [&, orders](std::int64_t first, std::int64_t count, std::int64_t epoch, std::int32_t* out) {
      orders(first, count, epoch, out);
      if (std::this_thread::get_id() == caller) return;
      const std::lock_guard<std::mutex> lock(mu);
      seen.push_back(omp_get_max_threads());
    };
    return inner(spec, train, test, probe, std::move(watched));
  };
  const Model m = model("mlp:2-4-1", Activation::kTanh, LossKind::kBce);
  TrainParams p;
  p.batch = 50;
  p.epochs = 3;
  const Dataset set = generated("two-moons", 100, 3, 0);
  const DataView<float> train = view_of<float>(set, true);
  const DataView<float> probe = rows_of<float>(set, {0});
  const std::int64_t P = m.params(), count = 4;
  std::vector<double> start(static_cast<std::size_t>(count * P)), end(start.size()), out(static_cast<std::size_t>(count));
  for (std::int64_t k = 0; k < count; ++k) init_weights(m, p.init, p.seed, k, start.data() + k * P);
  std::vector<TrainOutcome> got(static_cast<std::size_t>(count));
  make_ensemble_trainer(m, p, train, nullptr, probe, watching)->train(0, count, start.data(), end.data(), got.data(),
                                                                      out.data());
  omp_set_num_threads(before);
  ASSERT_EQ(seen.size(), 2u) << "epochs 1 and 2 are made beside the device";
  for (int t : seen) EXPECT_EQ(t, 1);
}

// Converged trainings stop where the CPU's stop (a step or so apart: the
// gradient norm crosses the tolerance at a rounding's distance).
TEST(NnDeviceCode, ConvergingLogisticRegressionStopsWhereTheCpuStops) {
  const Model m = model("mlp:2-1", Activation::kSigmoid, LossKind::kBce);
  TrainParams p;
  p.opt.lr = 1;
  p.max_steps = 5000;
  p.tol = 3e-3;
  p.seed = 2;
  Tolerance t = kF32;
  t.step_slack = 20;
  const std::vector<int> st =
      expect_device_code_trains_as_the_cpu<float>(m, p, generated("two-moons", 200, 2, 0), nullptr, 0, 8, t);
  EXPECT_EQ(st[0], 8) << "every training converges";
}

TEST(NnDeviceCode, SigmoidXentOn784PixelsWithATestSetTrainsAsTheCpu) {
  const Model m = model("mlp:784-16-16-10", Activation::kSigmoid, LossKind::kXent);
  TrainParams p;
  p.opt.kind = OptimizerKind::kAdam;
  p.opt.lr = 0.01;
  p.batch = 64;
  p.epochs = 2;
  p.seed = 9;
  const Dataset train = pixels(240, 0), test = pixels(60, 1000);
  expect_device_code_trains_as_the_cpu<float>(m, p, train, &test, 0, 4, Tolerance{1e-3, 5e-3, 1e-3});
}

TEST(NnDeviceCode, Float64GeluMseWithWeightDecayAndCosineTrainsAsTheCpuClosely) {
  const Model m = model("mlp:2-6-3", Activation::kGelu, LossKind::kMse, 0.01);
  TrainParams p;
  p.opt.lr = 0.1;
  p.max_steps = 200;
  p.tol = 0;
  p.seed = 4;
  p.schedule.kind = ScheduleKind::kCosine;
  p.schedule.horizon = 200;
  expect_device_code_trains_as_the_cpu<double>(m, p, generated("blobs", 150, 4, 0), nullptr, 0, 8, kF64);
}

// A regression (mse on targets that are not classes): no row is right or
// wrong, so both trainers give NaN accuracies, on the training set and the
// test set.
TEST(NnDeviceCode, ARegressionHasNoAccuracyOnEitherTrainer) {
  const Model m = model("mlp:2-6-1", Activation::kTanh, LossKind::kMse);
  Dataset train = generated("two-moons", 120, 6, 0), test = generated("two-moons", 40, 6, 1);
  for (Dataset* d : {&train, &test}) {
    for (std::int64_t r = 0; r < d->rows; ++r)  // a smooth target of the two inputs
      d->y[static_cast<std::size_t>(r)] = static_cast<float>(0.3 * d->x[static_cast<std::size_t>(2 * r)] -
                                                             0.2 * d->x[static_cast<std::size_t>(2 * r + 1)] + 0.05);
    d->integer_labels = false;
    d->classes = 0;
  }
  TrainParams p;
  p.opt.lr = 0.1;
  p.batch = 20;
  p.epochs = 3;
  p.seed = 9;
  expect_device_code_trains_as_the_cpu<double>(m, p, train, &test, 0, 4, kF64);
}

// Every optimizer, with warm-up and a step schedule, mini-batch, in float64.
TEST(NnDeviceCode, EveryOptimizerWithWarmupTrainsAsTheCpuClosely) {
  const Model m = model("mlp:2-5-3", Activation::kRelu, LossKind::kXent);
  for (OptimizerKind k : {OptimizerKind::kGd, OptimizerKind::kNesterov, OptimizerKind::kAdam, OptimizerKind::kRmsprop}) {
    SCOPED_TRACE("optimizer " + std::to_string(static_cast<int>(k)));
    TrainParams p;
    p.opt.kind = k;
    p.opt.lr = k == OptimizerKind::kGd || k == OptimizerKind::kNesterov ? 0.1 : 0.01;
    p.batch = 25;
    p.epochs = 4;
    p.seed = 8;
    p.schedule.kind = ScheduleKind::kStep;
    p.schedule.every = 7;
    p.schedule.gamma = 0.5;
    p.schedule.warmup = 5;
    expect_device_code_trains_as_the_cpu<double>(m, p, generated("blobs", 110, 8, 0), nullptr, 2, 5, kF64);
  }
}

// Little device memory: a chunk in passes of a few networks, every
// evaluation in tiles of a few rows (the gradient summed across tiles),
// mini-batches gathered tile by tile, and one batch order for every run
// (a basin map's).
TEST(NnDeviceCode, PassesAndTilesInLittleMemoryTrainAsTheCpu) {
  const Model m = model("mlp:2-8-3", Activation::kTanh, LossKind::kXent);
  TrainParams p;
  p.opt.kind = OptimizerKind::kAdam;
  p.opt.lr = 0.02;
  p.batch = 40;
  p.epochs = 3;
  p.seed = 3;
  p.order_run = 0;
  const Dataset train = generated("blobs", 130, 3, 0), test = generated("blobs", 50, 3, 1);
  const DataView<double> view = view_of<double>(train, true);
  const NetSpec s = net_spec(m, p);
  // Room for about three networks and a dozen rows a tile.
  const std::size_t budget =
      2 * (3 * network_bytes(s, train.rows, 20, sizeof(double)) + 12 * row_bytes(s, true, sizeof(double)));
  const EnsemblePlan plan = plan_ensemble(7, train.rows, network_bytes(s, train.rows, 20, sizeof(double)),
                                          row_bytes(s, true, sizeof(double)), budget / 2);
  ASSERT_LT(plan.networks, 7) << "the chunk runs in several passes";
  ASSERT_LT(plan.tile_rows, p.batch) << "a batch is gathered in several tiles";
  expect_device_code_trains_as_the_cpu<double>(m, p, train, &test, 1, 7, kF64, budget);
  // The bench's timed steps take the same passes and tiles (and wait for
  // everything they queue: the host space aborts on a copy left unwaited).
  {
    const DataView<double> probe = rows_of<double>(train, {0, 1});
    const std::unique_ptr<EnsembleTrainer> t =
        make_ensemble_trainer(m, p, view, nullptr, probe, host_device(budget, double()));
    std::vector<double> start(7 * static_cast<std::size_t>(m.params()));
    for (std::int64_t k = 0; k < 7; ++k) init_weights(m, p.init, p.seed, k, start.data() + k * m.params());
    for (std::int64_t steps : {std::int64_t(0), std::int64_t(1), std::int64_t(5), std::int64_t(40)})
      EXPECT_GE(t->time_steps(7, start.data(), steps), 0.0) << steps << " steps";
  }
  p.batch = 0;  // full batch: the shared set in tiles
  p.max_steps = 60;
  p.tol = 0;
  expect_device_code_trains_as_the_cpu<double>(m, p, train, &test, 1, 7, kF64, budget);
}

// A rate far too large: the trainings diverge at the step the CPU's do.
TEST(NnDeviceCode, DivergingTrainingsStopAtTheCpusStep) {
  const Model m = model("mlp:2-8-1", Activation::kRelu, LossKind::kMse);
  for (std::int64_t batch : {std::int64_t(0), std::int64_t(16)}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    TrainParams p;
    p.opt.lr = 1e6;
    p.batch = batch;
    p.epochs = 5;
    p.max_steps = 100;
    p.seed = 6;
    const std::vector<int> st =
        expect_device_code_trains_as_the_cpu<float>(m, p, generated("two-moons", 64, 6, 0), nullptr, 0, 6, kF32);
    EXPECT_EQ(st[2], 6) << "every training diverges";
  }
}

}  // namespace

namespace {

// Inputs of 1e20 keep the loss finite (bce on logits grows like |z|) while
// an update of rate 1e20 takes the first layer's weights past float's
// range: the batch's loss never fails, the check of the weights at the
// epoch's end must (one batch an epoch, one epoch: no later batch would).
TEST(NnDeviceCode, WeightsOverflowingInAnEpochsLastUpdateDiverge) {
  const Model m = model("mlp:2-8-1", Activation::kRelu, LossKind::kBce);
  Dataset d = generated("two-moons", 64, 12, 0);
  for (float& x : d.x) x *= 1e20f;
  TrainParams p;
  p.opt.lr = 1e20;
  p.batch = 64;
  p.epochs = 1;
  p.seed = 12;
  const std::vector<int> st = expect_device_code_trains_as_the_cpu<float>(m, p, d, nullptr, 0, 6, kF32);
  EXPECT_EQ(st[2], 6) << "every training diverges";
}

}  // namespace
