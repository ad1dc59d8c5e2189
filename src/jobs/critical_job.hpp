// `trilobite critical`: the census of critical points in the box, the
// saddle connections between minima, and curvature, into one file.
#pragma once

#include <cstdint>

#include "analysis/connections.hpp"
#include "analysis/critical.hpp"
#include "backend/backend.hpp"
#include "config/run_config.hpp"

namespace trilo::io {
class ResultWriter;
}

namespace trilo::jobs {

// Defaults of the critical subcommand where they differ from a descent's:
// enough starts that every cell of the 2-D Rastrigin lattice (441 points)
// is reached many times over; Hessian evaluations, not optimizer steps.
inline constexpr std::int64_t kCriticalStarts = 16384;
inline constexpr std::int64_t kCriticalSteps = 200;
inline constexpr double kCriticalTolF64 = 1e-10;
inline constexpr double kCriticalTolF32 = 1e-4;

// Applies those defaults to the options the user did not give.
void apply_critical_defaults(config::RunConfig& c, bool starts_given, bool steps_given);

struct CriticalJobResult {
  backend::DescentBatch searches;  // execute_critical: every search, start to end
  analysis::CriticalResult census;
  analysis::Connections connections;
  std::int64_t grid_points = 0;  // the loss grid written beside them (/grid)
};

// The library form: runs the searches on `be` in chunks of c.chunk
// (keeping every record in `searches`), merges, connects; writes
// the root attributes, /critical and /connections when `writer` is given
// (the caller commits).
CriticalJobResult execute_critical(const config::RunConfig& c, const config::Resolved& r,
                                   backend::Backend& be, io::ResultWriter* writer);

}  // namespace trilo::jobs
