#include "render/contour.hpp"

#include <cmath>

namespace trilo::render {

std::vector<Segment> contour_segments(const std::vector<double>& v, std::int64_t n0,
                                      std::int64_t n1, double level) {
  std::vector<Segment> out;
  for (std::int64_t j = 0; j + 1 < n1; ++j)
    for (std::int64_t i = 0; i + 1 < n0; ++i) {
      // Corners counter-clockwise from (i, j): 0 (i,j) 1 (i+1,j) 2 (i+1,j+1) 3 (i,j+1).
      const double c[4] = {v[j * n0 + i], v[j * n0 + i + 1], v[(j + 1) * n0 + i + 1],
                           v[(j + 1) * n0 + i]};
      const double px[4] = {0, 1, 1, 0}, py[4] = {0, 0, 1, 1};
      if (std::isnan(c[0]) || std::isnan(c[1]) || std::isnan(c[2]) || std::isnan(c[3])) continue;
      bool above[4];
      int n_above = 0;
      for (int k = 0; k < 4; ++k) n_above += above[k] = c[k] >= level;
      if (n_above == 0 || n_above == 4) continue;
      // Crossing points on the edges k -> k+1 whose ends differ.
      double ex[4] = {}, ey[4] = {};
      int n_edges = 0;
      for (int k = 0; k < 4; ++k) {
        const int l = (k + 1) % 4;
        if (above[k] == above[l]) continue;
        const double t = (level - c[k]) / (c[l] - c[k]);
        ex[n_edges] = i + px[k] + t * (px[l] - px[k]);
        ey[n_edges] = j + py[k] + t * (py[l] - py[k]);
        ++n_edges;
      }
      if (n_edges == 2) {
        out.push_back({ex[0], ey[0], ex[1], ey[1]});
        continue;
      }
      // Saddle cell: four crossings on edges 0,1,2,3. If the centre is on
      // the same side as corner 0, the two regions of corner 0's side join
      // through the middle, so cut off corners 1 and 3; else corners 0 and 2.
      const bool centre_above = (c[0] + c[1] + c[2] + c[3]) / 4 >= level;
      if (centre_above == above[0]) {
        out.push_back({ex[0], ey[0], ex[1], ey[1]});  // around corner 1
        out.push_back({ex[2], ey[2], ex[3], ey[3]});  // around corner 3
      } else {
        out.push_back({ex[3], ey[3], ex[0], ey[0]});  // around corner 0
        out.push_back({ex[1], ey[1], ex[2], ey[2]});  // around corner 2
      }
    }
  return out;
}

std::vector<double> even_levels(double lo, double hi, int count) {
  std::vector<double> l;
  if (!(hi > lo) || count < 1) return l;
  for (int k = 1; k <= count; ++k) l.push_back(lo + (hi - lo) * k / (count + 1));
  return l;
}

}  // namespace trilo::render
