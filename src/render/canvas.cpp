#include "render/canvas.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace trilo::render {

namespace {

constexpr double kPi = 3.14159265358979323846;

double clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }

// Distance from p to the segment ab.
double segment_distance(Point p, Point a, Point b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2 : 0;
  t = std::clamp(t, 0.0, 1.0);
  const double ex = a.x + t * dx - p.x, ey = a.y + t * dy - p.y;
  return std::sqrt(ex * ex + ey * ey);
}

bool inside(const std::vector<Point>& poly, double x, double y) {
  bool in = false;
  for (std::size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
    const Point a = poly[i], b = poly[j];
    if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x) in = !in;
  }
  return in;
}

// A pixel index from a coordinate that may lie anywhere (a minimum far
// outside the box, an enormous radius): clamped far beyond any canvas, so
// loops bounded by the clip rectangle stay bounded and the conversion is
// defined; NaN lands outside too.
int pixel(double v) {
  constexpr double kFar = 1 << 30;
  return static_cast<int>(std::isnan(v) ? -kFar : std::clamp(v, -kFar, kFar));
}

}  // namespace

Canvas::Canvas(int width, int height, Rgb background) : w_(width), h_(height) {
  if (width < 1 || height < 1 || width > 20000 || height > 20000)
    throw std::invalid_argument("picture size must be 1 to 20000 pixels a side");
  clear_clip();
  pix_.resize(static_cast<std::size_t>(w_) * h_ * 3);
  for (std::size_t i = 0; i < pix_.size(); i += 3) {
    pix_[i] = background.r;
    pix_[i + 1] = background.g;
    pix_[i + 2] = background.b;
  }
}

Rgb Canvas::at(int x, int y) const {
  const std::size_t i = (static_cast<std::size_t>(y) * w_ + x) * 3;
  return {pix_.at(i), pix_.at(i + 1), pix_.at(i + 2)};
}

void Canvas::set(int x, int y, Rgb c) { blend(x, y, c, 1.0); }

void Canvas::blend(int x, int y, Rgb c, double alpha) {
  if (x < cx0_ || y < cy0_ || x >= cx1_ || y >= cy1_ || alpha <= 0) return;
  const std::size_t i = (static_cast<std::size_t>(y) * w_ + x) * 3;
  if (alpha >= 1) {
    pix_[i] = c.r;
    pix_[i + 1] = c.g;
    pix_[i + 2] = c.b;
    return;
  }
  auto mix = [alpha](std::uint8_t old, std::uint8_t v) {
    return static_cast<std::uint8_t>(std::lround(old + alpha * (v - old)));
  };
  pix_[i] = mix(pix_[i], c.r);
  pix_[i + 1] = mix(pix_[i + 1], c.g);
  pix_[i + 2] = mix(pix_[i + 2], c.b);
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
  for (int y = std::max(y0, 0); y < std::min(y1, h_); ++y)
    for (int x = std::max(x0, 0); x < std::min(x1, w_); ++x) blend(x, y, c, 1);
}

void Canvas::rect_outline(int x0, int y0, int x1, int y1, Rgb c, double width) {
  const double h = width / 2;
  const double l = x0 + h, r = x1 - h, t = y0 + h, b = y1 - h;
  polyline({{l, t}, {r, t}, {r, b}, {l, b}, {l, t}}, c, width);
}

void Canvas::set_clip(int x0, int y0, int x1, int y1) {
  cx0_ = std::max(0, x0);
  cy0_ = std::max(0, y0);
  cx1_ = std::min(w_, x1);
  cy1_ = std::min(h_, y1);
}

void Canvas::clear_clip() { set_clip(0, 0, w_, h_); }

void Canvas::line(Point a, Point b, Rgb c, double width, double alpha) {
  const double h = width / 2;
  const int x0 = pixel(std::floor(std::min(a.x, b.x) - h - 1));
  const int x1 = pixel(std::ceil(std::max(a.x, b.x) + h + 1));
  const int y0 = pixel(std::floor(std::min(a.y, b.y) - h - 1));
  const int y1 = pixel(std::ceil(std::max(a.y, b.y) + h + 1));
  for (int y = std::max(y0, cy0_); y < std::min(y1, cy1_); ++y)
    for (int x = std::max(x0, cx0_); x < std::min(x1, cx1_); ++x) {
      const double d = segment_distance({x + 0.5, y + 0.5}, a, b);
      blend(x, y, c, alpha * clamp01(h + 0.5 - d));
    }
}

