#include "render/axes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace trilo::render {

namespace {

const Rgb kInk{30, 30, 30};

// ASCII '-' to U+2212 MINUS SIGN, which lines up with '+' in the font.
std::string true_minus(std::string s) {
  std::string out;
  for (char ch : s) out += ch == '-' ? std::string("\xE2\x88\x92") : std::string(1, ch);
  return out;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> t;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double raw = (hi - lo) / std::max(1, target);
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  double step = p;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * p >= raw * 0.999) {
      step = m * p;
      break;
    }
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (double v = first; v <= hi + step * 1e-9; v += step)
    t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

std::vector<double> decade_ticks(double lo, double hi, int most) {
  std::vector<double> t;
  if (!(lo > 0) || !(hi > lo)) return t;
  const int a = static_cast<int>(std::ceil(std::log10(lo) - 1e-9));
  const int b = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
  const int every = std::max(1, (b - a + most) / std::max(1, most));
  for (int k = a; k <= b; ++k)
    if ((k - a) % every == 0) t.push_back(std::pow(10.0, k));
  return t;
}

std::string tick_text(double v, double step) {
  char buf[64];
  const double a = std::max(std::fabs(v), std::fabs(step));
  if (a >= 1e5 || (a < 1e-3 && a > 0)) {
    std::snprintf(buf, sizeof buf, "%.2g", v);
  } else {
    // As many decimals as the step needs to be exact: 0.25 needs 2, 2.5 one.
    int decimals = 0;
    while (decimals < 10) {
      const double scaled = std::fabs(step) * std::pow(10.0, decimals);
      if (std::fabs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled)) break;
      ++decimals;
    }
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  }
  return true_minus(buf);
}

std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return true_minus(buf);
}

Point Frame::to_px(double u, double v) const {
  const double fu = log0 ? std::log(u / lo0) / std::log(hi0 / lo0) : (u - lo0) / (hi0 - lo0);
  const double fv = (v - lo1) / (hi1 - lo1);
  return {x0 + fu * (x1 - x0), y1 - fv * (y1 - y0)};
}

double Frame::u_at(double px) const {
  const double f = (px + 0.5 - x0) / (x1 - x0);
  return log0 ? lo0 * std::pow(hi0 / lo0, f) : lo0 + f * (hi0 - lo0);
}

double Frame::v_at(double py) const { return lo1 + (y1 - (py + 0.5)) / (y1 - y0) * (hi1 - lo1); }

void draw_axes(Canvas& c, const Style& s, const Frame& f, const std::string& xlabel,
               const std::string& ylabel, const std::string& title) {
  c.clear_clip();
  c.rect_outline(f.x0 - 1, f.y0 - 1, f.x1 + 1, f.y1 + 1, kInk, s.line);
  const double tick = std::max(4.0, s.text_px * 0.35);
  const int gap = static_cast<int>(tick + 3);
  // Horizontal axis.
  const int across = std::max(2, (f.x1 - f.x0) / (s.text_px * 5));
  std::vector<double> tu = f.log0 ? decade_ticks(f.lo0, f.hi0, across) : nice_ticks(f.lo0, f.hi0, across);
  if (f.log0 && tu.size() < 2) tu = {f.lo0, f.hi0};
  const double su = tu.size() > 1 ? tu[1] - tu[0] : 1;
  for (double u : tu) {
    const double x = f.to_px(u, f.lo1).x;
    c.line({x, double(f.y1)}, {x, f.y1 + tick}, kInk, s.line);
    const std::string text = f.log0 ? number_text(u) : tick_text(u, su);
    s.font->draw(c, text, x, f.y1 + gap, s.text_px, kInk, Align::kCentre, Align::kStart);
  }
  // Vertical axis: labels right-aligned left of the ticks.
  const int up = std::max(2, (f.y1 - f.y0) / (s.text_px * 3));
  const std::vector<double> tv = nice_ticks(f.lo1, f.hi1, up);
  const double sv = tv.size() > 1 ? tv[1] - tv[0] : 1;
  double widest = 0;
  for (double v : tv) {
    const double y = f.to_px(f.lo0, v).y;
    c.line({f.x0 - tick, y}, {double(f.x0), y}, kInk, s.line);
    const std::string text = tick_text(v, sv);
    widest = std::max(widest, s.font->width(text, s.text_px));
    s.font->draw(c, text, f.x0 - gap, y, s.text_px, kInk, Align::kEnd, Align::kCentre);
  }
  const double line_h = s.text_px * 1.25;
  s.font->draw(c, xlabel, (f.x0 + f.x1) / 2.0, f.y1 + gap + line_h + 2, s.label_px, kInk,
               Align::kCentre, Align::kStart);
  s.font->draw(c, ylabel, f.x0 - gap - widest - 6 - s.label_px * 0.75, (f.y0 + f.y1) / 2.0,
               s.label_px, kInk, Align::kCentre, Align::kCentre, true);
  s.font->draw(c, title, (f.x0 + f.x1) / 2.0, f.y0 - s.label_px * 0.6, s.label_px, kInk,
               Align::kCentre, Align::kEnd);
}

void draw_colour_bar(Canvas& c, const Style& s, int x0, int y0, int x1, int y1,
                     const std::function<Rgb(double)>& colour, const std::vector<double>& t_ticks,
                     const std::vector<std::string>& tick_labels, const std::string& label) {
  c.clear_clip();
  for (int y = y0; y < y1; ++y) {
    const Rgb col = colour((y1 - 0.5 - y) / (y1 - y0));
    c.fill_rect(x0, y, x1, y + 1, col);
  }
  c.rect_outline(x0 - 1, y0 - 1, x1 + 1, y1 + 1, kInk, s.line);
  const double tick = std::max(3.0, s.text_px * 0.3);
  double widest = 0;
  for (std::size_t k = 0; k < t_ticks.size(); ++k) {
    const double y = y1 - t_ticks[k] * (y1 - y0);
    c.line({double(x1), y}, {x1 + tick, y}, kInk, s.line);
    s.font->draw(c, tick_labels[k], x1 + tick + 3, y, s.text_px, kInk, Align::kStart,
                 Align::kCentre);
    widest = std::max(widest, s.font->width(tick_labels[k], s.text_px));
  }
  s.font->draw(c, label, x1 + tick + 8 + widest + s.label_px * 0.2, (y0 + y1) / 2.0, s.label_px,
               kInk, Align::kStart, Align::kCentre, true);
}

int draw_legend(Canvas& c, const Style& s, int x, int y, const std::vector<LegendEntry>& e,
                int px) {
  c.clear_clip();
  const int row = static_cast<int>(px * 1.45);
  const int box = static_cast<int>(px * 0.9);
  for (std::size_t k = 0; k < e.size(); ++k) {
    const int top = y + static_cast<int>(k) * row;
    const double mid = top + row / 2.0;
    if (e[k].swatch) {
      c.fill_rect(x, static_cast<int>(mid - box / 2.0), x + box, static_cast<int>(mid + box / 2.0),
                  e[k].colour);
      c.rect_outline(x, static_cast<int>(mid - box / 2.0), x + box,
                     static_cast<int>(mid + box / 2.0), e[k].edge, 1);
    } else {
      draw_marker(c, e[k].marker, {x + box / 2.0, mid}, box * 0.45, e[k].colour, e[k].edge);
    }
    s.font->draw(c, e[k].text, x + box + px * 0.5, mid, px, kInk, Align::kStart, Align::kCentre);
  }
  return static_cast<int>(e.size()) * row;
}

}  // namespace trilo::render
