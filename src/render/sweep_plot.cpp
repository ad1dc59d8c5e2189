// The sweep plot: the fraction of descents reaching each minimum, diverging
// or running out of steps (and of those, bouncing), against the swept
// optimizer setting.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "render/colour.hpp"
#include "render/panels.hpp"

namespace trilo::render {

Frame draw_sweep_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b) {
  const SweepData& w = *sc.sweep;
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
