// Learning-rate schedules: lr_at against closed forms written here, a
// scheduled descent against a hand-written float64 loop, the CPU lanes
// against the scalar path, and sweeps that scale each swept rate.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "backend/backend.hpp"
#include "config/run_config.hpp"
#include "core/schedule.hpp"
#include "jobs/jobs.hpp"
#include "support/run_job.hpp"

namespace {

using trilo::DescentStatus;
using trilo::LandscapeId;
using trilo::LrSchedule;
using trilo::OptimizerKind;
using trilo::ScheduleKind;
using trilo::StartMode;
using trilo::backend::DescentBatch;
using trilo::backend::DescentRequest;
using trilo::backend::Precision;

constexpr double kPi = 3.14159265358979323846;

TEST(LrSchedule, ConstantIsTheBaseRateAtEveryStep) {
  LrSchedule s;
  for (std::int64_t t : {0, 1, 7, 1000000}) EXPECT_EQ(trilo::lr_at(s, 0.3, t), 0.3);
}

TEST(LrSchedule, StepMultipliesByGammaOncePerPeriod) {
  LrSchedule s;
  s.kind = ScheduleKind::kStep;
  s.every = 3;
  s.gamma = 0.5;
  const double want[] = {0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1};
  for (int t = 0; t < 10; ++t) EXPECT_DOUBLE_EQ(trilo::lr_at(s, 0.8, t), want[t]) << "step " << t;
}

TEST(LrSchedule, ExponentialMultipliesByGammaEveryStep) {
  LrSchedule s;
  s.kind = ScheduleKind::kExp;
  s.gamma = 0.99;
  double r = 2.0;
  for (int t = 0; t < 500; ++t) {
    EXPECT_NEAR(trilo::lr_at(s, 2.0, t), r, 1e-13 * r) << "step " << t;
    r *= 0.99;
  }
}

TEST(LrSchedule, CosineRunsFromTheBaseDownToTheFloorOverTheHorizon) {
  LrSchedule s;
  s.kind = ScheduleKind::kCosine;
  s.horizon = 100;
  s.min_lr = 0.01;
  EXPECT_DOUBLE_EQ(trilo::lr_at(s, 0.5, 0), 0.5);
  EXPECT_NEAR(trilo::lr_at(s, 0.5, 50), 0.5 * (0.5 + 0.01), 1e-15);  // halfway: the mean
  EXPECT_NEAR(trilo::lr_at(s, 0.5, 25), 0.01 + 0.49 * 0.5 * (1 + std::sqrt(0.5)), 1e-15);
  EXPECT_DOUBLE_EQ(trilo::lr_at(s, 0.5, 100), 0.01);
  EXPECT_DOUBLE_EQ(trilo::lr_at(s, 0.5, 5000), 0.01);  // past the horizon: the floor
  for (int t = 1; t <= 100; ++t) EXPECT_LT(trilo::lr_at(s, 0.5, t), trilo::lr_at(s, 0.5, t - 1));
}

TEST(LrSchedule, WarmUpRampsLinearlyThenTheScheduleStartsFromZero) {
  LrSchedule s;
  s.kind = ScheduleKind::kCosine;
  s.horizon = 10;
  s.warmup = 4;
  const double base = 0.2;
  EXPECT_DOUBLE_EQ(trilo::lr_at(s, base, 0), 0.05);
  EXPECT_DOUBLE_EQ(trilo::lr_at(s, base, 1), 0.10);
  EXPECT_DOUBLE_EQ(trilo::lr_at(s, base, 2), 0.15);
  EXPECT_DOUBLE_EQ(trilo::lr_at(s, base, 3), 0.20);
  for (int t = 4; t < 20; ++t) {
    const double u = std::min(t - 4, 10);
    EXPECT_NEAR(trilo::lr_at(s, base, t), 0.5 * base * (1 + std::cos(kPi * u / 10)), 1e-15) << t;
  }
  LrSchedule c;  // warm-up on a constant rate
  c.warmup = 5;
  EXPECT_DOUBLE_EQ(trilo::lr_at(c, 1.0, 0), 0.2);
  EXPECT_DOUBLE_EQ(trilo::lr_at(c, 1.0, 4), 1.0);
  EXPECT_DOUBLE_EQ(trilo::lr_at(c, 1.0, 99), 1.0);
}

DescentRequest bowl_request(int dim, std::vector<double> starts) {
  DescentRequest q;
  q.landscape = {LandscapeId::kBowl, dim};
  q.starts.dim = dim;
  q.starts.mode = StartMode::kExplicit;
  q.explicit_starts = std::move(starts);
  for (int i = 0; i < dim; ++i) {
    q.params.bound_lo[i] = -1e6;
    q.params.bound_hi[i] = 1e6;
  }
  return q;
}

TEST(ScheduledDescent, StepScheduleOnAOneDimensionalQuadraticMatchesAHandWrittenLoop) {
  // f = x^2, f' = 2x. The rate halves every 7 steps from 0.45; the loop
  // below writes the schedule out itself: lr = 0.45 * 0.5^floor(t / 7).
  const double starts[] = {3.0, -1.7, 0.25, 40.0};
  DescentRequest q = bowl_request(1, {starts, starts + 4});
  q.params.opt.kind = OptimizerKind::kGd;
  q.params.opt.lr = 0.45;
  q.params.schedule.kind = ScheduleKind::kStep;
  q.params.schedule.every = 7;
  q.params.schedule.gamma = 0.5;
  q.params.max_steps = 60;
  q.params.tol = 1e-9;
  for (bool lanes : {true, false}) {
    auto be = lanes ? trilo::backend::make_cpu_backend(2) : trilo::backend::make_cpu_scalar_backend(2);
    DescentBatch out;
    be->descend(q, 0, 4, out);
    for (int i = 0; i < 4; ++i) {
      double x = starts[i];
      long t = 0;
      bool converged = false;
      for (;; ++t) {
        const double g = 2 * x;
        if (std::fabs(g) <= 1e-9) {
          converged = true;
          break;
        }
        if (t == 60) break;
        x -= 0.45 * std::pow(0.5, std::floor(t / 7.0)) * g;
      }
      EXPECT_EQ(out.end[i], x) << be->name() << " start " << i;
      EXPECT_EQ(out.steps[i], t) << be->name() << " start " << i;
      EXPECT_EQ(out.status[i] == std::int8_t(DescentStatus::kConverged), converged);
    }
  }
  // The schedule matters: the same run at the constant rate ends elsewhere.
  DescentRequest flat = q;
  flat.params.schedule = LrSchedule{};
  DescentBatch a, b;
  trilo::backend::make_cpu_backend(1)->descend(q, 0, 4, a);
  trilo::backend::make_cpu_backend(1)->descend(flat, 0, 4, b);
  EXPECT_NE(a.end, b.end);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(ScheduledDescent, CpuLanesAndTheScalarPathAgreeBitForBitOnEverySchedule) {
  // Lanes run descents of different lengths side by side, so each lane
  // sits at its own step of the schedule.
  DescentRequest q;
  q.landscape = {LandscapeId::kStyblinskiTang, 3};
  q.starts.dim = 3;
  q.starts.seed = 11;
  for (int i = 0; i < 3; ++i) {
    q.starts.lo[i] = -5;
    q.starts.hi[i] = 5;
    q.params.bound_lo[i] = -100;
    q.params.bound_hi[i] = 100;
  }
  q.params.seed = 11;
  q.params.max_steps = 400;
  LrSchedule step, ex, cosine, warm;
  step.kind = ScheduleKind::kStep, step.every = 37, step.gamma = 0.6;
  ex.kind = ScheduleKind::kExp, ex.gamma = 0.995;
  cosine.kind = ScheduleKind::kCosine, cosine.horizon = 350, cosine.min_lr = 1e-4, cosine.warmup = 50;
  warm.warmup = 25;
  int k = 0;
  for (const LrSchedule& s : {step, ex, cosine, warm})
    for (OptimizerKind o : {OptimizerKind::kGd, OptimizerKind::kAdam, OptimizerKind::kMomentum}) {
      q.params.schedule = s;
      q.params.opt.kind = o;
      q.params.opt.lr = o == OptimizerKind::kAdam ? 0.1 : 0.01;
      q.precision = k % 2 ? Precision::kF32 : Precision::kF64;
      q.params.noise = k % 3 == 0 ? 0.5 : 0.0;
      // Noisy descents all run out of steps at once: their quenches, at the
      // base rate, end at different steps.
      q.params.quench_steps = q.params.noise > 0 ? 300 : 0;
      q.params.tol = q.precision == Precision::kF32 ? 1e-3 : 1e-6;
      ++k;
      DescentBatch lanes, scalar;
      trilo::backend::make_cpu_backend(2)->descend(q, 0, 301, lanes);
      trilo::backend::make_cpu_scalar_backend(2)->descend(q, 0, 301, scalar);
      EXPECT_TRUE(same_bits(lanes.end, scalar.end)) << "case " << k;
      EXPECT_TRUE(same_bits(lanes.loss, scalar.loss)) << "case " << k;
      EXPECT_EQ(lanes.steps, scalar.steps) << "case " << k;
      EXPECT_EQ(lanes.status, scalar.status) << "case " << k;
      std::int64_t spread = 0;  // descents of several lengths, or the test proves less
      for (auto n : scalar.steps) spread = std::max<std::int64_t>(spread, std::abs(n - scalar.steps[0]));
      EXPECT_GT(spread, 0) << "case " << k;
    }
}

TEST(ScheduledSweep, EachSweptRateIsTheBaseTheScheduleScales) {
  // On f = x^2 from 1.5 with a step schedule (every 20, gamma 0.95), base
  // rate lr takes x to x (1 - 2 lr 0.95^floor(t/20)) at step t. The steps to
  // |f'| <= 1e-6 written out here must be the sweep's median steps at each
  // value: the swept value is the base the schedule scales.
  trilo::config::RunConfig c;
  c.job = "sweep";
  c.landscape = "bowl";
  c.dim = 1;
  c.box_text = "-2:2";
  c.start_texts = {"1.5"};
  c.steps = 2000;
  c.tol = 1e-6;
  c.tol_given = true;
  c.vary_text = "lr=0.05:0.35:4";
  c.lr_schedule = "step";
  c.lr_step_every = 20;
  c.lr_gamma = 0.95;
  const trilo::jobs::JobResult res = trilo::test::run_job(c);
  ASSERT_EQ(res.sweep.value.size(), 4u);
  for (std::size_t v = 0; v < 4; ++v) {
    const double lr = res.sweep.value[v];
    double x = 1.5;
    long t = 0;
    while (std::fabs(2 * x) > 1e-6) {
      x -= lr * std::pow(0.95, std::floor(t / 20.0)) * 2 * x;
      ++t;
    }
    EXPECT_EQ(res.sweep.median_steps[v], double(t)) << "lr " << lr;
    EXPECT_EQ(res.sweep.fraction_max_steps[v], 0.0) << "lr " << lr;
  }
}

}  // namespace
