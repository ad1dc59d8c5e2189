// The census accumulator takes searches chunk by chunk: fed in chunks of any
// size it gives the table and labels it gives fed at once, and the counts
// are those of the points placed, by construction, at Himmelblau's four
// minima and its maximum.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "analysis/critical_accumulator.hpp"

namespace {

using trilo::LandscapeId;
using trilo::LandscapeSpec;
using trilo::analysis::CriticalAccumulator;
using trilo::analysis::CriticalResult;
using trilo::analysis::EndPoints;
using trilo::analysis::MergeOptions;

// Himmelblau's minima and maximum (to six decimals; polishing refines them).
const double kPoints[5][2] = {{3.0, 2.0},
                              {-2.805118, 3.131312},
                              {-3.779310, -3.283186},
                              {3.584428, -1.848126},
                              {-0.270845, -0.923039}};

struct Searches {
  std::vector<double> end;
  std::vector<std::int8_t> status;
  std::vector<std::int64_t> steps;
  std::vector<int> placed;  // which of kPoints, or -1 (not converged)
};

Searches searches(std::int64_t n) {
  Searches s;
  for (std::int64_t i = 0; i < n; ++i) {
    const int k = static_cast<int>(i % 5);
    const double jitter = 1e-6 * static_cast<double>(i % 11);
    s.end.push_back(kPoints[k][0] + jitter);
    s.end.push_back(kPoints[k][1] - jitter);
    const bool converged = i % 7 != 3;
    s.status.push_back(converged ? 0 : 1);
    s.steps.push_back(10 + i % 5);
    s.placed.push_back(converged ? k : -1);
  }
  return s;
}

CriticalResult census(const Searches& s, std::int64_t chunk) {
  const std::int64_t n = static_cast<std::int64_t>(s.status.size());
  CriticalAccumulator acc(2, 1e-3);
  for (std::int64_t first = 0; first < n; first += chunk) {
    const std::int64_t count = std::min(chunk, n - first);
    acc.add(EndPoints{s.end.data() + 2 * first, s.status.data() + first, s.steps.data() + first, count});
  }
  EXPECT_EQ(acc.searches(), n);
  MergeOptions mo;
  return acc.finish(LandscapeSpec{LandscapeId::kHimmelblau, 2}, {-5, -5}, {5, 5}, mo);
}

TEST(CriticalAccumulator, CountsThePlacedPointsWhateverTheChunks) {
  const Searches s = searches(200);
  const CriticalResult whole = census(s, 200);
  const auto& t = whole.table;
  ASSERT_EQ(t.n_points, 5);
  EXPECT_EQ(t.n_minima, 4);
  EXPECT_EQ(t.n_maxima, 1);
  EXPECT_EQ(t.n_saddles, 0);
  // Each row's count: the converged searches placed at the point it holds.
  for (std::int64_t r = 0; r < t.n_points; ++r) {
    int k = -1;
    for (int j = 0; j < 5; ++j)
      if (std::abs(t.position[2 * r] - kPoints[j][0]) < 1e-4 &&
          std::abs(t.position[2 * r + 1] - kPoints[j][1]) < 1e-4)
        k = j;
    ASSERT_GE(k, 0) << "row " << r << " is none of the placed points";
    EXPECT_EQ(t.count[r], std::count(s.placed.begin(), s.placed.end(), k)) << "point " << k;
  }
  for (std::size_t i = 0; i < s.placed.size(); ++i)
    if (s.placed[i] < 0) EXPECT_EQ(whole.labels[i], -1) << i;
  for (std::int64_t chunk : {1, 7, 64, 199}) {
    const CriticalResult part = census(s, chunk);
    EXPECT_EQ(part.labels, whole.labels) << "chunk " << chunk;
    EXPECT_EQ(part.table.position, whole.table.position) << "chunk " << chunk;
    EXPECT_EQ(part.table.count, whole.table.count) << "chunk " << chunk;
  }
}

TEST(CriticalAccumulator, NothingAddedIsAnEmptyCensus) {
  const CriticalResult r = census(Searches{}, 5);
  EXPECT_EQ(r.table.n_points, 0);
  EXPECT_TRUE(r.labels.empty());
}

}  // namespace
