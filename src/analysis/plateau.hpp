// Plateaus: where a landscape is flat on its own scale. A point whose
// gradient and Hessian are negligible against the loss range over the box
// and the box's size is no minimum, saddle or maximum: descents and searches
// stop there because nothing pulls them on, and a flat region yields as many
// such points as there are starts on it. They are gathered into plateau
// entries (one per loss level) instead of table rows; docs/plateaus.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/catalog.hpp"

namespace trilo::analysis {

// The scale against which "flat" is judged.
struct LandscapeScale {
  double loss_min = 0, loss_max = 0;  // over the sampled box (and the points found)
  double length = 0;                  // the box diagonal
  bool known() const { return length > 0 && loss_max > loss_min; }
  double loss_range() const { return loss_max - loss_min; }
};

// |gradient| * length and max|eigenvalue| * length^2 at or below this share
// of the loss range: the linear and quadratic change across the whole box
// would be under 1% of the range.
inline constexpr double kFlatRelTol = 1e-2;
// Points of the box sampled for the loss range.
inline constexpr int kScaleSamples = 4096;

// The loss over kScaleSamples points of an additive recurrence (R_d
// sequence: Roberts, "The unreasonable effectiveness of quasirandom
// sequences", 2018) in [lo, hi] and at its centre; deterministic. Non-finite
// values are skipped. An empty box gives an unknown scale.
LandscapeScale landscape_scale(const LandscapeSpec& land, const std::vector<double>& lo,
                               const std::vector<double>& hi);

// Whether a point with this gradient norm and these eigenvalues (dim of
// them) is flat against `s` (never when the scale is unknown or a value is
// not finite).
bool is_flat(const LandscapeScale& s, double grad_norm, const double* eigenvalues, int dim,
             double rel_tol = kFlatRelTol);

// Flat points at one loss level (their losses chain within rel_tol of the
// range): one entry however many points the descents stopped at.
struct Plateau {
  double loss_lo = 0, loss_hi = 0;          // lowest and highest loss of its points
  std::vector<double> extent_lo, extent_hi;  // per coordinate, over its points
  std::int64_t points = 0;                   // distinct flat points gathered
  std::int64_t count = 0;                    // descents or searches that stopped on it
  std::int64_t basin_count = 0;              // basin-map cells that stopped on it
};

// One line per plateau: loss range, extent, points, and the starts (and,
// with `cells`, the basin cells) that stopped on it.
std::string format_plateaus(const std::vector<Plateau>& p, int dim, bool cells);

}  // namespace trilo::analysis
