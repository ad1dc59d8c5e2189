// Saddle connections and the merge tree: Himmelblau's saddles checked
// geometrically, the tree and the barrier matrix on a hand-made table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "analysis/connections.hpp"
#include "jobs/critical_job.hpp"

namespace {

using trilo::analysis::Connections;
using trilo::analysis::CriticalTable;
using trilo::analysis::PointKind;

trilo::jobs::CriticalJobResult himmelblau() {
  trilo::config::RunConfig c;
  c.job = "critical";
  c.landscape = "himmelblau";
  c.output = "/tmp/unused.h5";
  trilo::jobs::apply_critical_defaults(c, false, false);
  c.starts = 2048;
  trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(2);
  return trilo::jobs::execute_critical(c, r, *be, nullptr);
}

double dist(const CriticalTable& t, std::int64_t a, std::int64_t b) {
  return std::hypot(t.position[2 * a] - t.position[2 * b], t.position[2 * a + 1] - t.position[2 * b + 1]);
}

TEST(SaddleConnections, EveryHimmelblauSaddleJoinsItsTwoNearestMinimaOnOppositeSides) {
  const auto res = himmelblau();
  const CriticalTable& t = res.census.table;
  const Connections& c = res.connections;
  ASSERT_EQ(t.n_saddles, 4);
  ASSERT_EQ(c.saddle.size(), 4u);
  for (std::size_t i = 0; i < c.saddle.size(); ++i) {
    const std::int64_t s = c.saddle[i];
    EXPECT_EQ(t.kind[s], static_cast<std::int8_t>(PointKind::kSaddle));
    // The two minima nearest the saddle, by distance alone.
    std::vector<std::int64_t> minima;
    for (std::int64_t r = 0; r < t.n_points; ++r)
      if (t.kind[r] == static_cast<std::int8_t>(PointKind::kMinimum)) minima.push_back(r);
    std::sort(minima.begin(), minima.end(),
              [&](std::int64_t a, std::int64_t b) { return dist(t, s, a) < dist(t, s, b); });
    const std::int64_t a = c.minimum_a[i], b = c.minimum_b[i];
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    EXPECT_NE(a, b);
    EXPECT_TRUE((a == minima[0] && b == minima[1]) || (a == minima[1] && b == minima[0]))
        << "saddle " << s << " joins " << a << " and " << b;
    // The minima lie on opposite sides of the saddle (across the line
    // through it perpendicular to the segment between them).
    const double ux = t.position[2 * b] - t.position[2 * a], uy = t.position[2 * b + 1] - t.position[2 * a + 1];
    const double da = (t.position[2 * a] - t.position[2 * s]) * ux + (t.position[2 * a + 1] - t.position[2 * s + 1]) * uy;
    const double db = (t.position[2 * b] - t.position[2 * s]) * ux + (t.position[2 * b + 1] - t.position[2 * s + 1]) * uy;
    EXPECT_LT(da * db, 0);
    EXPECT_DOUBLE_EQ(c.barrier_a[i], t.loss[s] - t.loss[a]);
    EXPECT_DOUBLE_EQ(c.barrier_b[i], t.loss[s] - t.loss[b]);
  }
  // Four minima on a ring of four saddles: three merges, the last at the
  // second-highest saddle (the highest closes the ring).
  ASSERT_EQ(c.tree_level.size(), 3u);
  std::vector<double> saddle_loss;
  for (std::int64_t s : c.saddle) saddle_loss.push_back(t.loss[s]);
  std::sort(saddle_loss.begin(), saddle_loss.end());
  EXPECT_EQ(c.tree_level[0], saddle_loss[0]);
  EXPECT_EQ(c.tree_level[2], saddle_loss[2]);
}

// Three minima (losses 0, 1, 2) and saddles joining 0-1 at 5, 1-2 at 3 and
// 0-2 at 7; the lowest path between 0 and 2 goes over 5 (via 1).
TEST(MergeTree, LowestBarrierIsTheMinimaxOverPathsOfSaddles) {
  CriticalTable t;
  t.dim = 1;
  t.n_points = 6;
  t.loss = {0, 1, 2, 3, 5, 7};
  t.kind = {0, 0, 0, 1, 1, 1};
  Connections c;
  c.saddle = {3, 4, 5};
  c.minimum_a = {1, 0, 0};
  c.minimum_b = {2, 1, 2};
  trilo::analysis::build_merge_tree(t, c);
  ASSERT_EQ(c.minimum_row, (std::vector<std::int64_t>{0, 1, 2}));
  const std::vector<double> want = {0, 5, 5, 5, 1, 3, 5, 3, 2};
  EXPECT_EQ(c.merge_level, want);
  // Node 3 joins leaves 1 and 2 at 3 (saddle row 3); node 4 joins leaf 0
  // and node 3 at 5 (saddle row 4).
  EXPECT_EQ(c.tree_left, (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(c.tree_right, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(c.tree_level, (std::vector<double>{3, 5}));
  EXPECT_EQ(c.tree_saddle, (std::vector<std::int64_t>{3, 4}));
}

TEST(MergeTree, UnreachedMinimaStayUnjoined) {
  CriticalTable t;
  t.dim = 1;
  t.n_points = 3;
  t.loss = {0, 1, 4};
  t.kind = {0, 0, 1};
  Connections c;
  c.saddle = {2};
  c.minimum_a = {0};
  c.minimum_b = {-1};
  trilo::analysis::build_merge_tree(t, c);
  EXPECT_TRUE(c.tree_level.empty());
  ASSERT_EQ(c.merge_level.size(), 4u);
  EXPECT_TRUE(std::isnan(c.merge_level[1]));
  EXPECT_EQ(c.merge_level[3], 1.0);
}

}  // namespace
