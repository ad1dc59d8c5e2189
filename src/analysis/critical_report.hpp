// Human-readable text for the critical-point census and the saddle
// connections (the CLI after `trilobite critical`, and `trilobite info`).
#pragma once

#include <string>

#include "analysis/connections.hpp"

namespace trilo::analysis {

// Counts by kind, the Euler characteristic, then one row per point: index,
// kind, Morse index, position, loss, count, smallest/largest eigenvalue.
std::string format_critical_table(const CriticalTable& t);

// One row per index-1 saddle: the two minima it joins and both barriers.
std::string format_connections(const CriticalTable& t, const Connections& c);

}  // namespace trilo::analysis
