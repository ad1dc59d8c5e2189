// Human-readable text for the minima table (the CLI after a run, and `info`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/minima.hpp"

namespace trilo::analysis {

// "1 minimum", "2 minima": a count with its noun in the right number.
std::string counted(std::int64_t n, const char* one, const char* many);

// Rows printed of a long table; the file holds them all.
inline constexpr std::int64_t kPrintedRows = 20;

// The line after the first kPrintedRows rows of a longer table.
std::string rows_left_note(std::int64_t rows, const char* group);

// A fixed-width table: index, kind, position, loss, count/fraction of
// descents, basin fraction, mean steps, smallest/largest Hessian eigenvalue;
// the global minimum (the lowest minimum, and every minimum whose loss ties
// it) is marked, and, given the box, so is every point a descent reached
// outside it. At most kPrintedRows rows, then the plateaus.
std::string format_minima_table(const MinimaTable& t, const std::vector<double>& box_lo = {},
                                const std::vector<double>& box_hi = {});

}  // namespace trilo::analysis
