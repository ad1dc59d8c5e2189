// The map panels: loss heatmap with contours, basin map, 1-D loss curve,
// and starts coloured by minimum.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "render/colour.hpp"
#include "render/contour.hpp"
#include "render/panels.hpp"

namespace trilo::render {

namespace {

std::string axis_name(const io::GridAxes& a, bool second) {
  return second ? a.name1 : a.name0;
}

// The displayed loss: linear, or log10(L - min + eps) with eps a thousandth
// of the range, so a few decades above the minimum stay distinguishable.
struct LossScale {
  bool log = false;
  double lo = 0, hi = 1;  // of the loss
  double eps = 0;
  double shown(double l) const { return log ? std::log10(l - lo + eps) : l; }
  double t(double l) const {  // colour position in [0, 1]
    const double a = shown(lo), b = shown(hi);
    return b > a ? (shown(l) - a) / (b - a) : 0.5;
  }
};

LossScale choose_scale(const std::vector<double>& loss, const std::string& mode) {
  LossScale s;
  std::vector<double> v;
  for (double l : loss)
    if (std::isfinite(l)) v.push_back(l);
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.lo = v.front();
  s.hi = v.back();
  s.eps = std::max((s.hi - s.lo) * 1e-3, std::numeric_limits<double>::min());
  // Auto: log when more than half the lattice lies in the lowest fifth of a
  // linear scale, where a linear map would spend most colours on a few high
  // corners (the median sits at 0.13 of the range for Himmelblau on
  // [-5,5]^2, 0.06 for the six-hump camel, 0.29 for quartic-dimple).
  const double median = v[v.size() / 2];
  s.log = mode == "log" || (mode == "auto" && s.hi > s.lo && (median - s.lo) < 0.2 * (s.hi - s.lo));
  return s;
}

// Linear interpolation of a lattice at fractional index (a, b).
double bilinear(const std::vector<double>& z, std::int64_t n0, std::int64_t n1, double a, double b) {
  a = std::clamp(a, 0.0, double(n0 - 1));
  b = std::clamp(b, 0.0, double(n1 - 1));
  const auto i = std::min<std::int64_t>(static_cast<std::int64_t>(a), n0 - 2 < 0 ? 0 : n0 - 2);
  const auto j = std::min<std::int64_t>(static_cast<std::int64_t>(b), n1 - 2 < 0 ? 0 : n1 - 2);
  const double fa = n0 > 1 ? a - i : 0, fb = n1 > 1 ? b - j : 0;
  auto at = [&](std::int64_t ii, std::int64_t jj) {
    return z[std::min(jj, n1 - 1) * n0 + std::min(ii, n0 - 1)];
  };
  return (1 - fb) * ((1 - fa) * at(i, j) + fa * at(i + 1, j)) +
         fb * ((1 - fa) * at(i, j + 1) + fa * at(i + 1, j + 1));
}

Frame lattice_frame(const io::GridAxes& a, const Box& b, const Style& s, int right) {
  const double lo0 = a.coord0.front(), hi0 = a.coord0.back();
  const double lo1 = a.coord1.front(), hi1 = a.coord1.back();
  Frame f = fit_frame(b, s, right, (hi1 > lo1) ? (hi0 - lo0) / (hi1 - lo1) : 0);
  f.lo0 = lo0;
  f.hi0 = hi0 > lo0 ? hi0 : lo0 + 1;
  f.lo1 = lo1;
  f.hi1 = hi1 > lo1 ? hi1 : lo1 + 1;
  return f;
}

std::string percent(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, f >= 0.1 ? "%.0f%%" : "%.1f%%", 100 * f);
  return buf;
}

}  // namespace

