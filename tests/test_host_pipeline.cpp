// The host's side of a descent job, made faster without changing a bit of
// what it computes: the cluster search (cells in a hash map, a per-thread
// cache of candidate clusters) and the step histograms (one flat table)
// against plain references written here; the zero-cost backend that
// `trilobite bench --pipeline` measures the host with; and the bench itself.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "analysis/accumulator.hpp"
#include "analysis/points.hpp"
#include "analysis/step_counts.hpp"
#include "backend/backend.hpp"
#include "support/cli.hpp"

namespace {

using trilo::analysis::MinimaAccumulator;
using trilo::analysis::Source;
using trilo::analysis::detail::Clusters;
using trilo::analysis::detail::StepCounts;

// The rule, searched over every cluster: the nearest first member within
// tol, ties to the lower id; -1 when none is within tol.
int brute_nearest(const std::vector<double>& reps, int dim, const double* x, double tol) {
  int best = -1;
  double best_d2 = 0;
  for (std::size_t id = 0; id < reps.size() / dim; ++id) {
    double d2 = 0;
    for (int i = 0; i < dim; ++i) d2 += (reps[id * dim + i] - x[i]) * (reps[id * dim + i] - x[i]);
    if (d2 > tol * tol) continue;
    if (best < 0 || d2 < best_d2) {
      best = static_cast<int>(id);
      best_d2 = d2;
    }
  }
  return best;
}

// Points in clumps around a lattice in the first three coordinates (the
// ones the cells key on; the rest jitter about 0), each clump wider than
// tol, so many points have two or more clusters within reach and many sit
// near cell edges; one in 40 lies anywhere in a far wider box.
// (far = false: none far, so the clusters all appear early.)
std::vector<double> clumped_points(int dim, std::size_t n, std::uint64_t seed, bool far = true) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  std::vector<double> x(n * dim);
  for (std::size_t p = 0; p < n; ++p)
    for (int i = 0; i < dim; ++i)
      x[p * dim + i] = far && p % 40 == 39 ? 5 * u(rng) : (i < 3 ? std::round(u(rng) * 2) / 2 : 0.0) + 0.04 * u(rng);
  return x;
}

TEST(ClusterSearch, FinderAndNearestEqualASearchOverEveryCluster) {
  for (int dim : {1, 2, 3, 5}) {
    const double tol = 0.07;
    Clusters c(dim, tol);
    std::vector<double> reps;
    const std::vector<double> seeds = clumped_points(dim, 3000, 11 + dim);
    // Clusters as the serial assignment makes them, checked against the
    // rule one point at a time.
    for (std::size_t p = 0; p < 3000; ++p) {
      const double* x = &seeds[p * dim];
      const int want = brute_nearest(reps, dim, x, tol);
      ASSERT_EQ(c.nearest(x), want) << "dim " << dim << " point " << p;
      const int got = c.assign(x);
      if (want < 0) {
        EXPECT_EQ(got, static_cast<int>(reps.size() / dim));
        reps.insert(reps.end(), x, x + dim);
      } else {
        EXPECT_EQ(got, want);
      }
    }
    EXPECT_GT(c.size(), 15) << "dim " << dim;
    // Then a Finder over fresh points (its cache reused from point to point).
    const std::vector<double> probe = clumped_points(dim, 20000, 97 + dim);
    Clusters::Finder find(c);
    int found = 0, none = 0;
    for (std::size_t p = 0; p < 20000; ++p) {
      const int want = brute_nearest(reps, dim, &probe[p * dim], tol);
      ASSERT_EQ(find(&probe[p * dim]), want) << "dim " << dim << " probe " << p;
      (want < 0 ? none : found) += 1;
    }
    EXPECT_GT(found, 1000) << "dim " << dim;
    EXPECT_GT(none, 100) << "dim " << dim;
  }
}

