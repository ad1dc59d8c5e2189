// The converged end points of a batch of descents reduced by merge cell
// (core/cell_key.hpp): per cell, its first member (lowest row) and that
// member's end point, how far the other members lie from it, and the
// histogram of their steps. A few cells stand for millions of end points, so
// this, not the end points, is what a GPU needs to send home for the minima
// table; MinimaAccumulator::add_cells (analysis/accumulator.hpp) clusters
// them exactly as it would the end points, or says that it cannot.
// Plain host arrays: the reference below and the CUDA backend's Thrust
// reduction (kernels/reduce_cells.cu) fill the same struct.
#pragma once

#include <cstdint>
#include <vector>

namespace trilo::backend {

// Columns of n end points (row-major, dim columns); host or device memory
// as the caller says. quench may be null.
struct EndColumns {
  const double* end = nullptr;
  const std::int8_t* status = nullptr;
  const std::int8_t* quench = nullptr;
  const std::int64_t* steps = nullptr;
  std::int64_t n = 0;
  int dim = 0;
};

struct ReducedCells {
  // False when the chunk was not reduced (Backend::descend_cells on a device
  // that could not keep or reduce it): every row is in the batch, and its
  // end points are clustered one by one; nothing else here is set.
  bool made = true;
  int dim = 0;
  std::int64_t rows = 0;             // rows reduced, counting or not
  std::vector<std::int64_t> first;   // per cell, the row of its first member; ascending
  std::vector<double> position;      // per cell, that member's end point (cells x dim)
  std::vector<double> radius;        // per cell, the largest distance of a member from it
  std::vector<std::int64_t> offset;  // cells + 1: cell c's histogram is [offset[c], offset[c + 1])
  std::vector<std::int64_t> steps, count;  // histogram entries, steps ascending within a cell
  std::vector<std::int32_t> cell_of;       // per row when asked for: its cell, or -1
  std::int64_t status_rows[3] = {0, 0, 0};  // rows per DescentStatus: converged, max-steps, diverged
  std::int64_t cells() const { return static_cast<std::int64_t>(first.size()); }
};

// The reduction on the host: the reference the device one must equal (the
// radius up to rounding, everything else exactly). Rows count as
// core/cell_key.hpp's end_point_counts says; `per_row` fills cell_of.
ReducedCells reduce_cells_host(const EndColumns& e, double tol, bool per_row);

}  // namespace trilo::backend
