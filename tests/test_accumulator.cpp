// The clustering behind the minima table (src/analysis/points.hpp) and the
// accumulator's saved state (src/analysis/accumulator.hpp) at the edges a
// damaged checkpoint or an enormous box reaches.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "analysis/accumulator.hpp"
#include "analysis/points.hpp"

namespace {

using trilo::analysis::MinimaAccumulator;
using trilo::analysis::Source;
using trilo::analysis::detail::Clusters;

// Cells are tol wide; coordinates far beyond what a cell index can count
// (1e300 / 1e-3) still cluster by distance, neighbours and all. (Converting
// such a quotient to an integer unclamped is undefined behaviour: clang's
// UBSan, as in scripts/fuzz.sh, stops on it; GCC's needs
// -fsanitize=float-cast-overflow.)
TEST(Clusters, PointsBeyondTheRangeOfCellIndicesClusterByDistance) {
  Clusters c(2, 1e-3);
  const double big = 1e300;
  const double a[2] = {big, -big}, a2[2] = {big, -big}, b[2] = {-big, big}, near[2] = {5e-4, 0},
               origin[2] = {0, 0}, far[2] = {1e30, 3};
  EXPECT_EQ(c.assign(a), 0);
  EXPECT_EQ(c.assign(b), 1);
  EXPECT_EQ(c.assign(a2), 0) << "the same point joins its cluster";
  EXPECT_EQ(c.assign(origin), 2);
  EXPECT_EQ(c.assign(near), 2) << "within tol of the origin";
  EXPECT_EQ(c.assign(far), 3);
  EXPECT_EQ(c.size(), 4);
}

// Two points within tol whose cell indices are both clamped still meet.
TEST(Clusters, NeighboursAtTheClampedEdgeStillMeet) {
  Clusters c(1, 1.0);
  const double x[1] = {1e19}, y[1] = {1e19};
  EXPECT_EQ(c.assign(x), 0);
  EXPECT_EQ(c.assign(y), 0);
}

// The labels and state of `n` 2-D end points (all converged) fed in one
// call, and fed one point per call (the serial assignment, by definition).
struct Fed {
  std::vector<std::int32_t> labels;
  MinimaAccumulator::State state;
};
Fed feed(const std::vector<double>& end, double tol, bool one_call) {
  const std::int64_t n = static_cast<std::int64_t>(end.size() / 2);
  const std::vector<std::int8_t> status(static_cast<std::size_t>(n), 0);
  std::vector<std::int64_t> steps(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) steps[static_cast<std::size_t>(i)] = 1 + i % 7;
  MinimaAccumulator acc(2, tol);
  // One cluster known before: the origin.
  const double origin[2] = {0, 0};
  const std::int8_t ok = 0;
  const std::int64_t one = 1;
  acc.add(Source::kDescents, {origin, &ok, &one, 1}, nullptr);
  Fed f;
  f.labels.assign(static_cast<std::size_t>(n), -2);
  if (one_call) {
    acc.add(Source::kDescents, {end.data(), status.data(), steps.data(), n}, f.labels.data());
  } else {
    for (std::int64_t i = 0; i < n; ++i)
      acc.add(Source::kDescents, {end.data() + 2 * i, status.data() + i, steps.data() + i, 1},
              f.labels.data() + i);
  }
  f.state = acc.state();
  return f;
}

// Points searched in parallel against the clusters known before the call
// must still end where the serial assignment puts them: here the third
// point lies within tol of cluster 0 (the origin, known before the call)
// but nearer to cluster 1, which the second point started in this call.
// Padded past the size at which the search goes parallel.
TEST(Accumulator, AClusterStartedInTheSameCallWinsWhenNearer) {
  std::vector<double> end = {0.0, 0.0, 1.5, 0.0, 0.8, 0.0};
  for (int i = 0; i < 20000; ++i) {
    end.push_back(0.8 + 1e-5 * (i % 100));  // all nearer to cluster 1
    end.push_back(0.0);
  }
  const Fed one = feed(end, 1.0, true);
  const Fed serial = feed(end, 1.0, false);
  EXPECT_EQ(one.labels[0], 0);
  EXPECT_EQ(one.labels[1], 1);
  EXPECT_EQ(one.labels[2], 1) << "cluster 1 (distance 0.7) is nearer than cluster 0 (0.8)";
  EXPECT_EQ(one.labels, serial.labels);
  EXPECT_EQ(one.state.reps, serial.state.reps);
  EXPECT_EQ(one.state.counters, serial.state.counters);
  EXPECT_EQ(one.state.histogram, serial.state.histogram);
}

// Many clusters, points near cell and cluster boundaries, clusters known
// before a call and new ones within it: one call per chunk equals the
// serial assignment label for label.
TEST(Accumulator, ChunkedAddsEqualTheSerialAssignment) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-3.0, 3.0);
  std::vector<double> end(2 * 60000);
  // Clumps around a lattice, each wider than tol: several clusters a clump,
  // and many points within tol of two of them.
  for (double& v : end) v = std::round(u(rng) * 4) / 4 + 0.05 * u(rng);
  const double tol = 0.1;
  const Fed serial = feed(end, tol, false);
  MinimaAccumulator acc(2, tol);
  const double origin[2] = {0, 0};
  const std::int8_t ok = 0;
  const std::int64_t one = 1;
  acc.add(Source::kDescents, {origin, &ok, &one, 1}, nullptr);
  const std::vector<std::int8_t> status(end.size() / 2, 0);
  std::vector<std::int64_t> steps(end.size() / 2);
  for (std::size_t i = 0; i < steps.size(); ++i) steps[i] = 1 + static_cast<std::int64_t>(i % 7);
  std::vector<std::int32_t> labels(end.size() / 2, -2);
  for (std::int64_t first = 0, n = 20000; first < 60000; first += n)
    acc.add(Source::kDescents, {end.data() + 2 * first, status.data() + first, steps.data() + first, n},
            labels.data() + first);
  EXPECT_GT(acc.raw_clusters(), 100);
  EXPECT_EQ(labels, serial.labels);
  EXPECT_EQ(acc.state().reps, serial.state.reps);
  EXPECT_EQ(acc.state().counters, serial.state.counters);
  EXPECT_EQ(acc.state().histogram, serial.state.histogram);
}

