#include "render/colour.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace trilo::render {

namespace {

// Every 8th entry (0, 8, ..., 248, and 255) of the published 256-entry
// viridis table (_viridis_data in matplotlib's _cm_listed.py, from
// github.com/BIDS/colormap); linear interpolation between them is within
// 1/255 of the full table.
constexpr double kViridis[33][3] = {
    {0.267004, 0.004874, 0.329415}, {0.277018, 0.050344, 0.375715},
    {0.282327, 0.094955, 0.417331}, {0.282884, 0.135920, 0.453427},
    {0.278826, 0.175490, 0.483397}, {0.270595, 0.214069, 0.507052},
    {0.258965, 0.251537, 0.524736}, {0.244972, 0.287675, 0.537260},
    {0.229739, 0.322361, 0.545706}, {0.214298, 0.355619, 0.551184},
    {0.199430, 0.387607, 0.554642}, {0.185556, 0.418570, 0.556753},
    {0.172719, 0.448791, 0.557885}, {0.160665, 0.478540, 0.558115},
    {0.149039, 0.508051, 0.557250}, {0.137770, 0.537492, 0.554906},
    {0.127568, 0.566949, 0.550556}, {0.120565, 0.596422, 0.543611},
    {0.120638, 0.625828, 0.533488}, {0.132268, 0.655014, 0.519661},
    {0.157851, 0.683765, 0.501686}, {0.196571, 0.711827, 0.479221},
    {0.246070, 0.738910, 0.452024}, {0.304148, 0.764704, 0.419943},
    {0.369214, 0.788888, 0.382914}, {0.440137, 0.811138, 0.340967},
    {0.515992, 0.831158, 0.294279}, {0.595839, 0.848717, 0.243329},
    {0.678489, 0.863742, 0.189503}, {0.762373, 0.876424, 0.137064},
    {0.845561, 0.887322, 0.099702}, {0.926106, 0.897330, 0.104071},
    {0.993248, 0.906157, 0.143936}};

std::uint8_t byte(double v) {
  return static_cast<std::uint8_t>(std::lround(std::fmin(1.0, std::fmax(0.0, v)) * 255));
}

// HSL to RGB, h in turns.
Rgb hsl(double h, double s, double l) {
  const double c = (1 - std::fabs(2 * l - 1)) * s;
  const double hp = std::fmod(h, 1.0) * 6;
  const double x = c * (1 - std::fabs(std::fmod(hp, 2.0) - 1));
  double r = 0, g = 0, b = 0;
  if (hp < 1) r = c, g = x;
  else if (hp < 2) r = x, g = c;
  else if (hp < 3) g = c, b = x;
  else if (hp < 4) g = x, b = c;
  else if (hp < 5) r = x, b = c;
  else r = c, b = x;
  const double m = l - c / 2;
  return {byte(r + m), byte(g + m), byte(b + m)};
}

}  // namespace

Rgb viridis(double t) {
  if (std::isnan(t)) return {160, 160, 160};
  const double idx = std::fmin(255.0, std::fmax(0.0, t * 255));
  // Knot j sits at table index 8 j, except the last at 255.
  int j = static_cast<int>(idx / 8);
  if (j >= 31) j = 31;
  const double lo = 8.0 * j, hi = j == 31 ? 255.0 : 8.0 * (j + 1);
  const double f = (idx - lo) / (hi - lo);
  const double* a = kViridis[j];
  const double* b = kViridis[j + 1];
  return {byte(a[0] + f * (b[0] - a[0])), byte(a[1] + f * (b[1] - a[1])),
          byte(a[2] + f * (b[2] - a[2]))};
}

Rgb basin_colour(int k) {
  static constexpr Rgb kOkabeIto[7] = {{230, 159, 0},  {86, 180, 233},  {0, 158, 115},
                                        {240, 228, 66}, {0, 114, 178},   {213, 94, 0},
                                        {204, 121, 167}};
  if (k < 0) return kNoMinimum;
  if (k < 7) return kOkabeIto[k];
  // Beyond the palette: greedily the candidate farthest (in RGB) from every
  // colour taken so far, and from white, black and the no-minimum grey.
  static const std::vector<Rgb> extra = [] {
    std::vector<Rgb> taken(kOkabeIto, kOkabeIto + 7), cand, out;
    taken.push_back(kWhite);
    taken.push_back(kBlack);
    taken.push_back(kNoMinimum);
    for (int h = 0; h < 36; ++h)
      for (double l : {0.3, 0.45, 0.6, 0.75}) cand.push_back(hsl(h / 36.0, 0.7, l));
    auto dist = [](Rgb a, Rgb b) {
      return std::hypot(std::hypot(a.r - b.r, a.g - b.g), double(a.b - b.b));
    };
    while (out.size() < 64) {
      double best = -1;
      std::size_t pick = 0;
      for (std::size_t i = 0; i < cand.size(); ++i) {
        double d = INFINITY;
        for (const Rgb& t : taken) d = std::min(d, dist(cand[i], t));
        if (d > best) best = d, pick = i;
      }
      taken.push_back(cand[pick]);
      out.push_back(cand[pick]);
    }
    return out;
  }();
  const int n = k - 7;
  if (n < static_cast<int>(extra.size())) return extra[n];
  static constexpr double kLightness[3] = {0.62, 0.40, 0.51};
  return hsl(0.13 + n * 0.3819660112501051, 0.65, kLightness[n % 3]);
}

}  // namespace trilo::render