// Swatches for the basins present, in minimum (= loss) order like
// `trilobite info`, as many as fit in `height` pixels.
std::vector<LegendEntry> basin_legend(const Scene& sc, const Style& s,
                                      const std::vector<double>& frac, double none, int height) {
  // Grey is every cell labelled -1: no minimum within the steps and the
  // quench, or stopped on a plateau; the shares of the minima say how many.
  if (!frac.empty()) {
    double labelled = 0;
    for (double f : frac) labelled += f;
    none = labelled < 1 - 1e-9 ? 1 - labelled : 0.0;
  }
  const int room = std::max(3, height / static_cast<int>(s.text_px * 1.45));
  std::vector<LegendEntry> e;
  int shown = 0, hidden = 0;
  for (std::size_t k = 0; k < frac.size(); ++k) {
    if (frac[k] <= 0) continue;
    if (shown + 2 + (none > 0) > room) {
      ++hidden;
      continue;
    }
    LegendEntry x;
    x.colour = basin_colour(static_cast<int>(k));
    x.text = "#" + std::to_string(k) + ": " + minimum_loss_text(sc, static_cast<std::int64_t>(k)) +
             "  (" + percent(frac[k]) + ")";
    e.push_back(x);
    ++shown;
  }
  if (hidden) {
    LegendEntry x;
    x.colour = kWhite;
    x.edge = kWhite;
    x.text = "+" + std::to_string(hidden) + " more";
    e.push_back(x);
  }
  if (none > 0) {
    LegendEntry x;
    x.colour = kNoMinimum;
    x.text = std::string(sc.result.minima.plateaus.empty() ? "none" : "none or plateau") + "  (" +
             percent(none) + ")";
    e.push_back(x);
  }
  return e;
}

namespace {

const char* const kLegendHeading = "minimum: loss (share)";

void draw_basin_legend(Canvas& c, const Style& s, const Frame& f, const std::vector<LegendEntry>& e) {
  const int x = f.x1 + static_cast<int>(s.text_px * 1.2);
  s.font->draw(c, kLegendHeading, x, f.y0, s.text_px, {30, 30, 30}, Align::kStart,
               Align::kStart);
  draw_legend(c, s, x, f.y0 + static_cast<int>(s.text_px * 1.5), e, s.text_px);
}


}  // namespace

Style picture_style(const Font& font, int width, int height, int panels) {
  Style s;
  s.font = &font;
  s.text_px = std::clamp(static_cast<int>(std::lround(std::min(height, width / panels) / 44.0)), 9, 32);
  s.label_px = s.text_px + 2;
  s.line = std::max(1.0, s.text_px / 14.0);
  return s;
}

int loss_side(const Style& s) { return static_cast<int>(s.text_px * 8.5); }

int basin_side(const Style& s, const Scene& sc, int panel_height) {
  const io::BasinData& bd = sc.result.basins;
  return legend_width(s,
                      basin_legend(sc, s, bd.fraction, bd.unconverged_fraction,
                                   panel_height - 8 * s.text_px),
                      kLegendHeading);
}

