// The sweep plot: the fraction of descents reaching each minimum, diverging
// or running out of steps (and of those, bouncing), against the swept
// optimizer setting; for a sweep of two settings, a heat map of the
// fraction reaching a global minimum over every pair of values.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "render/colour.hpp"
#include "render/panels.hpp"

namespace trilo::render {

namespace {

// Cell edges along one axis of the map, in plot coordinates (log10 of the
// value for a log spacing): midway between neighbours, the ends half a gap
// out (half a unit when there is one value).
std::vector<double> cell_edges(const std::vector<double>& values, bool log) {
  std::vector<double> x;
  for (double v : values) x.push_back(log ? std::log10(v) : v);
  std::vector<double> e;
  if (x.size() == 1) return {x[0] - 0.5, x[0] + 0.5};
  e.push_back(x[0] - 0.5 * (x[1] - x[0]));
  for (std::size_t i = 0; i + 1 < x.size(); ++i) e.push_back(0.5 * (x[i] + x[i + 1]));
  e.push_back(x.back() + 0.5 * (x.back() - x[x.size() - 2]));
  return e;
}

}  // namespace

std::vector<double> global_fraction(const Scene& sc) {
  const SweepData& w = *sc.sweep;
  const analysis::MinimaTable& t = sc.result.minima;
  const auto m = static_cast<std::size_t>(w.n_minima);
  // The global minimum: the lowest row that is a minimum, with every minimum
  // whose loss ties it (the text table's rule).
  std::vector<std::size_t> global;
  const auto minimum = static_cast<std::int8_t>(analysis::PointKind::kMinimum);
  for (std::size_t k = 0; k < m && k < t.kind.size(); ++k) {
    if (t.kind[k] != minimum) continue;
    if (!global.empty()) {
      const double v = t.loss[global[0]];
      if (!(t.loss[k] - v <= 1e-9 * std::max(1.0, std::abs(v)))) break;
    }
    global.push_back(k);
  }
  const std::size_t settings = m ? w.fraction.size() / m : 0;
  std::vector<double> out(settings, 0.0);
  for (std::size_t i = 0; i < settings; ++i)
    for (std::size_t k : global) out[i] += w.fraction[i * m + k];
  return out;
}

namespace {

Frame draw_sweep_map(Canvas& c, const Style& s, const Scene& sc, const Box& b) {
  const SweepData& w = *sc.sweep;
  const bool log0 = w.spacing == "log", log1 = w.spacing2 == "log";
  const std::vector<double> e0 = cell_edges(w.value, log0), e1 = cell_edges(w.value2, log1);
  for (const auto* e : {&e0, &e1})
    for (double v : *e)
      if (!std::isfinite(v)) throw std::invalid_argument("/sweep has no usable values to plot");
  const std::vector<double> share = global_fraction(sc);
  const std::size_t n1 = w.value.size(), n2 = w.value2.size();
  if (share.size() != n1 * n2) throw std::invalid_argument("/sweep: the map's settings do not match its values");

  const int bar_w = std::max(12, s.text_px);
  const int side = bar_w + static_cast<int>(s.text_px * 5.5);
  Frame f = fit_frame(b, s, side, 0);
  f.lo0 = e0.front();
  f.hi0 = e0.back();
  f.lo1 = e1.front();
  f.hi1 = e1.back();
  for (std::size_t i = 0; i < n1; ++i) {
    for (std::size_t j = 0; j < n2; ++j) {
      const Point a = f.to_px(e0[i], e1[j]), z = f.to_px(e0[i + 1], e1[j + 1]);
      const int x0 = static_cast<int>(std::lround(a.x)), x1 = static_cast<int>(std::lround(z.x));
      const int y0 = static_cast<int>(std::lround(z.y)), y1 = static_cast<int>(std::lround(a.y));
      const double v = share[i * n2 + j];
      c.fill_rect(x0, y0, x1, y1, viridis(v));
      // The share as text where the cell has room for it.
      if (x1 - x0 >= 3 * s.text_px && y1 - y0 >= 1.4 * s.text_px) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.2f", v);
        s.font->draw(c, buf, 0.5 * (x0 + x1), 0.5 * (y0 + y1), std::max(8, s.text_px - 2),
                     v < 0.6 ? kWhite : kBlack, Align::kCentre, Align::kCentre);
      }
    }
  }
  auto axis = [](const std::string& p, bool log) { return log ? "log10 " + p : p; };
  draw_axes(c, s, f, axis(w.parameter, log0), axis(w.parameter2, log1),
            std::string(w.after_quench ? "share of starts settled (quenched)" : "share of starts converged") +
                " at a global minimum");
  const int bx = f.x1 + static_cast<int>(s.text_px * 1.2);
  draw_colour_bar(c, s, bx, f.y0, bx + bar_w, f.y1, [](double t) { return viridis(t); },
                  {0, 0.25, 0.5, 0.75, 1}, {"0", "0.25", "0.5", "0.75", "1"}, "share");
  return f;
}

}  // namespace