TEST(ClusterSearch, ATieGoesToTheLowerId) {
  Clusters c(1, 1.0);
  const double a[1] = {0.0}, b[1] = {2.0}, mid[1] = {1.0};
  ASSERT_EQ(c.assign(b), 0);
  ASSERT_EQ(c.assign(a), 1);
  EXPECT_EQ(c.nearest(mid), 0);
  Clusters::Finder find(c);
  EXPECT_EQ(find(mid), 0);
}

TEST(StepCounts, EqualAnOrderedMapAcrossGrowth) {
  std::mt19937_64 rng(3);
  std::map<std::tuple<int, int, std::int64_t>, std::int64_t> want;
  StepCounts h;
  for (int k = 0; k < 200000; ++k) {
    const int src = static_cast<int>(rng() % 2), cluster = static_cast<int>(rng() % 300);
    // Steps spread wide and clumped, negative too (only the order matters).
    const std::int64_t steps = k % 3 ? static_cast<std::int64_t>(rng() % 90) : static_cast<std::int64_t>(rng()) >> 20;
    const std::int64_t by = 1 + static_cast<std::int64_t>(rng() % 3);
    h.add(src, cluster, steps, by);
    want[{src, cluster, steps}] += by;
  }
  const std::vector<StepCounts::Entry> got = h.sorted();
  ASSERT_EQ(got.size(), want.size());
  ASSERT_EQ(h.size(), want.size());
  std::size_t i = 0;
  for (const auto& [key, count] : want) {
    EXPECT_EQ(std::make_tuple(got[i].source, got[i].cluster, got[i].steps), key) << "entry " << i;
    EXPECT_EQ(got[i].count, count) << "entry " << i;
    ++i;
  }
}

// The whole accumulator, fed in chunks of `chunk` points, against the serial
// rule written out here: labels, first members, counts, step sums and the
// step histogram.
void expect_serial_rule(int dim, std::size_t n, std::size_t chunk, bool far) {
  const double tol = 0.07;
  const std::vector<double> x = clumped_points(dim, n, 5, far);
  std::vector<std::int8_t> status(n, 0);
  std::vector<std::int64_t> steps(n);
  std::mt19937_64 rng(9);
  for (std::size_t i = 0; i < n; ++i) {
    steps[i] = 10 + static_cast<std::int64_t>(rng() % 40);
    if (i % 17 == 0) status[i] = 1;  // ran out of steps: not clustered
  }
  // The reference.
  std::vector<double> reps;
  std::vector<std::int32_t> want_labels(n, -1);
  std::vector<std::int64_t> counts, sums;
  std::map<std::tuple<std::int64_t, std::int64_t>, std::int64_t> hist;  // (cluster, steps)
  for (std::size_t i = 0; i < n; ++i) {
    if (status[i] != 0) continue;
    int id = brute_nearest(reps, dim, &x[i * dim], tol);
    if (id < 0) {
      id = static_cast<int>(reps.size() / dim);
      reps.insert(reps.end(), &x[i * dim], &x[i * dim] + dim);
      counts.push_back(0);
      sums.push_back(0);
    }
    want_labels[i] = id;
    ++counts[id];
    sums[id] += steps[i];
    ++hist[{id, steps[i]}];
  }
  MinimaAccumulator acc(dim, tol);
  std::vector<std::int32_t> labels(n, -2);
  for (std::size_t first = 0; first < n; first += chunk)
    acc.add(Source::kDescents,
            {&x[first * dim], &status[first], &steps[first], static_cast<std::int64_t>(std::min(chunk, n - first))},
            &labels[first]);
  EXPECT_EQ(labels, want_labels);
  const MinimaAccumulator::State s = acc.state();
  EXPECT_EQ(s.reps, reps);
  std::vector<std::int64_t> want_counters = {static_cast<std::int64_t>(n), 0};
  for (std::size_t c = 0; c < counts.size(); ++c)
    want_counters.insert(want_counters.end(), {counts[c], 0, sums[c], 0});
  EXPECT_EQ(s.counters, want_counters);
  std::vector<std::int64_t> want_hist;
  for (const auto& [key, count] : hist)
    want_hist.insert(want_hist.end(), {0, std::get<0>(key), std::get<1>(key), count});
  EXPECT_EQ(s.histogram, want_hist);
}

