// K descents a thread (descend_interleaved, src/core/descent_interleaved.hpp)
// against one descent at a time (descent_item, the general loop): every
// column bit for bit, for descents that converge, run out of steps, quench,
// bounce, carry noise and leave the box, ending at different steps, with one
// loop or several strided ones as GPU threads take their rows.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "backend/backend.hpp"
#include "core/descent_interleaved.hpp"
#include "core/landscapes.hpp"
#include "core/work.hpp"
#include "support/descent_cases.hpp"

namespace {

using namespace trilo;
using backend::DescentBatch;
using test::columns_of;
using test::expect_same_batch;

// What the references ended as: counts by status, quenches and bounces,
// and how many different step counts, so a case shows it reached them.
struct Reached {
  int converged = 0, max_steps = 0, diverged = 0, quenched = 0, bounced = 0;
  std::size_t step_counts = 0;
};

// descend_interleaved with K slots over `count` descents from `first`: in
// one loop, then as `threads` strided loops (row0 = t, stride = threads),
// with the general tuning and with Tuning; each against descent_item.
template <class T, int MaxDim, int K, class Tuning, class L>
Reached expect_interleaved_agrees(const L& land, const DescentParams& p, const StartSpec& s,
                                  std::int64_t first, std::int64_t count, int threads) {
  const int n = land.dim;
  DescentBatch ref;
  ref.resize(count, n);
  const DescentColumns c = columns_of(ref);
  for (std::int64_t r = 0; r < count; ++r) descent_item<T, MaxDim>(land, p, s, first + r, r, c);
  Reached seen;
  std::set<std::int64_t> steps;
  for (std::int64_t r = 0; r < count; ++r) {
    seen.converged += ref.status[r] == static_cast<std::int8_t>(DescentStatus::kConverged);
    seen.max_steps += ref.status[r] == static_cast<std::int8_t>(DescentStatus::kMaxSteps);
    seen.diverged += ref.status[r] == static_cast<std::int8_t>(DescentStatus::kDiverged);
    seen.quenched += ref.quench[r] != static_cast<std::int8_t>(QuenchResult::kNone);
    seen.bounced += ref.bounced[r];
    steps.insert(ref.steps[r]);
  }
  seen.step_counts = steps.size();

  DescentBatch one, tuned, strided;
  for (DescentBatch* b : {&one, &tuned, &strided}) b->resize(count, n);
  descend_interleaved<T, MaxDim, K>(land, p, s, first, 0, 1, count, columns_of(one));
  expect_same_batch(one, ref, "one loop, general tuning");
  descend_interleaved<T, MaxDim, K, Tuning>(land, p, s, first, 0, 1, count, columns_of(tuned));
  expect_same_batch(tuned, ref, "one loop, tuned");
  for (int t = 0; t < threads; ++t)
    descend_interleaved<T, MaxDim, K, Tuning>(land, p, s, first, t, threads, count,
                                              columns_of(strided));
  expect_same_batch(strided, ref, "strided loops, tuned");
  return seen;
}

constexpr int kGd = static_cast<int>(OptimizerKind::kGd);
constexpr int kMomentum = static_cast<int>(OptimizerKind::kMomentum);
constexpr int kAdam = static_cast<int>(OptimizerKind::kAdam);
using TunedGd = DescentTuning<kGd, false, std::int32_t>;
using TunedFixedGd = DescentTuning<kGd, false, std::int32_t, true>;

TEST(DescentInterleaved, TwoAndFourAThreadEndWhereOneAtATimeEnds) {
  // The bench case: quartic-dimple in float32, gradient descent. A rate
  // large enough that starts on the steep quartic walls overshoot the box.
  const QuarticDimple dimple;
  const StartSpec s2 = test::tight_box_starts(2);
  DescentParams p = test::tight_box_params(dimple, OptimizerKind::kGd, 0.05, 0.0);
  Reached r = expect_interleaved_agrees<float, 2, 2, TunedFixedGd>(dimple, p, s2, 0, 999, 7);
  EXPECT_GT(r.converged, 0);
  EXPECT_GT(r.step_counts, 20u) << "descents end at many different steps";
  expect_interleaved_agrees<float, 2, 4, TunedFixedGd>(dimple, p, s2, 123, 501, 3);
  expect_interleaved_agrees<float, 2, 2, TunedGd>(dimple, p, s2, 0, 300, 2);
  expect_interleaved_agrees<float, 2, 3, DescentTuning<kGd, true>>(dimple, p, s2, 5, 200, 2);
  p.opt.lr = 0.3;
  r = expect_interleaved_agrees<float, 2, 2, TunedFixedGd>(dimple, p, s2, 0, 400, 5);
  EXPECT_GT(r.diverged, 0) << "a rate past the walls' stability limit leaves the box";
  EXPECT_GT(r.converged + r.max_steps, 0);
  // No tolerance reachable: every descent runs to the step limit, then
  // quenches; a scheduled rate changes each step's rate.
  p.opt.lr = 0.05;
  p.tol = 0.0;
  p.max_steps = 40;
  p.quench_steps = 7;
  p.schedule.kind = ScheduleKind::kCosine;
  p.schedule.horizon = 30;
  p.schedule.min_lr = 0.01;
  r = expect_interleaved_agrees<float, 2, 2, TunedFixedGd>(dimple, p, s2, 0, 300, 4);
  EXPECT_EQ(r.max_steps, 300);
  EXPECT_EQ(r.quenched, 300);
}

TEST(DescentInterleaved, NoiseQuenchesBouncesAndDivergenceAgree) {
  // Noisy Adam on Rastrigin in float64: descents run out of steps and
  // quench, the noise drawn by each descent's own index and step.
  const Rastrigin rastrigin{3};
  const StartSpec s3 = test::tight_box_starts(3);
  Reached r = expect_interleaved_agrees<double, 16, 2, DescentTuning<kAdam>>(
      rastrigin, test::tight_box_params(rastrigin, OptimizerKind::kAdam, 0.05, 0.5), s3, 17, 200,
      3);
  EXPECT_GT(r.max_steps, 0);
  EXPECT_GT(r.quenched, 0);
  // Momentum past the stability limit near Rastrigin's minima (curvature
  // about 397: stable below 2 (1 + 0.9) / 397 = 0.0096): descents bounce,
  // or leave the box; at a stable rate they converge.
  DescentParams p = test::tight_box_params(rastrigin, OptimizerKind::kMomentum, 0.02, 0.0);
  r = expect_interleaved_agrees<float, 16, 2, DescentTuning<kMomentum>>(rastrigin, p, s3,
                                                                         0, 200, 3);
  EXPECT_GT(r.diverged, 0);
  p.opt.lr = 0.004;
  r = expect_interleaved_agrees<float, 16, 4, DescentTuning<kMomentum, false, std::int32_t>>(
      rastrigin, p, s3, 0, 200, 3);
  EXPECT_GT(r.converged, 0);
  // A rate at the edge of stability with a short step limit: some descents
  // are still bouncing when the steps run out.
  p.opt.kind = OptimizerKind::kGd;
  p.opt.lr = 0.0052;
  p.max_steps = 40;
  p.quench_steps = 0;
  r = expect_interleaved_agrees<float, 16, 2, TunedGd>(rastrigin, p, s3, 0, 300, 3);
  EXPECT_GT(r.bounced, 0);
  // Heavy-ball momentum on a bowl (mu 0.9, lr 0.1 on x^2): the iterates
  // circle, turning about 0.46 rad a step, and do not alternate; whether the
  // loss at the limit is below the window's early low depends on the phase
  // at which the steps run out, so over these limits some are flagged by
  // the loss test alone.
  const Bowl bowl{2};
  p = test::tight_box_params(bowl, OptimizerKind::kMomentum, 0.1, 0.0);
  p.opt.momentum = 0.9;
  p.tol = 1e-12;
  p.quench_steps = 0;
  int bounced = 0;
  for (p.max_steps = 60; p.max_steps < 76; ++p.max_steps)
    bounced += expect_interleaved_agrees<double, 2, 2, DescentTuning<kMomentum>>(
                   bowl, p, test::tight_box_starts(2), 0, 20, 3)
                   .bounced;
  EXPECT_GT(bounced, 0);
}

TEST(DescentInterleaved, FewerRowsThanSlotsAndEmptyRanges) {
  const QuarticDimple dimple;
  const StartSpec s2 = test::tight_box_starts(2);
  const DescentParams p = test::tight_box_params(dimple, OptimizerKind::kGd, 0.05, 0.0);
  expect_interleaved_agrees<float, 2, 4, TunedFixedGd>(dimple, p, s2, 0, 3, 1);
  expect_interleaved_agrees<float, 2, 2, TunedGd>(dimple, p, s2, 9, 1, 4);
  DescentBatch none;
  none.resize(3, 2);
  none.steps.assign(3, -7);
  descend_interleaved<float, 2, 2>(dimple, p, s2, 0, 0, 1, 0, columns_of(none));
  descend_interleaved<float, 2, 2>(dimple, p, s2, 0, 5, 8, 3, columns_of(none));
  EXPECT_EQ(none.steps, std::vector<std::int64_t>(3, -7)) << "no row written";
}

}  // namespace