Frame draw_sweep_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b) {
  const SweepData& w = *sc.sweep;
  if (!w.value2.empty()) return draw_sweep_map(c, s, sc, b);
  const bool log = w.spacing == "log";
  double lo = INFINITY, hi = -INFINITY;
  for (double v : w.value)
    if (std::isfinite(v) && (!log || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(hi >= lo)) throw std::invalid_argument("/sweep has no usable values to plot");
  if (hi == lo) {  // one value: give the axis some width around it
    lo = log ? lo / 2 : lo - 0.5;
    hi = log ? hi * 2 : hi + 0.5;
  }
  // A margin of 4% each side keeps the end points off the frame line.
  if (log) {
    const double pad = std::pow(hi / lo, 0.04);
    lo /= pad;
    hi *= pad;
  } else {
    const double pad = 0.04 * (hi - lo);
    lo -= pad;
    hi += pad;
  }
  const auto m = static_cast<std::size_t>(w.n_minima);
  std::vector<LegendEntry> entries;
  for (std::size_t k = 0; k < m; ++k) {
    LegendEntry e;
    e.swatch = false;
    e.colour = basin_colour(static_cast<int>(k));
    e.text = "#" + std::to_string(k) + ": loss " +
             minimum_loss_text(sc, static_cast<std::int64_t>(k));
    entries.push_back(e);
  }
  LegendEntry d;
  d.swatch = false;
  d.marker = Marker::kSquare;
  d.colour = kBlack;
  d.text = "diverged";
  entries.push_back(d);
  d.marker = Marker::kDiamond;
  d.colour = {140, 140, 140};
  d.text = "max steps";
  entries.push_back(d);
  const Rgb bounce_colour{150, 60, 170};
  if (!w.fraction_bounced.empty()) {
    d.marker = Marker::kTriangleDown;
    d.colour = bounce_colour;
    d.text = "bouncing (of max steps)";
    entries.push_back(d);
  }

  Frame f = fit_frame(b, s, legend_width(s, entries), 0);
  f.lo0 = lo;
  f.hi0 = hi;
  f.log0 = log;
  f.lo1 = -0.02;
  f.hi1 = 1.02;

  // Light horizontal grid lines at the y ticks.
  for (double v : nice_ticks(0, 1, 5)) {
    const double y = f.to_px(lo, v).y;
    c.line({double(f.x0), y}, {double(f.x1), y}, {225, 225, 225}, 1);
  }
  const auto n = w.value.size();
  auto series = [&](auto value_of, Rgb col, double dash, Marker mk) {
    std::vector<Point> line;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = w.value[i], y = value_of(i);
      if (std::isfinite(x) && std::isfinite(y) && (!log || x > 0)) line.push_back(f.to_px(x, y));
    }
    c.set_clip(f.x0 - 8, f.y0 - 8, f.x1 + 8, f.y1 + 8);
    c.polyline(line, col, 2.0, 1, dash);
    for (const Point& p : line) draw_marker(c, mk, p, std::max(3.0, s.text_px * 0.3), col, kBlack);
    c.clear_clip();
  };
  for (std::size_t k = 0; k < m; ++k)
    series([&](std::size_t i) { return w.fraction[i * m + k]; }, basin_colour(static_cast<int>(k)),
           0, Marker::kCircle);
  series([&](std::size_t i) { return w.fraction_diverged[i]; }, kBlack, 6, Marker::kSquare);
  series([&](std::size_t i) { return w.fraction_max_steps[i]; }, {140, 140, 140}, 3,
         Marker::kDiamond);
  if (!w.fraction_bounced.empty())
    series([&](std::size_t i) { return w.fraction_bounced[i]; }, bounce_colour, 4,
           Marker::kTriangleDown);

  draw_axes(c, s, f, w.parameter + (log ? " (log scale)" : ""),
            w.after_quench ? "fraction of starts (minima: after the quench)" : "fraction of descents",
            "outcome against " + w.parameter + (w.after_quench ? ", noisy values quenched" : ""));
  draw_legend(c, s, f.x1 + static_cast<int>(s.text_px * 1.2), f.y0, entries, s.text_px);
  return f;
}

}  // namespace trilo::render
