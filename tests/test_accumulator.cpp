// The clustering behind the minima table (src/analysis/points.hpp) and the
// accumulator's saved state (src/analysis/accumulator.hpp) at the edges a
// damaged checkpoint or an enormous box reaches.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
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
