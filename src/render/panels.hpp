// The panels of a picture (internal to src/render): each draws itself into
// a box of the canvas and returns the frame it used (recorded in the PNG so
// that pixels can be mapped back to data).
#pragma once

#include <string>
#include <vector>

#include "render/axes.hpp"
#include "render/render.hpp"

namespace trilo::render {

struct Box {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

// Space around the plot area for ticks, labels and a side bar `right` wide,
// and the plot area itself: as large as fits, with equal scales on both axes
// when `aspect` (data width / height) is given and not extreme.
Frame fit_frame(const Box& b, const Style& s, int right, double aspect);

// Room right of the plot each map panel needs (colour bar, basin legend).
int loss_side(const Style& s);
// The style of a picture width x height of `panels` side by side: text
// sized to a panel, lines to the text.
Style picture_style(const Font& font, int width, int height, int panels);
int basin_side(const Style& s, const Scene& sc, int panel_height);

// The map of /grid's loss; `quantity` names what the map shows (a network
// plane's accuracy is drawn by the same panel).
Frame draw_loss_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b,
                      const RenderOptions& opt, const std::string& quantity = "loss");
Frame draw_basin_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b);
// A 1-D grid: loss against the coordinate, basins as a strip beneath.
Frame draw_line_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b);
// Descents without a lattice: each start coloured by the minimum it reached.
Frame draw_starts_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b);
Frame draw_sweep_panel(Canvas& c, const Style& s, const Scene& sc, const Box& b);
// Per setting of a 2-D sweep, the share of starts at a global minimum (the
// lowest minimum of /minima and every minimum tied with it): the map's cells.
std::vector<double> global_fraction(const Scene& sc);

// Critical points numbered on a picture when there are at most this many.
inline constexpr std::size_t kNumberedPoints = 60;

// Minima, saddles, maxima and trajectories, projected onto the plane of
// coordinates (axis0, axis1) (axis1 = -1: a 1-D picture, the loss upwards),
// clipped to the frame; /critical's points numbered by their table row (up
// to kNumberedPoints) and each index-1 saddle joined by a dashed line to the
// minima /connections says it joins.
void draw_overlays(Canvas& c, const Style& s, const Scene& sc, const Frame& f, int axis0,
                   int axis1);
// The loss of /minima row k for a legend: %.4g, and 0 for losses below 1e-9
// of the largest |loss| (7.9e-31 beside 0 is rounding, not information).
std::string minimum_loss_text(const Scene& sc, std::int64_t k);
// Room for a legend of these entries (its widest line, or `heading`).
int legend_width(const Style& s, const std::vector<LegendEntry>& e, const std::string& heading = "");

// Legend entries of a basin map: each minimum's colour and share (`frac`),
// as many as fit in `height` pixels, then grey with the share of cells that
// reached no minimum (1 - the shares' sum; `none` when `frac` is empty),
// named "none or plateau" when the file has plateaus.
std::vector<LegendEntry> basin_legend(const Scene& sc, const Style& s,
                                      const std::vector<double>& frac, double none, int height);

// Legend entries for the point markers the picture shows.
std::vector<LegendEntry> marker_legend(const Scene& sc);

}  // namespace trilo::render
