// Contour lines of a 2-D lattice by marching squares.
#pragma once

#include <cstdint>
#include <vector>

namespace trilo::render {

struct Segment {
  double a0, a1, b0, b1;  // end points in lattice index units: (i0, i1)
};

// The pieces of the level set {v = level} of the bilinear-ish surface through
// `v` (n1 x n0, index i1 * n0 + i0), one straight piece per crossed cell;
// cells with a NaN are skipped; ambiguous cells are resolved by the mean of
// their corners.
std::vector<Segment> contour_segments(const std::vector<double>& v, std::int64_t n0,
                                      std::int64_t n1, double level);

// `count` levels evenly spaced strictly inside (lo, hi).
std::vector<double> even_levels(double lo, double hi, int count);

}  // namespace trilo::render