Frame draw_loss_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b,
                      const RenderOptions& opt, const std::string& quantity) {
  const io::GridData& g = sc.result.grid;
  const auto n0 = g.axes.n0(), n1 = g.axes.n1();
  const LossScale ls = choose_scale(g.loss, opt.scale);
  Frame f = lattice_frame(g.axes, b, s, s.side ? s.side : loss_side(s));

  std::vector<double> t(g.loss.size());
  for (std::size_t i = 0; i < t.size(); ++i)
    t[i] = std::isfinite(g.loss[i]) ? ls.t(g.loss[i]) : NAN;
  for (int y = f.y0; y < f.y1; ++y)
    for (int x = f.x0; x < f.x1; ++x) {
      const double a = (f.u_at(x) - f.lo0) / (f.hi0 - f.lo0) * (n0 - 1);
      const double bb = (f.v_at(y) - f.lo1) / (f.hi1 - f.lo1) * (n1 - 1);
      c.set(x, y, viridis(bilinear(t, n0, n1, a, bb)));
    }
  if (opt.contours && n0 > 1 && n1 > 1) {
    c.set_clip(f.x0, f.y0, f.x1, f.y1);
    for (double level : even_levels(0, 1, opt.contour_levels))
      for (const Segment& sg : contour_segments(t, n0, n1, level)) {
        auto px = [&](double i0, double i1) {
          return f.to_px(f.lo0 + i0 / (n0 - 1) * (f.hi0 - f.lo0),
                         f.lo1 + i1 / (n1 - 1) * (f.hi1 - f.lo1));
        };
        c.line(px(sg.a0, sg.a1), px(sg.b0, sg.b1), kWhite, 1.0, 0.5);
      }
    c.clear_clip();
  }
  draw_overlays(c, s, sc, f, g.axes.axis0, g.axes.axis1);

  std::string title = quantity;
  if (ls.log) title += " (grid min " + number_text(ls.lo) + ")";
  draw_axes(c, s, f, axis_name(g.axes, false), axis_name(g.axes, true), title);

  // Colour bar: ticks in loss units (linear) or in loss - min (log).
  std::vector<double> tt;
  std::vector<std::string> labels;
  if (ls.log) {
    tt.push_back(0);
    labels.push_back("0");
    for (double d : decade_ticks(ls.eps * 3, ls.hi - ls.lo, 6)) {
      tt.push_back(ls.t(ls.lo + d));
      labels.push_back(number_text(d));
    }
  } else {
    const auto ticks = nice_ticks(ls.lo, ls.hi, 6);
    for (double v : ticks) {
      tt.push_back(ls.t(v));
      labels.push_back(tick_text(v, ticks.size() > 1 ? ticks[1] - ticks[0] : 1));
    }
  }
  const int bx0 = f.x1 + static_cast<int>(s.text_px * 1.2);
  draw_colour_bar(c, s, bx0, f.y0, bx0 + static_cast<int>(s.text_px * 1.2), f.y1, viridis, tt,
                  labels, ls.log ? quantity + " − min (log scale)" : quantity);
  return f;
}

Frame draw_basin_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b) {
  const io::BasinData& bd = sc.result.basins;
  const auto n0 = bd.axes.n0(), n1 = bd.axes.n1();
  const auto legend = basin_legend(sc, s, bd.fraction, bd.unconverged_fraction, b.y1 - b.y0 - 8 * s.text_px);
  Frame f = lattice_frame(bd.axes, b, s, s.side ? s.side : legend_width(s, legend, kLegendHeading));
  for (int y = f.y0; y < f.y1; ++y)
    for (int x = f.x0; x < f.x1; ++x) {
      const auto i = std::clamp<std::int64_t>(
          std::llround((f.u_at(x) - f.lo0) / (f.hi0 - f.lo0) * (n0 - 1)), 0, n0 - 1);
      const auto j = std::clamp<std::int64_t>(
          std::llround((f.v_at(y) - f.lo1) / (f.hi1 - f.lo1) * (n1 - 1)), 0, n1 - 1);
      c.set(x, y, basin_colour(bd.label[j * n0 + i]));
    }
  draw_overlays(c, s, sc, f, bd.axes.axis0, bd.axes.axis1);
  draw_axes(c, s, f, axis_name(bd.axes, false), axis_name(bd.axes, true),
            "basins of attraction");
  draw_basin_legend(c, s, f, legend);
  return f;
}