MinimaAccumulator::State filled() {
  MinimaAccumulator acc(2, 0.01);
  const std::vector<double> end = {1, 2, 1.001, 2, -3, 4, 9, 9};
  const std::vector<std::int8_t> status = {0, 0, 0, 2};
  const std::vector<std::int64_t> steps = {10, 12, 30, 5};
  acc.add(Source::kDescents, {end.data(), status.data(), steps.data(), 4}, nullptr);
  return acc.state();
}

TEST(AccumulatorState, RoundTripsAndRefusesNonFinitePositions) {
  const MinimaAccumulator::State s = filled();
  ASSERT_EQ(s.reps.size(), 4u) << "two clusters of the three converged points";
  MinimaAccumulator back(2, 0.01);
  back.restore(s);
  EXPECT_EQ(back.trials(Source::kDescents), 4);
  EXPECT_EQ(back.raw_clusters(), 2);
  const MinimaAccumulator::State again = back.state();
  EXPECT_EQ(again.reps, s.reps);
  EXPECT_EQ(again.counters, s.counters);
  EXPECT_EQ(again.histogram, s.histogram);

  for (double bad : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    MinimaAccumulator::State d = s;
    d.reps[3] = bad;
    MinimaAccumulator acc(2, 0.01);
    EXPECT_THROW(acc.restore(d), std::invalid_argument) << bad;
    EXPECT_EQ(acc.raw_clusters(), 0) << "a refused state leaves the accumulator as it was";
  }
}

TEST(AccumulatorState, RefusesArraysThatDoNotFitTogether) {
  const MinimaAccumulator::State s = filled();
  MinimaAccumulator acc(2, 0.01);
  MinimaAccumulator::State d = s;
  d.reps.pop_back();
  EXPECT_THROW(acc.restore(d), std::invalid_argument);
  d = s;
  d.counters.push_back(1);
  EXPECT_THROW(acc.restore(d), std::invalid_argument);
  d = s;
  d.histogram[1] = 7;  // a cluster that does not exist
  EXPECT_THROW(acc.restore(d), std::invalid_argument);
  d = s;
  d.histogram.pop_back();
  EXPECT_THROW(acc.restore(d), std::invalid_argument);
}

}  // namespace
