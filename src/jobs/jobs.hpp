// The jobs: grid, descend, basins, run (all three) and sweep, from a validated
// RunConfig to a committed result file.
#pragma once

#include <iosfwd>
#include <memory>

#include "analysis/known_minima.hpp"
#include "analysis/basin_metrics.hpp"
#include "analysis/minima.hpp"
#include "analysis/sweep_table.hpp"
#include "backend/backend.hpp"
#include "config/run_config.hpp"
#include "io/result_writer.hpp"

namespace trilo::jobs {

struct JobResult {
  backend::DescentBatch descents;  // all descents (empty unless the job has them)
  backend::DescentBatch basins;    // all basin-map cells
  analysis::MergeResult minima;
  analysis::KnownMatch known;  // the documented minima found (Resolved::known_minima)
  std::vector<backend::Trajectory> trajectories;
  std::int64_t grid_points = 0;
  struct Timings {  // wall seconds of each phase
    double grid_s = 0, descents_s = 0, basins_s = 0, minima_s = 0;
  } timings;
  analysis::BasinMetrics basin_metrics;  // of the basin map, when there is one
  analysis::SweepTable sweep;            // job "sweep" only
};

// Picks the backend --backend asks for; "auto" takes the GPU when one is present.
std::unique_ptr<backend::Backend> select_backend(const config::RunConfig& cfg);

// Runs the job on `be`, streaming grid tiles and descent chunks to `writer`
// when it is not null (the caller commits). Results depend on the inputs and
// seed only, never on threads, chunk or tile sizes.
JobResult execute_job(const config::RunConfig& cfg, const config::Resolved& r,
                      backend::Backend& be, io::ResultWriter* writer);

// The root attributes every job writes (docs/format.md).
// Descents and searches leave the box enlarged --diverge-factor times about
// its centre: those bounds, per coordinate.
void set_divergence_bounds(const config::RunConfig& c, const config::Resolved& r, double* lo,
                           double* hi);
// Random starts uniform in the box, or the explicit ones (copied into
// `explicit_starts`), keyed by the run's seed.
StartSpec start_spec(const config::RunConfig& c, const config::Resolved& r,
                     std::vector<double>& explicit_starts);

// The loss grid of the job's plane (--grid-res), tile by tile into the
// writer's /grid when it is not null; returns the number of points.
std::int64_t compute_grid(const config::RunConfig& c, const config::Resolved& r,
                          backend::Backend& be, io::ResultWriter* writer);

io::Attributes provenance(const config::RunConfig& c, const config::Resolved& r,
                          const backend::Backend& be, double merge_tol);

// `trilobite critical` (src/jobs/critical_job.cpp): as run_command.
void run_critical_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log);

// The whole command: select the backend, execute, write and commit the file,
// print the summary to `out` and progress notes to `log`.
void run_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log);

}  // namespace trilo::jobs
