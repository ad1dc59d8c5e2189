// Point markers, trajectories and the plot-area layout shared by the panels.
#include <algorithm>
#include <cmath>

#include "render/colour.hpp"
#include "render/panels.hpp"

namespace trilo::render {

namespace {

const Rgb kLightGrey{190, 190, 190};

struct MarkedPoint {
  double u, v, loss;
  int kind;               // analysis::PointKind code
  std::int64_t row = -1;  // the /critical row, for its number; -1 for /minima rows
};

// Every stationary point the file knows: /minima rows of any kind, and the
// saddles/maxima/degenerate points of /critical (its minima too when /minima
// has none, so a critical-only file still shows them).
std::vector<MarkedPoint> points(const Scene& sc, int axis0, int axis1) {
  std::vector<MarkedPoint> p;
  const auto& m = sc.result.minima;
  bool have_minimum = false;
  for (std::int64_t i = 0; i < m.n_minima; ++i) {
    const auto d = static_cast<std::size_t>(m.dim);
    const double v = axis1 >= 0 ? m.position[i * d + axis1] : m.loss[i];
    p.push_back({m.position[i * d + axis0], v, m.loss[i], m.kind[i]});
    have_minimum = have_minimum || m.kind[i] == 0;
  }
  if (sc.critical) {
    const auto& c = *sc.critical;
    const auto d = static_cast<std::size_t>(c.dim);
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (c.kind[i] == 0 && have_minimum) continue;
      if (axis0 >= c.dim || axis1 >= c.dim) break;
      const double v = axis1 >= 0 ? c.position[i * d + axis1] : c.loss[i];
      p.push_back({c.position[i * d + axis0], v, c.loss[i], c.kind[i], static_cast<std::int64_t>(i)});
    }
  }
  return p;
}

// Minima whose loss ties the lowest (relative 1e-9, absolute below 1): the
// global minima, which may be several (six-hump camel has two).
bool is_global(const std::vector<MarkedPoint>& p, const MarkedPoint& q) {
  if (q.kind != 0) return false;
  double best = INFINITY;
  for (const auto& x : p)
    if (x.kind == 0) best = std::min(best, x.loss);
  return std::fabs(q.loss - best) <= 1e-9 * std::max(1.0, std::fabs(best));
}

Marker marker_of(int kind, bool global) {
  if (kind == 0) return global ? Marker::kStar : Marker::kCircle;
  if (kind == 1) return Marker::kTriangleUp;
  if (kind == 3) return Marker::kTriangleDown;
  return Marker::kDiamond;
}

Rgb fill_of(int kind, bool global) {
  if (kind == 0) return global ? kGlobalMinimum : kWhite;
  if (kind == 3) return kBlack;
  if (kind == 2) return kLightGrey;
  return kWhite;
}

// A point beyond the plotted range (a minimum some descent reached outside
// the box) is drawn on the frame's edge nearest to it, with a short arrow
// pointing out towards where it lies; a point inside is left where it is.
Point inside_or_at_edge(Canvas& c, const Frame& f, Point p, double r) {
  const double x = std::clamp(p.x, f.x0 + 2 * r, f.x1 - 2 * r), y = std::clamp(p.y, f.y0 + 2 * r, f.y1 - 2 * r);
  if (p.x >= f.x0 && p.x <= f.x1 && p.y >= f.y0 && p.y <= f.y1) return p;
  const double dx = p.x - x, dy = p.y - y, n = std::hypot(dx, dy);
  const Point tip{x + dx / n * 2 * r, y + dy / n * 2 * r};
  const Point side{-dy / n * 0.6 * r, dx / n * 0.6 * r};
  const Point back{tip.x - dx / n * 0.8 * r, tip.y - dy / n * 0.8 * r};
  c.polyline({{x, y}, tip}, kBlack, 1.6);
  c.polyline({{back.x + side.x, back.y + side.y}, tip, {back.x - side.x, back.y - side.y}}, kBlack, 1.6);
  return {x, y};
}

}  // namespace

Frame fit_frame(const Box& b, const Style& s, int right, double aspect) {
  const int t = s.text_px;
  const int left = static_cast<int>(5.2 * t), top = static_cast<int>(2.2 * s.label_px),
            bottom = static_cast<int>(3.6 * t);
  Frame f;
  f.x0 = b.x0 + left;
  f.x1 = b.x1 - right;
  f.y0 = b.y0 + top;
  f.y1 = b.y1 - bottom;
  if (f.x1 - f.x0 < 20 || f.y1 - f.y0 < 20) throw std::invalid_argument("picture too small");
  if (aspect > 0.25 && aspect < 4) {
    const int w = f.x1 - f.x0, h = f.y1 - f.y0;
    if (w > h * aspect) {
      const int nw = static_cast<int>(std::lround(h * aspect));
      f.x0 += (w - nw) / 2;
      f.x1 = f.x0 + nw;
    } else {
      const int nh = static_cast<int>(std::lround(w / aspect));
      f.y0 += (h - nh) / 2;
      f.y1 = f.y0 + nh;
    }
  }
  return f;
}

