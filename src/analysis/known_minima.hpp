// Checks a run's minima against the minima documented for its landscape (the
// catalog for built-ins, [[minima]] in a landscape file): which were found.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/minima.hpp"
#include "core/catalog.hpp"

namespace trilo::analysis {

struct KnownMatch {
  std::vector<std::int64_t> row;    // per known minimum: its row in the table, -1 if not found
  std::vector<double> distance;     // to that row (NaN when not found)
  std::vector<std::int8_t> in_box;  // 1 when the known minimum lies in the box
};

// A known minimum is found when a row of kind `minimum` lies within `tol`
// (Euclidean) of it; the nearest such row is taken.
KnownMatch match_known_minima(const MinimaTable& t, const std::vector<KnownMinimum>& known,
                              const std::vector<double>& box_lo, const std::vector<double>& box_hi,
                              double tol);

// "known minima: 3 of 4 found" and one line per known minimum not found.
std::string format_known_minima(const std::vector<KnownMinimum>& known, const KnownMatch& m);

}  // namespace trilo::analysis
