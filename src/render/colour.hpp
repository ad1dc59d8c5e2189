// Colour maps: viridis for loss, a qualitative palette for basins.
#pragma once

#include "render/canvas.hpp"

namespace trilo::render {

// Viridis (van der Walt, Smith and Firing, matplotlib 1.5, 2015; CC0): t in
// [0, 1] from dark blue-purple to yellow; outside: clamped; NaN: grey.
Rgb viridis(double t);

// The colour of basin/minimum k (0-based): the Okabe-Ito palette without its
// black (Okabe and Ito, "Color Universal Design", 2008), then 64 colours each
// chosen as far as possible from all before it, then golden-angle hues.
Rgb basin_colour(int k);

// Cells and starts that reached no minimum.
inline constexpr Rgb kNoMinimum{64, 64, 64};
// The global minimum's star: a magenta far from every basin colour (the
// first, orange, included) and from the viridis loss scale, so the star
// stands out on either map.
inline constexpr Rgb kGlobalMinimum{255, 0, 200};

}  // namespace trilo::render
