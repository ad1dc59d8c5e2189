// Human-readable text for the minima table (the CLI after a run, and `info`).
#pragma once

#include <string>
#include <vector>

#include "analysis/minima.hpp"

namespace trilo::analysis {

// A fixed-width table: index, kind, position, loss, count/fraction of
// descents, basin fraction, mean steps, smallest/largest Hessian eigenvalue;
// the global minimum (index 0 when it is a minimum) is marked, and, given
// the box, so is every point a descent reached outside it.
std::string format_minima_table(const MinimaTable& t, const std::vector<double>& box_lo = {},
                                const std::vector<double>& box_hi = {});

}  // namespace trilo::analysis
