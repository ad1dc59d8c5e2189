// The geometry of a basin map: basin entropy and boundary basin entropy
// (Daza, Wagemakers, Georgeot, Guery-Odelin, Sanjuan, "Basin entropy: a new
// tool to analyze uncertainty in dynamical systems", Sci. Rep. 6, 31416
// (2016)), and the share of cells on a boundary. A pure function of a label
// map; knows nothing of backends or files.
#pragma once

#include <cstdint>
#include <string>

namespace trilo::analysis {

struct BasinMetrics {
  std::int64_t entropy_box = 0;       // box side eps, in cells
  std::int64_t n_boxes = 0;           // complete eps x eps boxes (incomplete border boxes dropped)
  std::int64_t n_boundary_boxes = 0;  // boxes holding more than one colour
  double basin_entropy = 0;           // S_b: mean box entropy over all boxes (nats)
  double boundary_basin_entropy = 0;  // S_bb: mean box entropy over boundary boxes (nats)
  bool fractal_boundary = false;      // S_bb > log 2: Daza et al.'s sufficient condition
  std::int64_t n_cells = 0;
  std::int64_t n_boundary_cells = 0;  // cells with a lattice neighbour of another colour
  double boundary_fraction = 0;       // n_boundary_cells / n_cells
  bool one_dimensional = false;       // a 1-D map: boxes of eps cells along the line
};

// `label` holds n1 x n0 colours, row-major (index i1 * n0 + i0); a 1-D map
// has n1 = 1. Every distinct value is a colour, -1 (not converged) included:
// a cell that reached no minimum is its own outcome, as a separate
// "attractor" is in Daza et al.
//
// Boxes: the map is covered from cell (0, 0) by non-overlapping boxes of
// eps x eps cells (eps cells along the line for a 1-D map); boxes that would
// run past the last row or column are dropped, so every box holds eps^2
// cells. In box i, p_j is the share of colour j and S_i = -sum_j p_j ln p_j.
// S_b is the mean of S_i over all boxes, S_bb the mean over the boxes with
// more than one colour (0 when there are none; both NaN when no box fits).
// Boundary cells have a 4-neighbour (2 in 1-D) of a different colour.
BasinMetrics basin_metrics(const std::int32_t* label, std::int64_t n0, std::int64_t n1,
                           std::int64_t eps);

// A few lines for the run summary and `trilobite info`.
std::string format_basin_metrics(const BasinMetrics& m);

}  // namespace trilo::analysis
