// Hyperparameter sweeps: the learning-rate "Goldilocks" curve against the
// stability limit 2 / lambda_max of gradient descent, noise escaping a
// shallow valley, common random numbers, and independence of threads/chunks.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "analysis/minima.hpp"
#include "io/result_reader.hpp"
#include "io/result_writer.hpp"
#include "jobs/jobs.hpp"

namespace {

using trilo::analysis::MinimaTable;
using trilo::config::RunConfig;

trilo::jobs::JobResult run(RunConfig c, int threads = 2) {
  c.output = "/tmp/unused.h5";  // validated only; nothing is written without a writer
  trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(threads);
  return trilo::jobs::execute_job(c, r, *be, nullptr);
}

int find_row(const MinimaTable& t, double x, double y, double tol) {
  for (int r = 0; r < t.n_minima; ++r)
    if (std::hypot(t.position[2 * r] - x, t.position[2 * r + 1] - y) <= tol) return r;
  return -1;
}

// Largest Hessian eigenvalue of quartic-dimple,
//   0.4 x^4 - 2 x^2 + 0.5 y^2 + 0.1 x y - 0.5 exp(-((x-1.5)^2 + (y+0.5)^2)),
// from its second derivatives written out by hand (b = exp(...)):
//   f_xx = 4.8 x^2 - 4 + b (1 - 2 (x-1.5)^2), f_yy = 1 + b (1 - 2 (y+0.5)^2),
//   f_xy = 0.1 - 2 (x-1.5)(y+0.5) b.
double lambda_max(double x, double y) {
  const double dx = x - 1.5, dy = y + 0.5, b = std::exp(-(dx * dx + dy * dy));
  const double a = 4.8 * x * x - 4 + b * (1 - 2 * dx * dx), c = 1 + b * (1 - 2 * dy * dy);
  const double o = 0.1 - 2 * dx * dy * b;
  return 0.5 * (a + c) + std::sqrt(0.25 * (a - c) * (a - c) + o * o);
}

// The documented minima (docs/landscapes.md).
constexpr double kRight[2] = {1.576020248344110, -0.3257062967285069};
constexpr double kLeft[2] = {-1.583095069106281, 0.1582777351638297};

TEST(Sweep, EachMinimumsBasinFractionFallsToZeroPastTwoOverLambdaMax) {
  // Plain gradient descent near a minimum multiplies the error along the
  // stiffest direction by 1 - lr lambda_max: it converges there only for
  // lr < 2 / lambda_max (0.2253 right, 0.2491 left). Past it the descents
  // settle into 2-cycles (max-steps) instead of arriving.
  RunConfig c;
  c.job = "sweep";
  c.vary_text = "lr=0.1:0.4:31";  // step 0.01
  c.starts = 300;
  c.steps = 2000;
  const auto res = run(c);
  const auto& s = res.sweep;
  const MinimaTable& t = res.minima.table;
  ASSERT_EQ(s.n_values(), 31);
  for (const double* m : {kRight, kLeft}) {
    const double limit = 2 / lambda_max(m[0], m[1]);
    const int row = find_row(t, m[0], m[1], 1e-6);
    ASSERT_GE(row, 0) << "minimum (" << m[0] << ", " << m[1] << ") not found";
    int below = 0, above = 0;
    for (std::int64_t v = 0; v < s.n_values(); ++v) {
      const double f = s.fraction[v * s.n_minima + row];
      if (s.value[v] < limit) {
        EXPECT_GT(f, 0.3) << "lr " << s.value[v] << " below the limit " << limit;
        ++below;
      } else {
        EXPECT_EQ(f, 0.0) << "lr " << s.value[v] << " past the limit " << limit;
        ++above;
      }
    }
    EXPECT_GT(below, 10);
    EXPECT_GT(above, 10);
  }
  // Small rates arrive (0.1 needs well under 2000 steps); past both limits none does.
  EXPECT_EQ(s.fraction_max_steps[0], 0.0);
  EXPECT_EQ(s.fraction_max_steps[20], 1.0);  // lr = 0.3
  EXPECT_TRUE(std::isnan(s.median_steps[20]));
}

TEST(Sweep, TooSmallARateNeverArrivesAndTooLargeOneDiverges) {
  RunConfig c;
  c.job = "sweep";
  c.vary_text = "lr=0.001:0.5:3";  // 0.001, 0.2505, 0.5
  c.starts = 200;
  c.steps = 1000;
  const auto s = run(c).sweep;
  EXPECT_EQ(s.fraction_max_steps[0], 1.0);  // 1000 steps of 0.001 do not arrive
  EXPECT_EQ(s.fraction_diverged[2], 1.0);   // 0.5 overshoots out of the box
}

TEST(Sweep, GradientNoiseLetsDescentsEscapeTheShallowValley) {
  // Every start in the shallow left valley. Without noise all stay; noise
  // small next to the barrier (about 2.5) keeps them; enough noise carries
  // a good share over into the deeper right valley, where they settle once
  // the noise is switched off (quenched).
  RunConfig c;
  c.job = "sweep";
  c.vary_text = "noise=0:6:7";
  c.opt.lr = 0.05;
  c.steps = 2000;
  c.start_texts.assign(200, "-1.583,0.158");
  const auto res = run(c);
  const auto& s = res.sweep;
  const int right = find_row(res.minima.table, kRight[0], kRight[1], 1e-6);
  const int left = find_row(res.minima.table, kLeft[0], kLeft[1], 1e-6);
  ASSERT_GE(right, 0);
  ASSERT_GE(left, 0);
  auto settled = [&](int v, int row) { return s.quenched_fraction[v * s.n_minima + row]; };
  EXPECT_EQ(settled(0, left), 1.0);
  EXPECT_EQ(settled(0, right), 0.0);
  EXPECT_EQ(s.fraction[0 * s.n_minima + left], 1.0);  // noise-free: quench = the descent
  for (int v = 1; v <= 2; ++v) EXPECT_EQ(settled(v, left), 1.0) << "noise " << s.value[v];
  EXPECT_GT(settled(6, right), 0.3);
  EXPECT_GT(s.quenched_fraction_ci_lo[6 * s.n_minima + right], 0.2);
  EXPECT_EQ(s.fraction_max_steps[6], 1.0);  // with noise the tolerance is never met
}

TEST(Sweep, EveryValueRunsTheSameStartsAsASingleRunWouldWithIt) {
  RunConfig c;
  c.job = "sweep";
  c.vary_text = "lr=0.02:0.2:4";
  c.starts = 200;
  c.steps = 3000;
  const auto sw = run(c);
  const auto& s = sw.sweep;
  for (std::int64_t v = 0; v < s.n_values(); ++v) {
    RunConfig d = c;
    d.job = "descend";
    d.vary_text.clear();
    d.opt.lr = s.value[v];
    const auto one = run(d);
    std::int64_t total = 0;
    for (int r = 0; r < one.minima.table.n_minima; ++r) {
      const double* x = &one.minima.table.position[2 * r];
      const int row = find_row(sw.minima.table, x[0], x[1], 1e-6);
      ASSERT_GE(row, 0);
      EXPECT_EQ(s.count[v * s.n_minima + row], one.minima.table.count[r]) << "lr " << s.value[v];
      total += one.minima.table.count[r];
    }
    std::int64_t swept = 0;
    for (std::int64_t j = 0; j < s.n_minima; ++j) swept += s.count[v * s.n_minima + j];
    EXPECT_EQ(swept, total);
  }
}

TEST(Sweep, ResultsAreBitwiseTheSameForAnyThreadCountOrChunk) {
  RunConfig c;
  c.job = "sweep";
  c.vary_text = "noise=0:5:3";
  c.opt.lr = 0.05;
  c.starts = 150;
  c.steps = 400;
  c.chunk = 7;
  const auto a = run(c, 1);
  c.chunk = 1000;
  const auto b = run(c, 2);
  EXPECT_EQ(a.minima.table.position, b.minima.table.position);
  EXPECT_EQ(a.minima.table.count, b.minima.table.count);
  EXPECT_EQ(a.sweep.count, b.sweep.count);
  EXPECT_EQ(a.sweep.quenched_count, b.sweep.quenched_count);
  EXPECT_EQ(a.sweep.fraction_max_steps, b.sweep.fraction_max_steps);
  EXPECT_EQ(a.sweep.value, b.sweep.value);
  for (std::size_t v = 0; v < a.sweep.median_steps.size(); ++v) {
    const double x = a.sweep.median_steps[v], y = b.sweep.median_steps[v];
    EXPECT_TRUE(x == y || (std::isnan(x) && std::isnan(y)));
  }
}

TEST(Sweep, LogSpacingHitsBothEndsAndIsGeometric) {
  const auto s = trilo::config::parse_vary("lr=0.001:0.1:3:log", trilo::OptimizerKind::kGd);
  ASSERT_EQ(s.values.size(), 3u);
  EXPECT_EQ(s.values[0], 0.001);
  EXPECT_NEAR(s.values[1], 0.01, 1e-15);
  EXPECT_EQ(s.values[2], 0.1);
  EXPECT_EQ(s.spacing, "log");
  const auto l = trilo::config::parse_vary("momentum=0:0.9:4", trilo::OptimizerKind::kMomentum);
  EXPECT_EQ(l.values, (std::vector<double>{0.0, 0.3, 0.6, 0.9}));
}

TEST(Sweep, FileHoldsTheTableAndReadsBackBitForBit) {
  RunConfig c;
  c.job = "sweep";
  c.vary_text = "lr=0.05:0.3:6";
  c.starts = 100;
  c.steps = 1000;
  const std::string path = std::string(TRILOBITE_TEST_TMP) + "/sweep_roundtrip.h5";
  c.output = path;
  trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(2);
  trilo::jobs::JobResult res;
  {
    trilo::io::ResultWriter w(path);
    res = trilo::jobs::execute_job(c, r, *be, &w);
    w.commit();
  }
  const auto f = trilo::io::read_result(path);
  ASSERT_TRUE(f.has_sweep);
  EXPECT_FALSE(f.has_descents);
  const auto& s = f.sweep;
  EXPECT_EQ(s.parameter, "lr");
  EXPECT_EQ(s.spacing, "linear");
  EXPECT_EQ(s.n_starts, 100);
  EXPECT_EQ(s.value, res.sweep.value);
  EXPECT_EQ(s.count, res.sweep.count);
  EXPECT_EQ(s.fraction, res.sweep.fraction);
  EXPECT_EQ(s.fraction_ci_lo, res.sweep.fraction_ci_lo);
  EXPECT_EQ(s.fraction_ci_hi, res.sweep.fraction_ci_hi);
  EXPECT_EQ(s.quenched_fraction, res.sweep.quenched_fraction);
  EXPECT_EQ(s.fraction_diverged, res.sweep.fraction_diverged);
  EXPECT_EQ(s.fraction_max_steps, res.sweep.fraction_max_steps);
  EXPECT_EQ(f.minima.position, res.minima.table.position);
  const std::string info = trilo::io::describe_result(f);
  EXPECT_NE(info.find("/sweep"), std::string::npos) << info;
  EXPECT_NE(info.find("sweep of lr"), std::string::npos) << info;
  std::remove(path.c_str());
}

// The command line: bad --vary gets one line, exit 2, no file.
struct Outcome {
  int status;
  std::string err;
};

Outcome trilobite(const std::string& args) {
  const std::string err = std::string(TRILOBITE_TEST_TMP) + "/sweep_cli.err";
  const std::string cmd = std::string("OMP_NUM_THREADS=2 '") + TRILOBITE_EXE + "' " + args +
                          " >/dev/null 2>" + err + " </dev/null";
  const int raw = std::system(cmd.c_str());
  std::ifstream in(err);
  std::stringstream s;
  s << in.rdbuf();
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, s.str()};
}

