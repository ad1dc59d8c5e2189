// Readers for the optional /critical and /sweep groups (docs/format.md), for
// tools such as `trilobite render` that show them when a file has them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trilo::io {

// /critical: stationary points of every kind.
struct CriticalData {
  int dim = 0;
  std::vector<double> position;       // m x dim
  std::vector<double> loss;           // m
  std::vector<std::int8_t> kind;      // analysis::PointKind codes: 0 min, 1 saddle, 2 degenerate, 3 max
  std::vector<std::int32_t> morse_index;
  std::size_t size() const { return loss.size(); }
};

// /sweep: basin fractions against one swept optimizer setting.
struct SweepData {
  std::string parameter;  // e.g. "lr"
  std::string spacing;    // "linear" or "log"
  std::vector<double> value;                                  // n_values
  std::vector<double> fraction;                               // n_values x m
  std::int64_t n_minima = 0;                                  // m
  std::vector<double> fraction_diverged, fraction_max_steps;  // n_values
};

// Empty when the file has no such group; throws std::runtime_error with one
// line naming the file when the group is there but malformed.
std::optional<CriticalData> read_critical(const std::string& path);
std::optional<SweepData> read_sweep(const std::string& path);

}  // namespace trilo::io
