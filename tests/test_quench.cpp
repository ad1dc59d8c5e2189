// The end of a descent's steps: the quench (descents out of steps go on
// without noise until they converge, and count at that minimum) and the
// bounce watch (a rate past 2 / lambda told from a slow one), against
// hand-written float64 loops, on the scalar path and the CPU lanes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "backend/backend.hpp"
#include "config/run_config.hpp"
#include "io/result_reader.hpp"
#include "jobs/jobs.hpp"
#include "support/run_job.hpp"
#include "support/cli.hpp"

namespace {

using trilo::DescentStatus;
using trilo::LandscapeId;
using trilo::OptimizerKind;
using trilo::QuenchResult;
using trilo::ScheduleKind;
using trilo::StartMode;
using trilo::backend::DescentBatch;
using trilo::backend::DescentRequest;
using trilo::backend::Precision;

constexpr auto kConverged = std::int8_t(DescentStatus::kConverged);
constexpr auto kMaxSteps = std::int8_t(DescentStatus::kMaxSteps);
constexpr auto kQuenchConverged = std::int8_t(QuenchResult::kConverged);

DescentRequest explicit_request(LandscapeId id, int dim, std::vector<double> starts, double bound) {
  DescentRequest q;
  q.landscape = {id, dim};
  q.starts.dim = dim;
  q.starts.mode = StartMode::kExplicit;
  q.explicit_starts = std::move(starts);
  for (int i = 0; i < dim; ++i) {
    q.params.bound_lo[i] = -bound;
    q.params.bound_hi[i] = bound;
  }
  return q;
}

std::vector<DescentBatch> both_paths(const DescentRequest& q, std::int64_t n) {
  std::vector<DescentBatch> out(2);
  trilo::backend::make_cpu_backend(2)->descend(q, 0, n, out[0]);
  trilo::backend::make_cpu_scalar_backend(2)->descend(q, 0, n, out[1]);
  return out;
}

// quartic-dimple's gradient, written out from its formula (docs/landscapes.md).
void dimple_grad(double x, double y, double& gx, double& gy) {
  const double e = std::exp(-((x - 1.5) * (x - 1.5) + (y + 0.5) * (y + 0.5)));
  gx = 1.6 * x * x * x - 4.0 * x + 0.1 * y + (x - 1.5) * e;
  gy = y + 0.1 * x + (y + 0.5) * e;
}

TEST(Quench, GradientDescentOutOfStepsGoesOnToTheMinimumAndKeepsItsStatus) {
  // Without noise, plain gradient descent has no state: its quench is the
  // same descent continued, so the end point is where an unbounded float64
  // loop converges, after the same number of updates.
  const double s[] = {-2, 2, 2, 2, -2, -2, 0.5, 0};
  DescentRequest q = explicit_request(LandscapeId::kQuarticDimple, 2, {s, s + 8}, 100);
  q.params.opt.lr = 0.02;
  q.params.max_steps = 60;
  q.params.quench_steps = 5000;
  q.params.tol = 1e-8;
  for (const DescentBatch& out : both_paths(q, 4)) {
    for (int i = 0; i < 4; ++i) {
      double x = s[2 * i], y = s[2 * i + 1], gx, gy;
      long k = 0;
      for (;; ++k) {
        dimple_grad(x, y, gx, gy);
        if (std::sqrt(gx * gx + gy * gy) <= 1e-8) break;
        x -= 0.02 * gx;
        y -= 0.02 * gy;
      }
      ASSERT_GT(k, 60) << "the case needs descents that run out of steps";
      EXPECT_NEAR(out.end[2 * i], x, 1e-12) << i;
      EXPECT_NEAR(out.end[2 * i + 1], y, 1e-12) << i;
      EXPECT_EQ(out.steps[i], k) << i;
      EXPECT_EQ(out.status[i], kMaxSteps) << i;
      EXPECT_EQ(out.quench[i], kQuenchConverged) << i;
    }
  }
}

TEST(Quench, RunsAtTheBaseRateWhateverTheSchedule) {
  // f = x^2 from 3: a step schedule (every 5, gamma 0.01) all but stops the
  // descent; after its 30 steps the quench goes on at the base rate 0.3.
  DescentRequest q = explicit_request(LandscapeId::kBowl, 1, {3.0}, 1e6);
  q.params.opt.lr = 0.3;
  q.params.schedule.kind = ScheduleKind::kStep;
  q.params.schedule.every = 5;
  q.params.schedule.gamma = 0.01;
  q.params.max_steps = 30;
  q.params.quench_steps = 1000;
  q.params.tol = 1e-10;
  double x = 3.0;
  long t = 0;
  for (; t < 30; ++t) x -= 0.3 * std::pow(0.01, std::floor(t / 5.0)) * (2 * x);
  ASSERT_GT(std::fabs(2 * x), 1e-10);
  for (; std::fabs(2 * x) > 1e-10; ++t) x -= 0.3 * (2 * x);
  for (const DescentBatch& out : both_paths(q, 1)) {
    EXPECT_EQ(out.end[0], x);
    EXPECT_EQ(out.steps[0], t);
    EXPECT_EQ(out.status[0], kMaxSteps);
    EXPECT_EQ(out.quench[0], kQuenchConverged);
  }
  q.params.quench_steps = 0;  // off: the descent ends where its steps ran out
  for (const DescentBatch& out : both_paths(q, 1)) {
    EXPECT_EQ(out.steps[0], 30);
    EXPECT_EQ(out.quench[0], 0);
  }
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(Quench, LanesAndScalarPathAgreeBitForBitWithNoiseAndMomentum) {
  DescentRequest q;
  q.landscape = {LandscapeId::kStyblinskiTang, 4};
  q.starts.dim = 4;
  q.starts.seed = 5;
  for (int i = 0; i < 4; ++i) {
    q.starts.lo[i] = -5, q.starts.hi[i] = 5;
    q.params.bound_lo[i] = -60, q.params.bound_hi[i] = 60;
  }
  q.params.seed = 5;
  q.params.noise = 2.0;
  q.params.max_steps = 150;
  q.params.quench_steps = 400;
  int k = 0;
  for (OptimizerKind o : {OptimizerKind::kGd, OptimizerKind::kMomentum, OptimizerKind::kAdam}) {
    for (Precision p : {Precision::kF64, Precision::kF32}) {
      q.params.opt.kind = o;
      q.params.opt.lr = o == OptimizerKind::kAdam ? 0.05 : 0.004;
      q.precision = p;
      q.params.tol = p == Precision::kF32 ? 1e-3 : 1e-6;
      const std::vector<DescentBatch> r = both_paths(q, 333);
      const std::string what = "case " + std::to_string(k++);
      EXPECT_TRUE(same_bits(r[0].end, r[1].end)) << what;
      EXPECT_TRUE(same_bits(r[0].loss, r[1].loss)) << what;
      EXPECT_EQ(r[0].steps, r[1].steps) << what;
      EXPECT_EQ(r[0].status, r[1].status) << what;
      EXPECT_EQ(r[0].quench, r[1].quench) << what;
      EXPECT_EQ(r[0].bounced, r[1].bounced) << what;
      int quenched = 0;
      for (auto v : r[1].quench) quenched += v == kQuenchConverged;
      EXPECT_GT(quenched, 100) << what << ": noisy descents settle in the quench";
    }
  }
}

TEST(Quench, NoisyDescentsAndBasinCellsCountAtTheMinimumTheySettleIn) {
  // With noise no descent meets the tolerance; quenched, each lands in one
  // of quartic-dimple's two minima, which /minima then counts.
  trilo::config::RunConfig c;
  c.job = "run";
  c.landscape = "quartic-dimple";
  c.starts = 400;
  c.opt.lr = 0.05;
  c.noise = 0.2;
  c.steps = 300;
  c.grid_res = 8;
  c.basin_res = 20;
  const trilo::jobs::JobResult res = trilo::test::run_job(c);
  EXPECT_EQ(res.descent_status[0], 0);
  EXPECT_EQ(res.descent_status[1], 400);
  EXPECT_EQ(res.cell_status[1], 400);
  const auto& t = res.minima.table;
  ASSERT_EQ(t.n_minima, 2);
  EXPECT_EQ(t.count[0] + t.count[1], 400);
  EXPECT_EQ(t.basin_count[0] + t.basin_count[1], 400);
  for (int k = 0; k < 2; ++k) EXPECT_EQ(t.kind[k], 0) << "both minima";
  // Quench off: nothing converges, nothing is counted (the old trap).
  c.quench_steps = 0;
  c.quench_steps_given = true;
  const trilo::jobs::JobResult off = trilo::test::run_job(c);
  EXPECT_EQ(off.minima.table.n_minima, 0);
}

// Bounce: on f = x^2 (lambda = 2) gradient descent multiplies x by
// 1 - 2 lr each step: lr = 2.2 / lambda (factor -1.2) bounces and grows,
// lr = 2 / lambda exactly (factor -1) bounces in place, lr = 0.001 / lambda
// (factor 0.999) creeps towards 0.
TEST(Bounce, ARatePastTwoOverLambdaIsFlaggedAndASlowOneIsNot) {
  DescentRequest q = explicit_request(LandscapeId::kBowl, 1, {1.0, -0.3, 2.0}, 1e30);
  q.params.max_steps = 200;
  q.params.tol = 1e-12;
  struct Case {
    double lr;
    std::int8_t bounced;
  };
  for (const Case& c : {Case{2.2 / 2, 1}, Case{2.0 / 2, 1}, Case{0.001 / 2, 0}}) {
    q.params.opt.lr = c.lr;
    for (std::int64_t quench : {0, 500}) {
      q.params.quench_steps = quench;
      for (const DescentBatch& out : both_paths(q, 3))
        for (int i = 0; i < 3; ++i) {
          EXPECT_EQ(out.status[i], kMaxSteps) << "lr " << c.lr << " start " << i;
          EXPECT_EQ(out.bounced[i], c.bounced) << "lr " << c.lr << " start " << i;
        }
    }
  }
  // Converging while it alternates (factor -0.5): never out of steps, never flagged.
  q.params.opt.lr = 0.75;
  q.params.quench_steps = 0;
  for (const DescentBatch& out : both_paths(q, 3))
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(out.status[i], kConverged);
      EXPECT_EQ(out.bounced[i], 0);
    }
}

TEST(Bounce, TheSweepCountsBouncingApartFromSlowness) {
  // quartic-dimple: rates past 2 / lambda_max of both minima (0.2253 and
  // 0.2491) leave every descent in a 2-cycle; a rate of 1e-4 leaves every
  // descent creeping. Both end max-steps; only the first bounce.
  trilo::config::RunConfig c;
  c.job = "sweep";
  c.landscape = "quartic-dimple";
  c.starts = 200;
  c.steps = 1500;
  c.vary_text = "lr=0.0001:0.3:3";  // 0.0001, 0.15005, 0.3
  const trilo::jobs::JobResult res = trilo::test::run_job(c);
  const auto& s = res.sweep;
  ASSERT_EQ(s.value.size(), 3u);
  EXPECT_EQ(s.fraction_max_steps[0], 1.0);
  EXPECT_EQ(s.fraction_bounced[0], 0.0);
  EXPECT_EQ(s.fraction_max_steps[1], 0.0);
  EXPECT_EQ(s.fraction_bounced[1], 0.0);
  EXPECT_EQ(s.fraction_max_steps[2], 1.0);
  EXPECT_EQ(s.fraction_bounced[2], 1.0);
  EXPECT_NE(trilo::analysis::format_sweep_table(s).find("(bouncing)"), std::string::npos);
}

// The documented bounce rule, written out for a float64 replay: the last
// kBounceWindow updates all reversing the one before, or (no noise) the loss
// at the step limit no lower than the lowest of the window's first half.
struct BounceReference {
  bool alternating = false, no_progress = false;
  bool bounced() const { return alternating || no_progress; }
};

// Heavy-ball momentum (m = mu m + g, x -= lr m) on f = x^2 from x0 for
// `steps` updates, judged by the rule above.
BounceReference heavy_ball_on_bowl(double x0, double lr, double mu, int steps) {
  const int w = trilo::kBounceWindow, from = steps - w;
  double x = x0, m = 0, last = 0, low = INFINITY;
  int reversals = 0;
  for (int t = 0; t < steps; ++t) {
    const double loss = x * x;
    if (t >= from && t < from + w / 2) low = std::min(low, loss);
    const double before = x;
    m = mu * m + 2 * x;
    x -= lr * m;
    const double d = x - before;
    if (t > from && d * last < 0) ++reversals;
    if (t >= from) last = d;
  }
  BounceReference r;
  r.alternating = reversals == w - 1;
  r.no_progress = !(x * x < low);
  return r;
}

TEST(Bounce, MomentumCirclingWithoutAlternatingIsFlaggedByItsLoss) {
  // mu 0.9, lr 0.1 on x^2: the iterates turn by about 0.46 rad a step and
  // shrink by sqrt(0.9) (period ~14 steps): the steps do not alternate, and
  // whether the loss at the limit is below the window's early low depends
  // on the phase at which the steps run out. Both outcomes occur over these
  // limits; the backends flag exactly those the rule does.
  DescentRequest q = explicit_request(LandscapeId::kBowl, 1, {1.0, -0.3, 2.0}, 1e30);
  q.params.opt.kind = OptimizerKind::kMomentum;
  q.params.opt.lr = 0.1;
  q.params.opt.momentum = 0.9;
  q.params.tol = 1e-12;
  int flagged = 0, flagged_without_alternating = 0, not_flagged = 0;
  for (int steps = 60; steps < 76; ++steps) {
    q.params.max_steps = steps;
    for (const DescentBatch& out : both_paths(q, 3))
      for (int i = 0; i < 3; ++i) {
        const BounceReference ref = heavy_ball_on_bowl(q.explicit_starts[i], 0.1, 0.9, steps);
        ASSERT_EQ(out.status[i], kMaxSteps) << "steps " << steps;
        EXPECT_EQ(out.bounced[i], ref.bounced() ? 1 : 0) << "steps " << steps << " start " << i;
        flagged += ref.bounced();
        flagged_without_alternating += ref.bounced() && !ref.alternating;
        not_flagged += !ref.bounced();
      }
  }
  EXPECT_GT(flagged_without_alternating, 0);
  EXPECT_GT(not_flagged, 0);
  // With noise the loss test is off (a noisy loss never settles): only the
  // alternation counts, and circling does not alternate.
  q.params.noise = 1e-9;
  q.params.max_steps = 60;
  for (const DescentBatch& out : both_paths(q, 3))
    for (int i = 0; i < 3; ++i) EXPECT_EQ(out.bounced[i], 0) << "noisy start " << i;
}

TEST(Bounce, RastriginDescentsJumpingBetweenValleysAreFlagged) {
  // 1-D Rastrigin (curvature ~397 in each valley): at lr 0.05, ten times the
  // stability limit, gradient descent jumps irregularly from valley to
  // valley and never settles; its steps rarely alternate sixteen times in a
  // row, but its loss at the limit is rarely below the window's early low.
  DescentRequest q;
  q.landscape = {LandscapeId::kRastrigin, 1};
  q.starts.dim = 1;
  q.starts.mode = StartMode::kRandom;
  q.starts.seed = 7;
  q.starts.lo[0] = -5.12;
  q.starts.hi[0] = 5.12;
  q.params.bound_lo[0] = -1e6;
  q.params.bound_hi[0] = 1e6;
  q.params.opt.lr = 0.05;
  q.params.max_steps = 3000;
  DescentBatch out;
  trilo::backend::make_cpu_backend(2)->descend(q, 0, 400, out);
  int max_steps = 0, bounced = 0;
  for (int i = 0; i < 400; ++i) {
    max_steps += out.status[i] == kMaxSteps;
    bounced += out.status[i] == kMaxSteps && out.bounced[i];
  }
  ASSERT_GT(max_steps, 300);
  EXPECT_GT(bounced, 0.75 * max_steps) << bounced << " of " << max_steps;
}

TEST(Bounce, EachDescentsFlagIsInTheFile) {
  // f = x^2 + y^2 (lambda 2 in both directions): at lr 1 every update
  // multiplies the coordinates by -1 (each step reverses the last: bounced);
  // at lr 0.0001 by 0.9998 (creeping: not). Both run out of 300 steps; the
  // quench, which then runs, does not change the flag. Every row is in the
  // file, and with --records sample every recorded row.
  using namespace trilo::test;
  for (const char* records : {"all", "sample --sample 7"}) {
    for (const auto& [lr, flag] : {std::pair<const char*, int>{"1", 1}, {"0.0001", 0}}) {
      const std::string h5 = unique(std::string("lr") + lr + ".h5");
      std::remove(h5.c_str());
      const Outcome o = trilobite(std::string("descend --expr \"x^2 + y^2\" --box -1:1 --starts 40 --steps 300 ") +
                                  "--tol 1e-12 --lr " + lr + " --records " + records + " -q -o '" + h5 + "'");
      ASSERT_EQ(o.status, 0) << o.err;
      const auto f = trilo::io::read_result(h5);
      ASSERT_TRUE(f.has_descents);
      ASSERT_EQ(f.descents.bounced.size(), static_cast<std::size_t>(f.descents.count));
      EXPECT_GT(f.descents.count, 0);
      for (std::int64_t i = 0; i < f.descents.count; ++i) {
        EXPECT_EQ(f.descents.status[i], kMaxSteps) << lr << " row " << i;
        EXPECT_EQ(f.descents.bounced[i], flag) << lr << " " << records << " row " << i;
      }
      std::remove(h5.c_str());
    }
  }
}

TEST(Quench, TheReadmesFourStartsAllNameTheirMinimum) {
  // README: two of the four descents run out of 500 steps in the left
  // valley (gradient descent creeps along its flat floor); quenched, they
  // name it instead of "minimum -1".
  using namespace trilo::test;
  const Outcome o = trilobite(
      "descend -l quartic-dimple --start -2,2 --start 2,2 --start -2,-2 --start 0.5,0 "
      "--optimizer gd --lr 0.02 --steps 500 --force -o '" + unique("h5") + "'");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out.find("minimum -1"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("descent 0: (-2, 2) -> (-1.5830"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("max-steps, minimum 1\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("max-steps: quenched without noise"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("known minima: 2 of 2 found"), std::string::npos) << o.out;
}

}  // namespace