// New clusters all along (points far from every clump): the later part of
// each chunk is assigned serially.
TEST(ClusterSearch, ChunkedAccumulatorEqualsTheSerialRuleWrittenOut) {
  expect_serial_rule(3, 50000, 12500, true);
}

// Every cluster appears in the first chunk: the later chunks are searched
// and counted on every core, each thread into its own counts.
TEST(ClusterSearch, CountsOnEveryCoreEqualTheSerialRule) {
  expect_serial_rule(2, 120000, 30000, false);
}

TEST(ZeroCostBackend, ReplaysTheFirstDescentsOfTheCpuBackendByIndex) {
  using namespace trilo;
  backend::DescentRequest q;
  q.landscape = {LandscapeId::kQuarticDimple, 2};
  q.precision = backend::Precision::kF32;
  q.params.opt.lr = 0.01;
  q.params.max_steps = 30;
  q.params.seed = q.starts.seed = 7;
  for (int i = 0; i < 2; ++i) {
    q.starts.lo[i] = -2.5;
    q.starts.hi[i] = 2.5;
    q.params.bound_lo[i] = -25;
    q.params.bound_hi[i] = 25;
  }
  const std::unique_ptr<backend::Backend> zero = backend::make_zero_cost_backend(2);
  EXPECT_EQ(zero->name(), "zero-cost");
  const std::int64_t t = backend::kReplayTemplates;
  // Real descents [0, t): what every replayed index maps to.
  backend::DescentBatch real;
  backend::make_cpu_backend(2)->descend(q, 0, t, real);
  // A chunk that starts inside the templates and wraps round twice.
  const std::int64_t first = t - 1000, count = 2 * t + 3000;
  backend::DescentBatch got;
  zero->descend(q, first, count, got);
  ASSERT_EQ(got.count, count);
  EXPECT_EQ(got.first, first);
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t r = (first + i) % t;
    ASSERT_EQ(got.end[2 * i], real.end[2 * r]) << i;
    ASSERT_EQ(got.end[2 * i + 1], real.end[2 * r + 1]) << i;
    ASSERT_EQ(got.start[2 * i + 1], real.start[2 * r + 1]) << i;
    ASSERT_EQ(got.loss[i], real.loss[r]) << i;
    ASSERT_EQ(got.grad_norm[i], real.grad_norm[r]) << i;
    ASSERT_EQ(got.steps[i], real.steps[r]) << i;
    ASSERT_EQ(got.status[i], real.status[r]) << i;
    ASSERT_EQ(got.bounced[i], real.bounced[r]) << i;
  }
  backend::GridTile tile;
  EXPECT_THROW(zero->grid({}, 0, 1, tile), std::runtime_error);
}

TEST(PipelineBench, TimesEveryStageAndLeavesNoFileBehind) {
  namespace fs = std::filesystem;
  const std::string dir = trilo::test::unique("tmp");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const char* old = std::getenv("TMPDIR");
  const std::string was = old ? old : "";
  setenv("TMPDIR", dir.c_str(), 1);
  const trilo::test::Outcome o = trilo::test::trilobite(
      "bench --pipeline --backend zero-cost --cases himmelblau-2d --starts 70000 --records none,all --chunk 30000 "
      "--repeats 1");
  if (old) setenv("TMPDIR", was.c_str(), 1);
  else unsetenv("TMPDIR");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("70000 none       30000 zero-cost"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("70000 all        30000 zero-cost"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("host alone, himmelblau-2d f32 70000 starts, records none, chunk 30000"), std::string::npos) << o.out;
  EXPECT_TRUE(fs::is_empty(dir)) << "the jobs' files and checkpoints are removed";
}

}  // namespace
