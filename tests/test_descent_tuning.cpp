// The compile-time choices of the descent loop (DescentTuning, src/core/
// descent.hpp) change how it runs, never what it computes: every choice
// against the general loop, bit for bit, on descents that converge, run out
// of steps, quench, bounce, diverge out of the box and carry noise (the fixed
// dimension on quartic-dimple; Rastrigin has none, so there it is the
// general count).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/descent.hpp"
#include "core/landscapes.hpp"
#include "core/sampling.hpp"
#include "support/descent_cases.hpp"

namespace {

using namespace trilo;

template <class T>
struct Ended {
  DescentOutcome<T> out;
  std::vector<T> x;
};

template <class T, class Tuning, class L>
Ended<T> descend(const L& land, const DescentParams& p, const StartSpec& s, std::int64_t index) {
  double x0[8] = {};
  start_point(s, index, x0);
  Ended<T> e{};
  e.x.assign(8, T(0));
  for (int i = 0; i < land.dim; ++i) e.x[i] = T(x0[i]);
  e.out = descend_one<T, 8, Tuning>(land, p, static_cast<std::uint64_t>(index), e.x.data());
  return e;
}

template <class T>
bool same_bits(T a, T b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Every tuning against the general loop for `n` descents; returns how many
// ended in each status (converged, max steps, diverged) so a caller can
// check the cases were all reached.
template <class T, OptimizerKind K, class L>
std::vector<int> expect_tunings_agree(const L& land, const DescentParams& p, const StartSpec& s, int n) {
  constexpr int kK = static_cast<int>(K);
  std::vector<int> ended(3, 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const Ended<T> ref = descend<T, DefaultTuning>(land, p, s, i);
    ++ended[static_cast<int>(ref.out.status)];
    const Ended<T> got[] = {
        descend<T, DescentTuning<kK>>(land, p, s, i),
        descend<T, DescentTuning<-1, true>>(land, p, s, i),
        descend<T, DescentTuning<-1, false, std::int32_t>>(land, p, s, i),
        descend<T, DescentTuning<kK, false, std::int32_t>>(land, p, s, i),
        descend<T, DescentTuning<kK, true, std::int32_t>>(land, p, s, i),
        descend<T, DescentTuning<-1, false, std::int64_t, true>>(land, p, s, i),
        descend<T, DescentTuning<kK, false, std::int32_t, true>>(land, p, s, i)};
    for (const Ended<T>& g : got) {
      EXPECT_EQ(g.out.steps, ref.out.steps) << "descent " << i;
      EXPECT_EQ(g.out.status, ref.out.status) << "descent " << i;
      EXPECT_EQ(g.out.quench, ref.out.quench) << "descent " << i;
      EXPECT_EQ(g.out.bounced, ref.out.bounced) << "descent " << i;
      EXPECT_TRUE(same_bits(g.out.loss, ref.out.loss)) << "descent " << i;
      EXPECT_TRUE(same_bits(g.out.grad_norm, ref.out.grad_norm)) << "descent " << i;
      for (int j = 0; j < land.dim; ++j) EXPECT_TRUE(same_bits(g.x[j], ref.x[j])) << "descent " << i;
    }
  }
  return ended;
}

TEST(DescentTuning, EveryChoiceEndsWhereTheGeneralLoopEnds) {
  const QuarticDimple dimple;
  std::vector<int> ended = expect_tunings_agree<float, OptimizerKind::kGd>(
      dimple, test::tight_box_params(dimple, OptimizerKind::kGd, 0.05, 0.0),
      test::tight_box_starts(2), 400);
  EXPECT_GT(ended[0], 0);
  const Rastrigin rastrigin{3};
  ended = expect_tunings_agree<double, OptimizerKind::kAdam>(
      rastrigin, test::tight_box_params(rastrigin, OptimizerKind::kAdam, 0.05, 0.5),
      test::tight_box_starts(3), 200);
  EXPECT_GT(ended[1], 0) << "noisy descents run out of steps";
  // Curvature near Rastrigin's minima is about 397: stable below a rate of
  // 2 (1 + 0.9) / 397 = 0.0096 with momentum 0.9, unstable above.
  ended = expect_tunings_agree<float, OptimizerKind::kMomentum>(
      rastrigin, test::tight_box_params(rastrigin, OptimizerKind::kMomentum, 0.004, 0.0),
      test::tight_box_starts(3), 200);
  EXPECT_GT(ended[0], 0);
  ended = expect_tunings_agree<float, OptimizerKind::kMomentum>(
      rastrigin, test::tight_box_params(rastrigin, OptimizerKind::kMomentum, 0.02, 0.0),
      test::tight_box_starts(3), 100);
  EXPECT_GT(ended[2], 0) << "an unstable rate leaves the box";
}

TEST(DescentTuning, A32BitCounterFitsOnlyStepsItCanCount) {
  DescentParams p;
  p.max_steps = 1000000;
  p.quench_steps = 1000;
  EXPECT_TRUE(step_counter_fits<std::int32_t>(p));
  p.max_steps = std::int64_t(1) << 31;
  EXPECT_FALSE(step_counter_fits<std::int32_t>(p));
  p.max_steps = 1000;
  p.quench_steps = std::int64_t(1) << 30;
  EXPECT_FALSE(step_counter_fits<std::int32_t>(p));
  EXPECT_TRUE(step_counter_fits<std::int64_t>(p));
}

}  // namespace
