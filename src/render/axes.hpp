// A plot's frame: data-to-pixel mapping, ticks and labels, colour bar,
// legend. Shared by the map panels and the sweep plot.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "render/canvas.hpp"
#include "render/font.hpp"

namespace trilo::render {

// About `target` round ticks (1, 2 or 5 times a power of ten) within [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target);
// Powers of ten within [lo, hi] (both > 0), thinned to at most `most`.
std::vector<double> decade_ticks(double lo, double hi, int most);
// A tick value as short text: as few digits as the spacing needs.
std::string tick_text(double v, double step);
// A number in a label: %.4g with a true minus sign.
std::string number_text(double v);

// A pixel rectangle [x0, x1) x [y0, y1) showing data [lo0, hi0] x [lo1, hi1],
// y upwards; `log0` makes the horizontal axis logarithmic.
struct Frame {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double lo0 = 0, hi0 = 1, lo1 = 0, hi1 = 1;
  bool log0 = false;

  Point to_px(double u, double v) const;
  // The data point at the centre of pixel (px, py).
  double u_at(double px) const;
  double v_at(double py) const;
};

struct Style {
  const Font* font = nullptr;
  int text_px = 14;        // tick labels
  int label_px = 15;       // axis labels and panel titles
  double line = 1.0;       // frame line width
  int side = 0;            // room right of a map for its bar or legend; 0: what it needs
};

// Frame outline, ticks outward, tick labels, axis labels and a title above.
void draw_axes(Canvas& c, const Style& s, const Frame& f, const std::string& xlabel,
               const std::string& ylabel, const std::string& title);

// A vertical colour bar at [x0, x1) x [y0, y1): colour(t) for t in [0, 1]
// bottom to top; ticks at t_ticks with their labels on the right; `label`
// turned along the right side.
void draw_colour_bar(Canvas& c, const Style& s, int x0, int y0, int x1, int y1,
                     const std::function<Rgb(double)>& colour, const std::vector<double>& t_ticks,
                     const std::vector<std::string>& tick_labels, const std::string& label);

struct LegendEntry {
  Rgb colour;
  bool swatch = true;       // a filled square, else `marker`
  Marker marker = Marker::kCircle;
  Rgb edge = kBlack;
  std::string text;
};

// Entries stacked from (x, y) down, `px` text; returns the height used.
int draw_legend(Canvas& c, const Style& s, int x, int y, const std::vector<LegendEntry>& e,
                int px);

}  // namespace trilo::render
