#include "analysis/basin_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

namespace trilo::analysis {

namespace {

// Entropy of one box from its (unsorted) colours; sorting groups equal ones.
double box_entropy(std::vector<std::int32_t>& colours, int& n_colours) {
  std::sort(colours.begin(), colours.end());
  const double n = static_cast<double>(colours.size());
  double s = 0;
  n_colours = 0;
  for (std::size_t lo = 0; lo < colours.size();) {
    std::size_t hi = lo;
    while (hi < colours.size() && colours[hi] == colours[lo]) ++hi;
    const double p = static_cast<double>(hi - lo) / n;
    s -= p * std::log(p);
    ++n_colours;
    lo = hi;
  }
  return s;
}

}  // namespace

BasinMetrics basin_metrics(const std::int32_t* label, std::int64_t n0, std::int64_t n1,
                           std::int64_t eps) {
  BasinMetrics m;
  m.entropy_box = eps;
  m.n_cells = n0 * n1;
  m.one_dimensional = n1 == 1;
  if (m.n_cells <= 0 || eps < 1) {
    m.basin_entropy = m.boundary_basin_entropy = std::numeric_limits<double>::quiet_NaN();
    return m;
  }

  // Boxes, in row-major order of their corners; sums in that fixed order.
  const std::int64_t e1 = n1 == 1 ? 1 : eps;  // a 1-D map has boxes of eps cells
  const std::int64_t b0 = n0 / eps, b1 = n1 / e1;
  std::vector<std::int32_t> colours;
  double sum = 0, sum_boundary = 0;
  for (std::int64_t j = 0; j < b1; ++j) {
    for (std::int64_t i = 0; i < b0; ++i) {
      colours.clear();
      for (std::int64_t r = j * e1; r < (j + 1) * e1; ++r)
        colours.insert(colours.end(), label + r * n0 + i * eps, label + r * n0 + (i + 1) * eps);
      int k = 0;
      const double s = box_entropy(colours, k);
      sum += s;
      if (k > 1) {
        sum_boundary += s;
        ++m.n_boundary_boxes;
      }
      ++m.n_boxes;
    }
  }
  if (m.n_boxes == 0) {
    m.basin_entropy = m.boundary_basin_entropy = std::numeric_limits<double>::quiet_NaN();
  } else {
    m.basin_entropy = sum / static_cast<double>(m.n_boxes);
    m.boundary_basin_entropy =
        m.n_boundary_boxes ? sum_boundary / static_cast<double>(m.n_boundary_boxes) : 0.0;
  }
  m.fractal_boundary = m.boundary_basin_entropy > std::log(2.0);

  for (std::int64_t i1 = 0; i1 < n1; ++i1) {
    for (std::int64_t i0 = 0; i0 < n0; ++i0) {
      const std::int32_t c = label[i1 * n0 + i0];
      const bool edge = (i0 > 0 && label[i1 * n0 + i0 - 1] != c) ||
                        (i0 + 1 < n0 && label[i1 * n0 + i0 + 1] != c) ||
                        (i1 > 0 && label[(i1 - 1) * n0 + i0] != c) ||
                        (i1 + 1 < n1 && label[(i1 + 1) * n0 + i0] != c);
      m.n_boundary_cells += edge;
    }
  }
  m.boundary_fraction = static_cast<double>(m.n_boundary_cells) / static_cast<double>(m.n_cells);
  return m;
}

std::string format_basin_metrics(const BasinMetrics& m) {
  char buf[512], side[64];
  const long long eps = static_cast<long long>(m.entropy_box);
  if (m.one_dimensional)
    std::snprintf(side, sizeof side, "%lld", eps);
  else
    std::snprintf(side, sizeof side, "%lld x %lld", eps, eps);
  std::snprintf(buf, sizeof buf,
                "basin entropy S_b %.4f, boundary basin entropy S_bb %.4f (boxes of %s "
                "cells: %lld, %lld on a boundary)\n"
                "boundary cells %.4f of the map; fractal boundary (S_bb > log 2 = 0.6931): %s\n",
                m.basin_entropy, m.boundary_basin_entropy, side, static_cast<long long>(m.n_boxes),
                static_cast<long long>(m.n_boundary_boxes), m.boundary_fraction,
                m.fractal_boundary ? "yes" : "not shown");
  return buf;
}

}  // namespace trilo::analysis