TEST(SweepCli, BadVaryIsRefusedWithOneLineExitTwoAndNoFile) {
  const std::string target = std::string(TRILOBITE_TEST_TMP) + "/sweep_bad.h5";
  const char* cases[][2] = {
      {"--vary batch=1:2:3", "cannot vary 'batch'"},
      {"--vary lr=0.1:0.2:1", "n '1'"},
      {"--vary lr=0.1:0.2:2.5", "n '2.5'"},
      {"--vary lr=nan:0.2:4", "lo 'nan'"},
      {"--vary lr=0.1:inf:4", "hi 'inf'"},
      {"--vary lr=0.3:0.2:4", "must be below"},
      {"--vary lr=0:0.2:4:log", "log spacing needs lo > 0"},
      {"--vary lr=-0.1:0.2:4", "lr must be > 0"},
      {"--vary lr=0.1:0.2:4:cubic", "unknown spacing"},
      {"--vary momentum=0.5:1:4 --optimizer momentum", "must lie in [0, 1)"},
      {"--vary momentum=0.1:0.5:4", "optimizer gd does not use momentum"},
      {"--vary lr", "not NAME=lo:hi:n"},
      {"--vary lr=0.1:0.2", "not NAME=lo:hi:n"},
      {"", "--vary"},
  };
  for (const auto& k : cases) {
    std::remove(target.c_str());
    const Outcome o = trilobite(std::string("sweep ") + k[0] + " --starts 10 -o " + target);
    EXPECT_EQ(o.status, 2) << k[0] << "\n" << o.err;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << k[0] << "\n" << o.err;
    EXPECT_NE(o.err.find(k[1]), std::string::npos) << k[0] << "\n" << o.err;
    struct stat st {};
    EXPECT_NE(::stat(target.c_str(), &st), 0) << k[0];
  }
}

}  // namespace
