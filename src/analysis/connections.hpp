// Which minima each index-1 saddle joins, the lowest barrier between every
// pair of minima, and the merge tree of a disconnectivity graph (Becker &
// Karplus 1997, J. Chem. Phys. 106:1495; Wales, Energy Landscapes, 2003).
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/critical.hpp"

namespace trilo::analysis {

struct Connections {
  // One row per index-1 saddle of the table, in table order.
  std::vector<std::int64_t> saddle;                 // row in the CriticalTable
  std::vector<std::int64_t> minimum_a, minimum_b;   // rows reached along -v and +v; -1: none
  std::vector<double> barrier_a, barrier_b;         // saddle loss - minimum loss (NaN if none)
  // The k minima of the table (rows), in table order: the leaves below.
  std::vector<std::int64_t> minimum_row;
  // k x k: the lowest saddle loss over all paths of connections between
  // minima i and j (the minimax level at which they share a basin); the
  // minimum's own loss on the diagonal; NaN when no path joins them. Empty
  // when k > kMaxLevelMinima.
  std::vector<double> merge_level;
  // The merge tree as in a linkage matrix: node ids 0..k-1 are the leaves
  // (minimum i of minimum_row), id k + j is internal node j, which joins
  // tree_left[j] and tree_right[j] at loss tree_level[j] through saddle row
  // tree_saddle[j]. Nodes are in order of increasing level.
  std::vector<std::int64_t> tree_left, tree_right, tree_saddle;
  std::vector<double> tree_level;
};

inline constexpr std::int64_t kMaxLevelMinima = 4096;

struct ConnectOptions {
  double offset = -1;       // start distance from the saddle; <= 0: the table's merge_tol
  double grad_tol = 1e-6;   // steepest descent stops at |grad| <= grad_tol (then Newton) ...
  int max_iterations = 100000;  // ... or after this many steps
};

// From each index-1 saddle, steepest descent (backtracking line search, step
// length capped at a hundredth of the box diagonal) from saddle +/- offset
// along the eigenvector of the negative eigenvalue; the end point, Newton-
// polished, is the table's nearest minimum within merge_tol, else -1.
Connections connect_saddles(const LandscapeSpec& land, const CriticalTable& t,
                            const std::vector<double>& box_lo, const std::vector<double>& box_hi,
                            const ConnectOptions& opt = {});

// merge_level and the tree from the saddle rows (exposed for tests).
void build_merge_tree(const CriticalTable& t, Connections& c);

}  // namespace trilo::analysis
