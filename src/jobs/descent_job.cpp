// descend, basins and run from the command line: the descents go chunk by
// chunk into the checkpoint `<output>.partial` (src/io/checkpoint.hpp); once
// all are done the result file is written from it (grid, records with their
// labels, tables) and the checkpoint removed. --resume continues from a
// checkpoint left by an interrupted or killed run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ostream>

#include "analysis/points.hpp"
#include "io/chunk_copy.hpp"
#include "jobs/checkpointing.hpp"
#include "jobs/interrupt.hpp"
#include "jobs/jobs.hpp"
#include "jobs/progress.hpp"
#include "jobs/ranks.hpp"

namespace trilo::jobs {

namespace {

// The result file, written from the finished checkpoint.
void write_result(const config::RunConfig& c, const config::Resolved& r, backend::Backend& be,
                  const std::string& partial, const DescentPlan& plan, const DescentRun& run,
                  JobResult& res, io::ResultWriter& writer, StageTimes& st) {
  const LandscapeSpec land = r.spec;
  Stopwatch watch;
  const auto lap = [&watch] { return watch.lap(); };
  if (c.job == "run") {
    res.grid_points = compute_grid(c, r, be, &writer);
    res.timings.grid_s = lap();
  }

  const analysis::MergeOptions mo = merge_options(c, r);
  Stopwatch stage;
  analysis::MinimaAccumulator::Finished f = run.accumulator().finish(land, mo);
  st.finish_s = stage.lap();
  auto row_of = [&f](std::int32_t raw) { return raw < 0 ? -1 : f.raw_to_row[raw]; };
  res.minima.table = std::move(f.table);
  set_counts(res, run.counters(), plan);

  writer.write_root_attributes(provenance(c, r, be, res.minima.table.merge_tol));
  const io::CheckpointReader ck(partial);
  const std::vector<io::StreamSpec> streams = descent_streams(r.dim);
  const DescentCounters& k = run.counters();
  if (plan.n_descents > 0 && plan.records.mode != Records::kNone) {
    writer.begin_descents(k.descent_rows, r.dim, plan.records.mode == Records::kAll ? 1 : plan.records.every);
    // The records as the checkpoint stored them in the result's chunks, or,
    // where it did not, read back and deflated here. The labels are known
    // only now (the minima's rows): read, mapped and deflated either way.
    st.record_rows = k.descent_rows;
    st.chunks_moved = io::copy_result_chunks(ck, streams[0], writer, "descents");
    const bool moved = st.chunks_moved >= 0;
    const auto& cols = streams[0].columns;
    // Blocks of 2^16 rows while every column passes through memory; when
    // only the labels do, 2^20 (8 MB), so that each block completes 16 of
    // their chunks to deflate side by side, not one.
    const std::int64_t block = moved ? std::int64_t{1} << 20 : std::int64_t{1} << 16;
    backend::DescentBatch b;
    std::vector<std::int32_t> raw, labels;
    for (std::int64_t first = 0; first < k.descent_rows; first += block) {
      const std::int64_t n = std::min(block, k.descent_rows - first);
      const bool printed = first == 0 && plan.n_descents <= 20 && plan.records.mode == Records::kAll;
      raw.resize(static_cast<std::size_t>(n));
      ck.read_rows("descents", cols[6], first, n, raw.data());
      labels.resize(raw.size());
      std::transform(raw.begin(), raw.end(), labels.begin(), row_of);
      if (moved && !printed) {
        writer.write_descent_labels(first, labels);
        continue;
      }
      b.resize(n, r.dim);
      b.first = first;
      ck.read_rows("descents", cols[0], first, n, b.start.data());
      ck.read_rows("descents", cols[1], first, n, b.end.data());
      ck.read_rows("descents", cols[2], first, n, b.loss.data());
      ck.read_rows("descents", cols[3], first, n, b.grad_norm.data());
      ck.read_rows("descents", cols[4], first, n, b.steps.data());
      ck.read_rows("descents", cols[5], first, n, b.status.data());
      ck.read_rows("descents", cols[7], first, n, b.bounced.data());
      if (!moved) writer.write_descent_batch(b);
      writer.write_descent_labels(first, labels);
      if (printed) {
        res.descents = b;  // printed one by one
        res.minima.descent_labels = labels;
      }
    }
  }
  if (plan.n_cells > 0) {
    const auto& cols = streams[1].columns;
    std::vector<std::int32_t> raw(static_cast<std::size_t>(plan.n_cells));
    res.basins.resize(plan.n_cells, r.dim);
    ck.read_rows("cells", cols[0], 0, plan.n_cells, raw.data());
    ck.read_rows("cells", cols[1], 0, plan.n_cells, res.basins.steps.data());
    ck.read_rows("cells", cols[2], 0, plan.n_cells, res.basins.status.data());
    res.minima.basin_labels.resize(raw.size());
    std::transform(raw.begin(), raw.end(), res.minima.basin_labels.begin(), row_of);
  }
  st.copy_s = stage.lap();
  if (!c.trace.empty() && plan.n_descents > 0)
    res.trajectories = be.trace(plan.descents, c.trace, c.trace_every);
  finish_minima(c, r, res, plan);
  res.timings.minima_s = lap();  // merging, polishing, matching, and copying the records over
  write_tables(c, r, res, plan, writer);
  st.tables_s = stage.lap();
}

}  // namespace

void run_descent_command(config::RunConfig& cfg, const config::Resolved& r, backend::Backend& be,
                         CheckpointStart start, std::ostream& out, std::ostream& log, StageTimes* times) {
  const auto t0 = std::chrono::steady_clock::now();
  StageTimes own_times;
  const CheckpointPaths paths = start.paths;
  const DescentPlan plan = descent_plan(cfg, r);
  const double tol = analysis::detail::effective_merge_tol(cfg.merge_tol, r.box_lo, r.box_hi);
  DescentRun run(plan, r.dim, tol);
  if (!is_writer()) {
    // Another rank of an MPI job: its share of the descents, the basin map
    // and (run) the grid, sent to the writer; no file, no print.
    agree_to_start();
    run.run(be, nullptr, false);
    if (cfg.job == "run") compute_grid(cfg, r, be, nullptr);
    return;
  }
  const std::vector<io::StreamSpec> streams = descent_streams(r.dim, result_rows(plan, be));
  const io::Attributes root = provenance(cfg, r, be, tol);

  std::unique_ptr<io::CheckpointReader> old = std::move(start.resumed);
  if (old) {
    try {
      run.restore(*old);
    } catch (const std::runtime_error& e) {
      throw config::BadInput("--resume: '" + paths.resume_from + "': " + e.what());
    }
  }
  agree_to_start();
  const DescentCounters& k = run.counters();
  const analysis::MinimaAccumulator::State s = run.accumulator().state();
  std::unique_ptr<io::CheckpointWriter> ck =
      start_checkpoint(paths, root, streams, k.flat(), {s.reps, s.counters, s.histogram}, old.get(),
                       {k.descent_rows, k.cells_done});
  old.reset();
  if (!paths.resume_from.empty() && !cfg.quiet)
    log << "trilobite: resuming after " << k.descents_done << " of " << plan.n_descents
        << " descents and " << k.cells_done << " of " << plan.n_cells << " cells\n";

  JobResult res;
  StageTimes& st = times ? *times : own_times;
  st.setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  try {
    run.run(be, ck.get(), false);
  } catch (const Interrupted&) {
    ck->close();
    throw Interrupted(interrupted_message(
        std::to_string(k.descents_done) + " of " + std::to_string(plan.n_descents) +
            " descents and " + std::to_string(k.cells_done) + " of " + std::to_string(plan.n_cells) +
            " cells",
        paths, cfg));
  }
  const std::int64_t adopted = ck->adopted_chunks(), deflated = ck->deflated_chunks();
  ck->close();
  ck.reset();
  res.timings.descents_s = run.descent_seconds();
  res.timings.basins_s = run.cell_seconds();

  io::ResultWriter writer(cfg.output, cfg.force);
  {
    const double setup = st.setup_s;
    st = run.stage_times();
    st.setup_s = setup;
    st.chunks_adopted = adopted;
    st.chunks_deflated = deflated;
  }
  write_result(cfg, r, be, paths.partial, plan, run, res, writer, st);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto published = std::chrono::steady_clock::now();
  publish(cfg, r, be, res, secs, writer, out);
  std::remove(paths.partial.c_str());
  st.tables_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - published).count();
  st.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (std::getenv("TRILOBITE_DRIVER_STATS")) print_stage_times(st, log);
}

}  // namespace trilo::jobs
