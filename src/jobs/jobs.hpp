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
#include "jobs/checkpointing.hpp"
#include "jobs/descent_run.hpp"
#include "jobs/resources.hpp"

namespace trilo::jobs {

struct JobResult {
  // execute_job: all descents and basin-map cells. run_command: only the
  // first descents when there are at most 20 (printed one by one).
  backend::DescentBatch descents;
  backend::DescentBatch basins;
  std::int64_t n_descents = 0, n_cells = 0;
  std::int64_t descent_status[3] = {0, 0, 0};  // converged, max-steps, diverged
  std::int64_t cell_status[3] = {0, 0, 0};
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

// The descents and basin-map cells a descend/basins/run job does, with
// records as --records asks (execute_job: all).
DescentPlan descent_plan(const config::RunConfig& c, const config::Resolved& r);
// What the resource estimate counts of the job's records on `be`: the
// --records mode and whether the checkpoint keeps them in the result's
// chunks too (result_rows of the job's descent_plan on `be`).
RecordsMode records_mode(const config::RunConfig& c, const config::Resolved& r, const backend::Backend& be);
// The lattice of the basin map (--basin-res) and of the grid (--grid-res).
PlaneSpec job_plane(const config::Resolved& r, std::int64_t res);
io::GridAxes grid_axes(const PlaneSpec& p);

// The loss grid of the job's plane (--grid-res), tile by tile into the
// writer's /grid when it is not null; returns the number of points.
std::int64_t compute_grid(const config::RunConfig& c, const config::Resolved& r,
                          backend::Backend& be, io::ResultWriter* writer);

// The attributes every result file begins with (format, program, command
// line, time, job), an optimizer's settings, and a learning-rate schedule's.
io::Attributes file_head_attributes(const config::RunConfig& c);
io::Attributes optimizer_attributes(const OptimizerParams& o);
io::Attributes schedule_attributes(const std::string& name, const LrSchedule& s);

io::Attributes provenance(const config::RunConfig& c, const config::Resolved& r,
                          const backend::Backend& be, double merge_tol);

// How end points become a table: --merge-tol, --polish and the box (flat
// points become plateaus against it).
analysis::MergeOptions merge_options(const config::RunConfig& c, const config::Resolved& r);

// `trilobite critical` (src/jobs/critical_job.cpp): as run_command.
void run_critical_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log);

// Pieces of a descent job shared by execute_job and the checkpointed command
// (src/jobs/descent_job.cpp): status counts, known minima and basin
// metrics, the tables after /descents, the text summary, and publishing the
// file (commit, XDMF, summary on `out`).
void set_counts(JobResult& res, const DescentCounters& k, const DescentPlan& plan);
void finish_minima(const config::RunConfig& c, const config::Resolved& r, JobResult& res,
                   const DescentPlan& plan);
void write_tables(const config::RunConfig& c, const config::Resolved& r, const JobResult& res,
                  const DescentPlan& plan, io::ResultWriter& writer);
void print_summary(const config::RunConfig& cfg, const config::Resolved& r, const JobResult& res,
                   std::ostream& out);
void publish(const config::RunConfig& cfg, const config::Resolved& r, const backend::Backend& be,
             const JobResult& res, double secs, io::ResultWriter& writer, std::ostream& out);

// descend, basins and run: chunk by chunk into `<output>.partial`, resumable
// with --resume, then the result file written from it.
// `times` (may be null) receives where the job's time went.
void run_descent_command(config::RunConfig& cfg, const config::Resolved& r, backend::Backend& be,
                         CheckpointStart start, std::ostream& out, std::ostream& log,
                         StageTimes* times = nullptr);

// sweep: the same, its end points into `<output>.partial` (src/jobs/sweep_job.cpp).
void run_sweep_command(config::RunConfig& cfg, const config::Resolved& r, backend::Backend& be,
                       CheckpointStart start, std::ostream& out, std::ostream& log);
// The descent request of a job (its starts, optimizer and bounds).
backend::DescentRequest descent_request(const config::RunConfig& c, const config::Resolved& r);

// The whole command: select the backend, execute, write and commit the file,
// print the summary to `out` and progress notes to `log`.
void run_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log);

// The same for a descend, basins or run job on a backend the caller made,
// in place of the one --backend selects, `times` (may be null) receiving
// where its time went: how `trilobite bench --pipeline` runs jobs on the
// zero-cost backend (backend.hpp).
void run_descent_command_on(config::RunConfig& cfg, backend::Backend& be, std::ostream& out,
                            std::ostream& log, StageTimes* times);

}  // namespace trilo::jobs
