// From descent end points to distinct minima: merge, polish, classify, sort.
// Works on plain host arrays; knows nothing of backends or files.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/curvature.hpp"
#include "analysis/plateau.hpp"
#include "core/catalog.hpp"

namespace trilo::analysis {

enum class PointKind : std::int8_t { kMinimum = 0, kSaddle = 1, kDegenerate = 2, kMaximum = 3 };
const char* kind_name(PointKind k);

struct MergeOptions {
  double merge_tol = -1;      // Euclidean distance; < 0: 1e-3 x the box diagonal
  bool polish = true;         // Newton-refine each merged point in float64
  double eig_rel_tol = 1e-6;  // |eigenvalue| <= eig_rel_tol * max(1, max|eigenvalue|): zero
  CurvatureOptions curvature;
  // The box searched; when given, flat points (plateau.hpp, judged with
  // flat_rel_tol) are gathered into plateaus instead of rows.
  std::vector<double> box_lo, box_hi;
  double flat_rel_tol = kFlatRelTol;
};

// The distinct points reached, sorted by loss (index 0 the lowest; losses
// within 1e-9 relative are ties, ordered by position).
struct MinimaTable {
  int dim = 0;
  std::int64_t n_minima = 0;
  std::vector<double> position;     // n_minima x dim
  std::vector<double> loss;         // n_minima
  std::vector<double> grad_norm;    // after polishing
  std::vector<double> eigenvalues;  // n_minima x dim, ascending
  std::vector<std::int8_t> kind;    // PointKind
  // Over the random/explicit descents (/descents):
  std::vector<std::int64_t> count;
  std::vector<double> fraction;     // count / number of descents
  std::vector<double> mean_steps;   // over the descents counted
  // Over the cells of the basin map (/basins), zero when there is none:
  std::vector<std::int64_t> basin_count;
  std::vector<double> basin_fraction;
  // 95% Wilson intervals of fraction and basin_fraction (NaN without trials)
  // and nearest-rank percentiles of the converged descents' steps (NaN when
  // none), filled by add_minima_statistics (analysis/minima_stats.hpp):
  std::vector<double> fraction_ci_lo, fraction_ci_hi;
  std::vector<double> basin_fraction_ci_lo, basin_fraction_ci_hi;
  std::vector<double> steps_p50, steps_p90, steps_p99;
  double merge_tol = 0;
  Curvature curvature;  // per point; NaN unless a minimum (empty in files without it)
  std::vector<Plateau> plateaus;  // flat points gathered (their descents and cells: label -1)
};

// End points of one set of descents (n x dim), as the backends return them.
// A descent counts towards a minimum when it converged, or when it ran out
// of steps and its quench converged (quench: QuenchResult per descent; null
// where no quench ran).
struct EndPoints {
  const double* end = nullptr;
  const std::int8_t* status = nullptr;
  const std::int64_t* steps = nullptr;
  std::int64_t n = 0;
  const std::int8_t* quench = nullptr;
};

struct MergeResult {
  MinimaTable table;
  std::vector<std::int32_t> descent_labels;  // per descent, -1 unless converged (or quenched to a point)
  std::vector<std::int32_t> basin_labels;    // per basin cell, the same
};

// Merges the converged end points of the descents and of the basin cells
// (either may be empty) into one table; labels index into it. Deterministic:
// depends only on the inputs, processed in index order.
MergeResult merge_minima(const LandscapeSpec& land, const std::vector<double>& box_lo,
                         const std::vector<double>& box_hi, const EndPoints& descents,
                         const EndPoints& basins, const MergeOptions& opt);

}  // namespace trilo::analysis