void Canvas::polyline(const std::vector<Point>& p, Rgb c, double width, double alpha,
                      double dash) {
  if (p.size() < 2) return;
  if (dash <= 0) {
    // Joints drawn once per segment overlap; a thin line hardly shows it.
    for (std::size_t i = 1; i < p.size(); ++i) line(p[i - 1], p[i], c, width, alpha);
    return;
  }
  double phase = 0;  // distance travelled along the line, mod 2 dash
  for (std::size_t i = 1; i < p.size(); ++i) {
    const double dx = p[i].x - p[i - 1].x, dy = p[i].y - p[i - 1].y;
    const double len = std::hypot(dx, dy);
    // Only the part of the segment near the clip rectangle is dashed: a
    // segment billions of pixels long (a damaged file) would otherwise be
    // cut into billions of dashes. The dashes keep their phase.
    const double margin = width + 2 * dash + 2;
    double t0 = 0, t1 = 1;
    const double from[2] = {p[i - 1].x, p[i - 1].y}, d[2] = {dx, dy};
    const double lo[2] = {cx0_ - margin, cy0_ - margin}, hi[2] = {cx1_ + margin, cy1_ + margin};
    for (int k = 0; k < 2; ++k) {  // Liang-Barsky
      if (d[k] == 0) {
        if (!(from[k] >= lo[k] && from[k] <= hi[k])) t1 = -1;
        continue;
      }
      const double ta = (lo[k] - from[k]) / d[k], tb = (hi[k] - from[k]) / d[k];
      t0 = std::max(t0, std::min(ta, tb));
      t1 = std::min(t1, std::max(ta, tb));
    }
    if (len > 0 && t0 < t1) {
      // Dashes measured from the visible part's start, so that their
      // lengths stay exact however far away the segment begins.
      const double ux = dx / len, uy = dy / len, part = (t1 - t0) * len;
      const Point from_visible{p[i - 1].x + dx * t0, p[i - 1].y + dy * t0};
      const double start_phase = std::fmod(phase + t0 * len, 2 * dash);
      for (double s = 0; s < part;) {
        const double in_period = std::fmod(start_phase + s, 2 * dash);
        const double run = std::min(part - s, (in_period < dash ? dash : 2 * dash) - in_period);
        if (!(run > 0) || s + run == s) break;  // no progress left at this magnitude
        if (in_period < dash)
          line({from_visible.x + ux * s, from_visible.y + uy * s},
               {from_visible.x + ux * (s + run), from_visible.y + uy * (s + run)}, c, width, alpha);
        s += run;
      }
    }
    phase += len;
  }
}

void Canvas::disc(Point o, double radius, Rgb c, double alpha) {
  for (int y = std::max(pixel(o.y - radius - 1), cy0_);
       y < std::min(pixel(o.y + radius + 2), cy1_); ++y)
    for (int x = std::max(pixel(o.x - radius - 1), cx0_);
         x < std::min(pixel(o.x + radius + 2), cx1_); ++x) {
      const double d = std::hypot(x + 0.5 - o.x, y + 0.5 - o.y);
      blend(x, y, c, alpha * clamp01(radius + 0.5 - d));
    }
}

void Canvas::polygon(const std::vector<Point>& p, Rgb c, double alpha) {
  if (p.size() < 3) return;
  double lx = p[0].x, hx = p[0].x, ly = p[0].y, hy = p[0].y;
  for (const Point& q : p) {
    lx = std::min(lx, q.x);
    hx = std::max(hx, q.x);
    ly = std::min(ly, q.y);
    hy = std::max(hy, q.y);
  }
  for (int y = std::max(pixel(std::floor(ly)), cy0_);
       y < std::min(pixel(std::ceil(hy)) + 1, cy1_); ++y)
    for (int x = std::max(pixel(std::floor(lx)), cx0_);
         x < std::min(pixel(std::ceil(hx)) + 1, cx1_); ++x) {
      int hits = 0;
      for (int sy = 0; sy < 4; ++sy)
        for (int sx = 0; sx < 4; ++sx) hits += inside(p, x + (sx + 0.5) / 4, y + (sy + 0.5) / 4);
      blend(x, y, c, alpha * hits / 16.0);
    }
}

void draw_marker(Canvas& c, Marker m, Point at, double r, Rgb fill, Rgb edge) {
  const double lw = std::max(1.0, r / 4);
  auto regular = [&](int n, double radius, double turn) {
    std::vector<Point> p;
    for (int k = 0; k < n; ++k) {
      const double a = turn + 2 * kPi * k / n;
      p.push_back({at.x + radius * std::cos(a), at.y + radius * std::sin(a)});
    }
    return p;
  };
  auto outlined = [&](std::vector<Point> p) {
    c.polygon(p, fill);
    p.push_back(p.front());
    c.polyline(p, edge, lw);
  };
  switch (m) {
    case Marker::kCircle:
      c.disc(at, r, edge);
      c.disc(at, r - lw, fill);
      break;
    case Marker::kStar: {
      std::vector<Point> p;
      for (int k = 0; k < 10; ++k) {
        const double a = -kPi / 2 + kPi * k / 5, rr = k % 2 ? 0.45 * r * 1.4 : r * 1.4;
        p.push_back({at.x + rr * std::cos(a), at.y + rr * std::sin(a)});
      }
      outlined(p);
      break;
    }
    case Marker::kTriangleUp: outlined(regular(3, r * 1.2, -kPi / 2)); break;
    case Marker::kTriangleDown: outlined(regular(3, r * 1.2, kPi / 2)); break;
    case Marker::kDiamond: outlined(regular(4, r * 1.2, 0)); break;
    case Marker::kSquare: outlined(regular(4, r * 1.3, kPi / 4)); break;
    case Marker::kCross: {
      const double d = r * 0.9;
      for (int pass = 0; pass < 2; ++pass) {
        const Rgb col = pass ? fill : edge;
        const double w = pass ? lw * 1.5 : lw * 1.5 + 2 * lw;
        c.line({at.x - d, at.y - d}, {at.x + d, at.y + d}, col, w);
        c.line({at.x - d, at.y + d}, {at.x + d, at.y - d}, col, w);
      }
      break;
    }
  }
}

}  // namespace trilo::render
