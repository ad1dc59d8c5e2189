// Descents on the CPU backend against independent references, and the
// determinism promises (threads, chunks, seeds).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "backend/backend.hpp"

namespace {

using trilo::DescentStatus;
using trilo::LandscapeId;
using trilo::OptimizerKind;
using trilo::StartMode;
using trilo::backend::DescentBatch;
using trilo::backend::DescentRequest;
using trilo::backend::Precision;

DescentRequest request(LandscapeId id, int dim, double lo, double hi) {
  DescentRequest q;
  q.landscape = {id, dim};
  q.starts.dim = dim;
  q.starts.seed = 7;
  for (int i = 0; i < dim; ++i) {
    q.starts.lo[i] = lo;
    q.starts.hi[i] = hi;
    q.params.bound_lo[i] = lo - 10 * (hi - lo);
    q.params.bound_hi[i] = hi + 10 * (hi - lo);
  }
  q.params.seed = 7;
  return q;
}

// Plain float64 gradient descent on quartic-dimple, written out by hand from
// the formula (not from the library's landscape code).
struct RefResult {
  double x, y;
  long steps;
  bool converged;
};
RefResult reference_gd(double x, double y, double lr, long max_steps, double tol) {
  for (long k = 0;; ++k) {
    const double e = std::exp(-((x - 1.5) * (x - 1.5) + (y + 0.5) * (y + 0.5)));
    const double gx = 1.6 * x * x * x - 4.0 * x + 0.1 * y + (x - 1.5) * e;
    const double gy = y + 0.1 * x + (y + 0.5) * e;
    if (std::sqrt(gx * gx + gy * gy) <= tol) return {x, y, k, true};
    if (k == max_steps) return {x, y, k, false};
    x -= lr * gx;
    y -= lr * gy;
  }
}

TEST(Descent, GradientDescentOnQuarticDimpleMatchesHandWrittenReference) {
  DescentRequest q = request(LandscapeId::kQuarticDimple, 2, -2.5, 2.5);
  q.starts.mode = StartMode::kExplicit;
  q.explicit_starts = {-2, 2, 2, 2, -2, -2, 0.5, 0};
  q.params.opt.kind = OptimizerKind::kGd;
  q.params.opt.lr = 0.02;
  q.params.max_steps = 500;
  q.params.tol = 1e-6;
  auto be = trilo::backend::make_cpu_backend(2);
  DescentBatch out;
  be->descend(q, 0, 4, out);
  for (int i = 0; i < 4; ++i) {
    RefResult ref = reference_gd(q.explicit_starts[2 * i], q.explicit_starts[2 * i + 1], 0.02, 500, 1e-6);
    EXPECT_NEAR(out.end[2 * i], ref.x, 1e-12) << "start " << i;
    EXPECT_NEAR(out.end[2 * i + 1], ref.y, 1e-12) << "start " << i;
    EXPECT_EQ(out.steps[i], ref.steps) << "start " << i;
    EXPECT_EQ(out.status[i] == int(DescentStatus::kConverged), ref.converged);
    EXPECT_EQ(out.start[2 * i], q.explicit_starts[2 * i]);
  }
}

TEST(Descent, RandomStartsAreUniformInTheBoxAndDistinct) {
  DescentRequest q = request(LandscapeId::kRastrigin, 5, -3.0, 1.0);
  q.params.max_steps = 0;
  auto be = trilo::backend::make_cpu_backend(2);
  DescentBatch out;
  const int n = 20000;
  be->descend(q, 0, n, out);
  std::set<double> seen;
  for (int k = 0; k < 5; ++k) {
    double mean = 0;
    for (int i = 0; i < n; ++i) {
      double v = out.start[i * 5 + k];
      ASSERT_GE(v, -3.0);
      ASSERT_LT(v, 1.0);
      mean += v / n;
      seen.insert(v);
    }
    EXPECT_NEAR(mean, -1.0, 0.05) << "coordinate " << k;  // 4 / sqrt(12 n) ~ 0.008 sd
  }
  EXPECT_EQ(seen.size(), size_t(5 * n));
}

TEST(Descent, SameSeedSameStartsDifferentSeedDifferentStarts) {
  DescentRequest q = request(LandscapeId::kHimmelblau, 2, -5, 5);
  q.params.max_steps = 0;
  auto be = trilo::backend::make_cpu_backend(1);
  DescentBatch a, b, c;
  be->descend(q, 0, 100, a);
  be->descend(q, 0, 100, b);
  q.starts.seed = 8;
  be->descend(q, 0, 100, c);
  EXPECT_EQ(a.start, b.start);
  EXPECT_NE(a.start, c.start);
}

// Bitwise: any thread count and any chunking give the same records.
class Determinism : public ::testing::TestWithParam<std::tuple<OptimizerKind, double, Precision>> {};

TEST_P(Determinism, ResultsAreIdenticalForAnyThreadCountAndChunkSize) {
  auto [kind, noise, prec] = GetParam();
  DescentRequest q = request(LandscapeId::kSixHumpCamel, 2, -2, 2);
  q.params.opt.kind = kind;
  q.params.opt.lr = 0.01;
  q.params.noise = noise;
  q.params.max_steps = 400;
  q.precision = prec;
  const int n = 1000;
  DescentBatch one;
  trilo::backend::make_cpu_backend(1)->descend(q, 0, n, one);
  auto two = trilo::backend::make_cpu_backend(2);
  DescentBatch whole;
  two->descend(q, 0, n, whole);
  EXPECT_EQ(one.end, whole.end);
  EXPECT_EQ(one.steps, whole.steps);
  EXPECT_EQ(one.loss, whole.loss);
  // Chunks of 37 (not a divisor of n) reassembled.
  for (int first = 0; first < n; first += 37) {
    DescentBatch part;
    int count = std::min(37, n - first);
    two->descend(q, first, count, part);
    for (int i = 0; i < count; ++i) {
      ASSERT_EQ(part.end[2 * i], one.end[2 * (first + i)]);
      ASSERT_EQ(part.end[2 * i + 1], one.end[2 * (first + i) + 1]);
      ASSERT_EQ(part.steps[i], one.steps[first + i]);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Optimizers, Determinism,
    ::testing::Values(std::make_tuple(OptimizerKind::kGd, 0.0, Precision::kF64),
                      std::make_tuple(OptimizerKind::kAdam, 0.0, Precision::kF32),
                      std::make_tuple(OptimizerKind::kNesterov, 0.3, Precision::kF64),
                      std::make_tuple(OptimizerKind::kRmsprop, 0.3, Precision::kF32)));

TEST(Descent, EveryOptimizerReachesTheBowlMinimum) {
  for (OptimizerKind k : {OptimizerKind::kGd, OptimizerKind::kMomentum, OptimizerKind::kNesterov,
                          OptimizerKind::kAdam, OptimizerKind::kRmsprop}) {
    DescentRequest q = request(LandscapeId::kBowl, 3, -2, 2);
    q.params.opt.kind = k;
    q.params.opt.lr = k == OptimizerKind::kGd ? 0.1 : 0.01;
    q.params.max_steps = 20000;
    q.params.tol = 1e-6;
    DescentBatch out;
    trilo::backend::make_cpu_backend(2)->descend(q, 0, 16, out);
    for (int i = 0; i < 16; ++i) {
      if (k == OptimizerKind::kRmsprop) {
        // RMSprop's step is ~lr whatever the gradient: it ends circling the
        // minimum within about lr instead of meeting a gradient tolerance.
        EXPECT_LT(std::abs(out.end[3 * i]), 2 * q.params.opt.lr);
        continue;
      }
      EXPECT_EQ(out.status[i], int(DescentStatus::kConverged)) << "optimizer " << int(k);
      EXPECT_LT(std::abs(out.end[3 * i]), 1e-5);
    }
  }
}

TEST(Descent, MomentumFollowsTheHeavyBallRecurrence) {
  // One coordinate of the bowl: g = 2x, v = mu v + g, x -= lr v.
  DescentRequest q = request(LandscapeId::kBowl, 1, -2, 2);
  q.starts.mode = StartMode::kExplicit;
  q.explicit_starts = {1.5};
  q.params.opt.kind = OptimizerKind::kMomentum;
  q.params.opt.lr = 0.05;
  q.params.opt.momentum = 0.8;
  q.params.max_steps = 7;
  q.params.tol = 0;
  DescentBatch out;
  trilo::backend::make_cpu_backend(1)->descend(q, 0, 1, out);
  double x = 1.5, v = 0;
  for (int k = 0; k < 7; ++k) {
    v = 0.8 * v + 2 * x;
    x -= 0.05 * v;
  }
  EXPECT_DOUBLE_EQ(out.end[0], x);
  EXPECT_EQ(out.status[0], int(DescentStatus::kMaxSteps));
  EXPECT_EQ(out.steps[0], 7);
}

TEST(Descent, TooLargeLearningRateDivergesAndIsRecorded) {
  DescentRequest q = request(LandscapeId::kBowl, 2, -2, 2);
  q.params.opt.lr = 1.5;  // |1 - 2 lr| = 2: the iterate doubles each step
  q.params.max_steps = 1000;
  DescentBatch out;
  trilo::backend::make_cpu_backend(2)->descend(q, 0, 10, out);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(out.status[i], int(DescentStatus::kDiverged));
    EXPECT_LT(out.steps[i], 20);
  }
}

TEST(Descent, TraceRecordsTheSamePathAsTheDescent) {
  DescentRequest q = request(LandscapeId::kQuarticDimple, 2, -2.5, 2.5);
  q.params.opt.lr = 0.02;
  q.params.max_steps = 300;
  auto be = trilo::backend::make_cpu_backend(2);
  DescentBatch out;
  be->descend(q, 0, 8, out);
  auto traces = be->trace(q, {3, 5}, 7);
  ASSERT_EQ(traces.size(), 2u);
  for (const auto& t : traces) {
    const auto i = t.descent;
    ASSERT_GE(t.step.size(), 2u);
    EXPECT_EQ(t.step.front(), 0);
    EXPECT_EQ(t.position[0], out.start[2 * i]);
    EXPECT_EQ(t.step.back(), out.steps[i]);
    EXPECT_EQ(t.position[2 * (t.step.size() - 1)], out.end[2 * i]);
    for (size_t k = 1; k + 1 < t.step.size(); ++k) EXPECT_EQ(t.step[k] % 7, 0);
  }
}

}  // namespace