void draw_overlays(Canvas& c, const Style& s, const Scene& sc, const Frame& f, int axis0,
                   int axis1) {
  c.set_clip(f.x0, f.y0, f.x1, f.y1);
  const double r = std::max(4.0, s.text_px * 0.42);
  const auto& r_ = sc.result;
  // Trajectories: over the plane, or on a 1-D picture along the loss curve
  // (coordinate, loss) of each record.
  if (axis0 < r_.trajectory_dim && axis1 < r_.trajectory_dim) {
    const auto d = static_cast<std::size_t>(r_.trajectory_dim);
    for (const auto& t : r_.trajectories) {
      std::vector<Point> line;
      for (std::size_t k = 0; k < t.step.size(); ++k) {
        const double u = t.position[k * d + axis0];
        const double v = axis1 >= 0 ? t.position[k * d + axis1] : k < t.loss.size() ? t.loss[k] : NAN;
        if (std::isfinite(u) && std::isfinite(v)) line.push_back(f.to_px(u, v));
      }
      if (line.empty()) continue;
      c.polyline(line, kBlack, 3.2, 0.55);
      c.polyline(line, kWhite, 1.4);
      c.disc(line.front(), r * 0.6 + 1.2, kWhite);
      c.disc(line.front(), r * 0.6, kBlack);
    }
  }
  const auto p = points(sc, axis0, axis1);
  // Each index-1 saddle joined to the minima its connections reach (dashed:
  // which minima, not the path between them), as /connections lists them.
  std::vector<const MarkedPoint*> by_row(sc.critical ? sc.critical->size() : 0, nullptr);
  for (const auto& q : p)
    if (q.row >= 0 && q.row < static_cast<std::int64_t>(by_row.size())) by_row[q.row] = &q;
  if (sc.critical && r_.has_connections) {
    const auto& cn = r_.connections;
    auto at = [&](std::int64_t row) -> const MarkedPoint* {
      return row >= 0 && row < static_cast<std::int64_t>(by_row.size()) ? by_row[row] : nullptr;
    };
    for (std::size_t i = 0; i < cn.saddle.size(); ++i)
      for (const std::int64_t m : {cn.minimum_a[i], cn.minimum_b[i]}) {
        const MarkedPoint *a = at(cn.saddle[i]), *b = at(m);
        if (a && b) c.polyline({f.to_px(a->u, a->v), f.to_px(b->u, b->v)}, {70, 70, 70}, 1.3, 0.9, 5);
      }
  }
  // Globals last, so that they stay on top.
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& q : p) {
      const bool g = is_global(p, q);
      if (g != (pass == 1) || !std::isfinite(q.u) || !std::isfinite(q.v)) continue;
      draw_marker(c, marker_of(q.kind, g), inside_or_at_edge(c, f, f.to_px(q.u, q.v), r), r,
                  fill_of(q.kind, g), q.kind == 3 ? kWhite : kBlack);
    }
  // The critical points' table rows beside their markers, while few enough
  // to read.
  if (by_row.size() <= kNumberedPoints)
    for (const auto& q : p) {
      if (q.row < 0 || !std::isfinite(q.u) || !std::isfinite(q.v)) continue;
      const Point at = f.to_px(q.u, q.v);
      s.font->draw(c, std::to_string(q.row), at.x + 1.1 * r, at.y - 0.9 * r, std::max(8, s.text_px - 2),
                   {20, 20, 20}, Align::kStart, Align::kEnd);
    }
  c.clear_clip();
}

std::string minimum_loss_text(const Scene& sc, std::int64_t k) {
  const auto& m = sc.result.minima;
  if (k < 0 || k >= m.n_minima) return "?";
  double span = 0;
  for (std::int64_t i = 0; i < m.n_minima; ++i) span = std::max(span, std::fabs(m.loss[i]));
  return number_text(std::fabs(m.loss[k]) < 1e-9 * std::max(1.0, span) ? 0.0 : m.loss[k]);
}

int legend_width(const Style& s, const std::vector<LegendEntry>& e, const std::string& heading) {
  double w = heading.empty() ? 0 : s.font->width(heading, s.text_px);
  for (const auto& x : e) w = std::max(w, s.text_px * 1.4 + s.font->width(x.text, s.text_px));
  return static_cast<int>(w + s.text_px * 2.2);
}

std::vector<LegendEntry> marker_legend(const Scene& sc) {
  const auto p = points(sc, 0, sc.result.minima.dim > 1 ? 1 : -1);
  bool seen[5] = {false, false, false, false, false};  // global, minimum, saddle, degenerate, max
  for (const auto& q : p) seen[q.kind == 0 ? (is_global(p, q) ? 0 : 1) : q.kind + 1] = true;
  std::vector<LegendEntry> e;
  auto add = [&](int slot, int kind, bool global, const char* text) {
    if (!seen[slot]) return;
    LegendEntry x;
    x.swatch = false;
    x.marker = marker_of(kind, global);
    x.colour = fill_of(kind, global);
    x.edge = kind == 3 ? kWhite : kBlack;
    x.text = text;
    e.push_back(x);
  };
  add(0, 0, true, "global minimum");
  add(1, 0, false, "minimum");
  add(2, 1, false, "saddle");
  add(3, 2, false, "degenerate");
  add(4, 3, false, "maximum");
  if (!sc.result.trajectories.empty()) {
    LegendEntry x;
    x.swatch = false;
    x.marker = Marker::kCircle;
    x.colour = kBlack;
    x.edge = kBlack;
    x.text = "trajectory start";
    e.push_back(x);
  }
  return e;
}

}  // namespace trilo::render
