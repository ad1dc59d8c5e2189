// The merge cell of an end point, written once for the host clustering
// (analysis/points.cpp) and the device reduction (kernels/reduce_cells.cu):
// both must put every point in bitwise the same cell. The formula uses only
// IEEE operations that host and device round alike (one correctly rounded
// division, floor, compares), so g++ and nvcc give the same key.
#pragma once

#include <cstdint>

#include "core/descent.hpp"
#include "core/hd.hpp"

namespace trilo {

// Cells key on the first (up to) kCellAxes coordinates.
constexpr int kCellAxes = 3;

struct CellKey {
  long long k[kCellAxes];
};

// floor(x[i] / tol) for the first min(dim, kCellAxes) coordinates, zero for
// the others. Clamped (and NaN sent to 0) so that any input has a key; cells
// only bucket the search, the distances decide, and clamping never moves two
// points further apart than one cell.
TRILO_HD_INLINE CellKey cell_key(const double* x, int dim, double tol) {
  constexpr double kLimit = 4.0e18;  // inside long long's range
  CellKey key{{0, 0, 0}};
  const int axes = dim < kCellAxes ? dim : kCellAxes;
  for (int i = 0; i < axes; ++i) {
    const double c = ::floor(x[i] / tol);
    if (c != c) continue;  // NaN
    key.k[i] = static_cast<long long>(c < -kLimit ? -kLimit : c > kLimit ? kLimit : c);
  }
  return key;
}

TRILO_HD_INLINE bool operator==(const CellKey& a, const CellKey& b) {
  return a.k[0] == b.k[0] && a.k[1] == b.k[1] && a.k[2] == b.k[2];
}
TRILO_HD_INLINE bool operator<(const CellKey& a, const CellKey& b) {
  if (a.k[0] != b.k[0]) return a.k[0] < b.k[0];
  if (a.k[1] != b.k[1]) return a.k[1] < b.k[1];
  return a.k[2] < b.k[2];
}

// Whether a descent's end point counts towards a minimum: it converged, or
// it ran out of steps and its quench converged (quench may be null).
TRILO_HD_INLINE bool end_point_counts(const std::int8_t* status, const std::int8_t* quench,
                                      std::int64_t i) {
  return status[i] == static_cast<std::int8_t>(DescentStatus::kConverged) ||
         (quench != nullptr && quench[i] == static_cast<std::int8_t>(QuenchResult::kConverged));
}

}  // namespace trilo
