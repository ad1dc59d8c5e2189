// From the end points of critical-point searches to a census: distinct
// points, polished, classified by Hessian eigenvalues with their Morse
// index, counted, sorted by loss. Plain host arrays; no backend, no file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/curvature.hpp"
#include "analysis/minima.hpp"
#include "core/catalog.hpp"

namespace trilo::analysis {

// The distinct critical points found inside the box, sorted by loss (ties
// as in MinimaTable).
struct CriticalTable {
  int dim = 0;
  std::int64_t n_points = 0;
  std::vector<double> position;          // n_points x dim
  std::vector<double> loss;
  std::vector<double> grad_norm;         // after polishing
  std::vector<double> eigenvalues;       // n_points x dim, ascending
  std::vector<std::int32_t> morse_index; // number of negative eigenvalues
  std::vector<std::int8_t> kind;         // PointKind
  std::vector<std::int64_t> count;       // searches that reached it
  Curvature curvature;                   // NaN unless a minimum
  std::int64_t n_minima = 0, n_saddles = 0, n_maxima = 0, n_degenerate = 0;
  // Sum over non-degenerate points of (-1)^index: minima - saddles + maxima in 2-D.
  std::int64_t euler_characteristic = 0;
  std::int64_t n_starts = 0;
  std::int64_t n_outside = 0;  // converged searches dropped: outside the box
  double merge_tol = 0;
  std::string method;
  std::vector<Plateau> plateaus;  // flat points gathered (their searches: label -1)
};

struct CriticalResult {
  CriticalTable table;
  std::vector<std::int32_t> labels;  // per search: row reached, -1 if none (or outside)
};

// Merges the converged searches that end inside [box_lo, box_hi] (as
// descents are merged: clusters, Newton polish, re-merge), classifies each
// point with opt.eig_rel_tol and sorts by loss; flat points become plateaus
// (plateau.hpp, judged against the box given here). Deterministic.
CriticalResult merge_critical(const LandscapeSpec& land, const std::vector<double>& box_lo,
                              const std::vector<double>& box_hi, const EndPoints& searches,
                              const MergeOptions& opt);

}  // namespace trilo::analysis
