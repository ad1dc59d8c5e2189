// What the pictures mark, checked on the canvas at the pixels where the
// data say a mark must be: trajectories of a 1-D run along the loss curve,
// critical points numbered by their table row, and each index-1 saddle
// joined to the minima /connections lists.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "render/canvas.hpp"
#include "render/font.hpp"
#include "render/panels.hpp"

namespace {

using trilo::render::Canvas;
using trilo::render::Frame;
using trilo::render::Point;
using trilo::render::Rgb;
using trilo::render::Scene;
using trilo::render::Style;

Frame unit_frame() {
  Frame f;
  f.x0 = 50;
  f.y0 = 50;
  f.x1 = 450;
  f.y1 = 450;
  f.lo0 = 0;
  f.hi0 = 10;
  f.lo1 = 0;
  f.hi1 = 10;
  return f;
}

bool dark(Rgb c) { return c.r + c.g + c.b < 3 * 150; }

int dark_pixels(const Canvas& c, int x0, int y0, int x1, int y1) {
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) n += dark(c.at(x, y));
  return n;
}

TEST(RenderMarks, OneDimensionalTrajectoryRunsAlongTheLossCurve) {
  // A 1-D trajectory (x, loss) = (2, 8) -> (5, 3) -> (6, 1): its start is a
  // black dot at (2, 8), and the line passes through (3.5, 5.5).
  Scene sc;
  sc.result.trajectory_dim = 1;
  trilo::backend::Trajectory t;
  t.step = {0, 10, 20};
  t.position = {2, 5, 6};
  t.loss = {8, 3, 1};
  sc.result.trajectories.push_back(t);
  const trilo::render::Font font("");
  Style s;
  s.font = &font;
  Canvas c(500, 500);
  const Frame f = unit_frame();
  trilo::render::draw_overlays(c, s, sc, f, 0, -1);
  const Point start = f.to_px(2, 8), mid = f.to_px(3.5, 5.5);
  EXPECT_TRUE(dark(c.at(static_cast<int>(start.x), static_cast<int>(start.y))));
  const int mx = static_cast<int>(mid.x), my = static_cast<int>(mid.y);
  EXPECT_GT(dark_pixels(c, mx - 3, my - 3, mx + 4, my + 4), 0);
  // Nothing far from the path.
  const Point off = f.to_px(8, 8);
  EXPECT_EQ(dark_pixels(c, int(off.x) - 5, int(off.y) - 5, int(off.x) + 5, int(off.y) + 5), 0);
}

Scene critical_scene(int extra_points) {
  // Row 0: minimum at (2, 2); row 1: minimum at (8, 2); row 2: saddle at
  // (5, 8) joining both; then `extra_points` maxima far up at y = 9.6.
  Scene sc;
  trilo::render::CriticalData d;
  d.dim = 2;
  d.position = {2, 2, 8, 2, 5, 8};
  d.loss = {0, 0.5, 3};
  d.kind = {0, 0, 1};
  d.morse_index = {0, 0, 1};
  for (int i = 0; i < extra_points; ++i) {
    d.position.insert(d.position.end(), {0.1 + 0.15 * i, 9.6});
    d.loss.push_back(10);
    d.kind.push_back(3);
    d.morse_index.push_back(2);
  }
  sc.critical = d;
  sc.result.has_connections = true;
  auto& cn = sc.result.connections;
  cn.saddle = {2};
  cn.minimum_a = {0};
  cn.minimum_b = {1};
  cn.barrier_a = {3};
  cn.barrier_b = {2.5};
  return sc;
}

TEST(RenderMarks, SaddlesAreJoinedToTheMinimaTheyConnectAndPointsNumbered) {
  const Scene sc = critical_scene(0);
  const trilo::render::Font font("");
  Style s;
  s.font = &font;
  Canvas c(500, 500);
  const Frame f = unit_frame();
  trilo::render::draw_overlays(c, s, sc, f, 0, 1);
  // The dashed segments saddle -> each minimum: some dark pixels near their
  // middles (a dash may fall on a gap, so a few pixels along the segment).
  for (const auto& m : {std::pair<double, double>{2, 2}, {8, 2}}) {
    int hits = 0;
    for (double t = 0.4; t <= 0.6; t += 0.02) {
      const Point p = f.to_px(5 + t * (m.first - 5), 8 + t * (m.second - 8));
      hits += dark_pixels(c, int(p.x) - 1, int(p.y) - 1, int(p.x) + 2, int(p.y) + 2) > 0;
    }
    EXPECT_GE(hits, 4) << "segment to (" << m.first << ", " << m.second << ")";
  }
  // The number of each point up and right of its marker.
  const double r = std::max(4.0, s.text_px * 0.42);
  for (const auto& q : {std::pair<double, double>{2, 2}, {8, 2}, {5, 8}}) {
    const Point p = f.to_px(q.first, q.second);
    const int x0 = static_cast<int>(p.x + 1.1 * r), y1 = static_cast<int>(p.y - 0.9 * r);
    EXPECT_GT(dark_pixels(c, x0, y1 - s.text_px, x0 + s.text_px, y1 + 1), 3)
        << "label of (" << q.first << ", " << q.second << ")";
  }
  // No line where no connection runs: between the two minima.
  const Point between = f.to_px(5, 2);
  EXPECT_EQ(dark_pixels(c, int(between.x) - 3, int(between.y) - 3, int(between.x) + 4, int(between.y) + 4), 0);
}

TEST(RenderMarks, TooManyPointsAreNotNumbered) {
  const Scene sc = critical_scene(static_cast<int>(trilo::render::kNumberedPoints));
  const trilo::render::Font font("");
  Style s;
  s.font = &font;
  Canvas c(500, 500);
  const Frame f = unit_frame();
  trilo::render::draw_overlays(c, s, sc, f, 0, 1);
  const double r = std::max(4.0, s.text_px * 0.42);
  const Point p = f.to_px(5, 8);
  const int x0 = static_cast<int>(p.x + 1.1 * r), y1 = static_cast<int>(p.y - 0.9 * r);
  EXPECT_EQ(dark_pixels(c, x0 + 2, y1 - s.text_px, x0 + s.text_px, y1 + 1), 0);
}

}  // namespace