Frame draw_line_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b) {
  const io::GridData& g = sc.result.grid;
  double lo = INFINITY, hi = -INFINITY;
  for (double l : g.loss)
    if (std::isfinite(l)) lo = std::min(lo, l), hi = std::max(hi, l);
  if (!(hi >= lo)) lo = 0, hi = 1;
  const double pad = hi > lo ? 0.06 * (hi - lo) : 1;
  const bool strip = sc.result.has_basins && sc.result.basins.axes.one_d();
  std::vector<LegendEntry> legend;
  if (strip)
    legend = basin_legend(sc, s, sc.result.basins.fraction, sc.result.basins.unconverged_fraction,
                          b.y1 - b.y0 - 8 * s.text_px);
  Frame f = fit_frame(b, s, strip ? legend_width(s, legend, kLegendHeading) : s.text_px * 2, 0);
  f.lo0 = g.axes.coord0.front();
  f.hi0 = g.axes.coord0.back() > f.lo0 ? g.axes.coord0.back() : f.lo0 + 1;
  f.lo1 = lo - pad;
  f.hi1 = hi + pad;
  if (strip) {  // the basin of each start along the line, as a band at the bottom
    const auto& bd = sc.result.basins;
    const int top = f.y1 - std::max(6, s.text_px / 2);
    for (int x = f.x0; x < f.x1; ++x) {
      const double u = f.u_at(x);
      const double lo0 = bd.axes.coord0.front(), hi0 = bd.axes.coord0.back();
      const auto i = std::clamp<std::int64_t>(
          std::llround((u - lo0) / (hi0 > lo0 ? hi0 - lo0 : 1) * (bd.axes.n0() - 1)), 0,
          bd.axes.n0() - 1);
      c.fill_rect(x, top, x + 1, f.y1, basin_colour(bd.label[i]));
    }
  }
  std::vector<Point> line;
  for (std::size_t i = 0; i < g.loss.size(); ++i)
    if (std::isfinite(g.loss[i])) line.push_back(f.to_px(g.axes.coord0[i], g.loss[i]));
  c.set_clip(f.x0, f.y0, f.x1, f.y1);
  c.polyline(line, {40, 70, 160}, 2.0);
  c.clear_clip();
  draw_overlays(c, s, sc, f, g.axes.axis0, -1);
  draw_axes(c, s, f, g.axes.name0, "loss", strip ? "loss (band: basin of each start)" : "loss");
  if (strip) draw_basin_legend(c, s, f, legend);
  return f;
}

Frame draw_starts_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b) {
  const auto& r = sc.result;
  const auto* lo = r.attribute("box_lo");
  const auto* hi = r.attribute("box_hi");
  const auto* vlo = lo ? std::get_if<std::vector<double>>(lo) : nullptr;
  const auto* vhi = hi ? std::get_if<std::vector<double>>(hi) : nullptr;
  if (!vlo || !vhi || vlo->size() < 2 || vhi->size() < 2)
    throw std::invalid_argument("no 2-D box to draw the starts in");
  const auto& d = r.descents;
  std::vector<double> frac(static_cast<std::size_t>(std::max<std::int64_t>(r.minima.n_minima, 0)));
  double none = 0;
  for (std::int64_t i = 0; i < d.count; ++i) {
    const int label = r.descent_labels[i];
    if (label >= 0 && static_cast<std::size_t>(label) < frac.size()) frac[label] += 1.0 / d.count;
    else none += 1.0 / d.count;
  }
  const auto legend = basin_legend(sc, s, frac, none, b.y1 - b.y0 - 8 * s.text_px);
  Frame f = fit_frame(b, s, legend_width(s, legend, kLegendHeading),
                      ((*vhi)[0] - (*vlo)[0]) / ((*vhi)[1] - (*vlo)[1]));
  f.lo0 = (*vlo)[0];
  f.hi0 = (*vhi)[0];
  f.lo1 = (*vlo)[1];
  f.hi1 = (*vhi)[1];
  c.fill_rect(f.x0, f.y0, f.x1, f.y1, {245, 245, 245});
  c.set_clip(f.x0, f.y0, f.x1, f.y1);
  const double dot = std::clamp(std::sqrt((f.x1 - f.x0) * (f.y1 - f.y0) / (d.count + 1.0)) * 0.3,
                                1.2, 5.0);
  for (std::int64_t i = 0; i < d.count; ++i)
    c.disc(f.to_px(d.start[i * d.dim], d.start[i * d.dim + 1]), dot,
           basin_colour(r.descent_labels[i]));
  c.clear_clip();
  draw_overlays(c, s, sc, f, 0, 1);
  // A descend file holds no loss grid (`run` or `grid` computes one).
  draw_axes(c, s, f, "x", "y", "starts, coloured by the minimum reached (no loss grid in this file)");
  draw_basin_legend(c, s, f, legend);
  return f;
}

}  // namespace trilo::render
