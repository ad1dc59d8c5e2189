// descend, basins and run from the command line: the descents go chunk by
// chunk into the checkpoint `<output>.partial` (src/io/checkpoint.hpp); once
// all are done the result file is written from it (grid, records with their
// labels, tables) and the checkpoint removed. --resume continues from a
// checkpoint left by an interrupted or killed run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <ostream>
#include <sstream>

#include "analysis/points.hpp"
#include "jobs/interrupt.hpp"
#include "jobs/jobs.hpp"

namespace trilo::jobs {

namespace {

constexpr const char* kPartial = ".partial";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

bool exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

// "key = value" lines of a stored configuration, by key.
std::map<std::string, std::string> config_entries(const std::string& toml) {
  std::map<std::string, std::string> out;
  std::istringstream in(toml);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (line.empty() || line[0] == '[' || eq == std::string::npos) continue;
    out[line.substr(0, eq)] = line.substr(eq + 3);
  }
  return out;
}

// Options that may differ between a run and its resumption: they change
// how the work is split or shown, never the result.
bool may_differ(const std::string& key) {
  return key == "threads" || key == "chunk" || key == "tile" || key == "quiet" || key == "json";
}

// Refuses a resume whose settings differ from the checkpointed run's,
// naming the first difference.
void check_same_settings(const io::CheckpointReader& ck, const std::string& path,
                         const config::RunConfig& c) {
  const std::string job = ck.text_attr("job");
  if (job != c.job)
    throw config::BadInput("--resume: '" + path + "' is a checkpoint of `trilobite " + job +
                           "`, not of `trilobite " + c.job + "`");
  if (!c.resolved_config) return;
  const auto was = config_entries(ck.text_attr("config")), now = config_entries(c.resolved_config());
  for (const auto& [key, value] : now) {
    if (may_differ(key)) continue;
    const auto it = was.find(key);
    const std::string before = it == was.end() ? "(not set)" : it->second;
    if (before != value)
      throw config::BadInput("--resume: the run in '" + path + "' had " + key + " = " + before +
                             ", this command has " + key + " = " + value +
                             " (give the interrupted run's options; `trilobite info --config " + path +
                             "` prints them)");
  }
  for (const auto& [key, value] : was)
    if (!may_differ(key) && !now.count(key))
      throw config::BadInput("--resume: the run in '" + path + "' had " + key + " = " + value +
                             ", which this command does not set");
}

// Copies the committed rows of every stream from `from` into `to`, in blocks.
void copy_committed(const io::CheckpointReader& from, io::CheckpointWriter& to,
                    const std::vector<io::StreamSpec>& streams, const DescentCounters& k) {
  const std::int64_t rows[2] = {k.descent_rows, k.cells_done};
  constexpr std::int64_t kBlock = 1 << 16;
  for (std::size_t s = 0; s < streams.size(); ++s) {
    const auto& cols = streams[s].columns;
    std::vector<std::vector<char>> buf(cols.size());
    for (std::int64_t first = 0; first < rows[s]; first += kBlock) {
      const std::int64_t n = std::min(kBlock, rows[s] - first);
      std::vector<const void*> ptrs;
      for (std::size_t c = 0; c < cols.size(); ++c) {
        buf[c].resize(static_cast<std::size_t>(n) * cols[c].width * io::column_type_size(cols[c].type));
        from.read_rows(streams[s].name, cols[c], first, n, buf[c].data());
        ptrs.push_back(buf[c].data());
      }
      to.write_rows(static_cast<int>(s), first, n, ptrs);
    }
  }
  const io::CheckpointState& st = from.state();
  to.commit(k.flat(), st);
}

// Where the checkpoint of `target` lives, and the target of a --resume FILE
// (FILE the checkpoint itself or the result it was to become).
std::string partial_of(const std::string& target) { return target + kPartial; }

// The result file, written from the finished checkpoint.
void write_result(const config::RunConfig& c, const config::Resolved& r, backend::Backend& be,
                  const std::string& partial, const DescentPlan& plan, const DescentRun& run,
                  JobResult& res, io::ResultWriter& writer) {
  const LandscapeSpec land = r.spec;
  if (c.job == "run") res.grid_points = compute_grid(c, r, be, &writer);

  analysis::MergeOptions mo;
  mo.merge_tol = c.merge_tol;
  mo.polish = c.polish;
  analysis::MinimaAccumulator::Finished f = run.accumulator().finish(land, mo);
  auto row_of = [&f](std::int32_t raw) { return raw < 0 ? -1 : f.raw_to_row[raw]; };
  res.minima.table = std::move(f.table);
  set_counts(res, run.counters(), plan);

  writer.write_root_attributes(provenance(c, r, be, res.minima.table.merge_tol));
  const io::CheckpointReader ck(partial);
  const std::vector<io::StreamSpec> streams = descent_streams(r.dim);
  const DescentCounters& k = run.counters();
  if (plan.n_descents > 0 && plan.records.mode != Records::kNone) {
    writer.begin_descents(k.descent_rows, r.dim, plan.records.mode == Records::kAll ? 1 : plan.records.every);
    const auto& cols = streams[0].columns;
    constexpr std::int64_t kBlock = 1 << 16;
    backend::DescentBatch b;
    std::vector<std::int32_t> raw, labels;
    for (std::int64_t first = 0; first < k.descent_rows; first += kBlock) {
      const std::int64_t n = std::min(kBlock, k.descent_rows - first);
      b.resize(n, r.dim);
      b.first = first;
      raw.resize(static_cast<std::size_t>(n));
      ck.read_rows("descents", cols[0], first, n, b.start.data());
      ck.read_rows("descents", cols[1], first, n, b.end.data());
      ck.read_rows("descents", cols[2], first, n, b.loss.data());
      ck.read_rows("descents", cols[3], first, n, b.grad_norm.data());
      ck.read_rows("descents", cols[4], first, n, b.steps.data());
      ck.read_rows("descents", cols[5], first, n, b.status.data());
      ck.read_rows("descents", cols[6], first, n, raw.data());
      labels.resize(raw.size());
      std::transform(raw.begin(), raw.end(), labels.begin(), row_of);
      writer.write_descent_batch(b);
      writer.write_descent_labels(first, labels);
      if (first == 0 && plan.n_descents <= 20 && plan.records.mode == Records::kAll) {
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
  if (!c.trace.empty() && plan.n_descents > 0)
    res.trajectories = be.trace(plan.descents, c.trace, c.trace_every);
  finish_minima(c, r, res, plan);
  write_tables(c, r, res, plan, writer);
}

}  // namespace

void run_descent_command(config::RunConfig& cfg, const config::Resolved& r, backend::Backend& be,
                         std::ostream& out, std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  // Where the checkpoint is, and whether this run continues one.
  std::string resume_from;
  if (!cfg.resume.empty()) {
    const bool is_partial = ends_with(cfg.resume, kPartial);
    resume_from = is_partial ? cfg.resume : partial_of(cfg.resume);
    if (!cfg.output_given)
      cfg.output = is_partial ? cfg.resume.substr(0, cfg.resume.size() - std::string(kPartial).size())
                              : cfg.resume;
    if (!exists(resume_from))
      throw config::BadInput("--resume: no checkpoint '" + resume_from + "' (nothing to resume)");
  }
  const std::string partial = partial_of(cfg.output);
  if (resume_from.empty() && exists(partial) && !cfg.force)
    throw config::BadInput("'" + partial + "' holds an interrupted run: continue it with --resume " +
                           cfg.output + ", or start again with --force");

  const DescentPlan plan = descent_plan(cfg, r);
  const double tol = analysis::detail::effective_merge_tol(cfg.merge_tol, r.box_lo, r.box_hi);
  DescentRun run(plan, r.dim, tol);
  const std::vector<io::StreamSpec> streams = descent_streams(r.dim);
  const io::Attributes root = provenance(cfg, r, be, tol);

  std::unique_ptr<io::CheckpointWriter> ck;
  if (!resume_from.empty()) {
    std::unique_ptr<io::CheckpointReader> old;
    try {
      old = std::make_unique<io::CheckpointReader>(resume_from);
    } catch (const std::runtime_error& e) {
      throw config::BadInput(std::string("--resume: ") + e.what());
    }
    check_same_settings(*old, resume_from, cfg);
    try {
      run.restore(*old);
    } catch (const std::runtime_error& e) {
      throw config::BadInput("--resume: '" + resume_from + "': " + e.what());
    }
    // A fresh checkpoint holding what was committed, renamed over the old
    // one only once complete: a kill during the copy loses nothing.
    const std::string fresh = partial + ".resuming";
    ck = std::make_unique<io::CheckpointWriter>(fresh, root, streams, DescentCounters::kSize);
    copy_committed(*old, *ck, streams, run.counters());
    old.reset();
    if (std::rename(fresh.c_str(), partial.c_str()) != 0)
      throw std::runtime_error("cannot rename '" + fresh + "' to '" + partial + "'");
    if (resume_from != partial) std::remove(resume_from.c_str());
    if (!cfg.quiet)
      log << "trilobite: resuming after " << run.counters().descents_done << " of " << plan.n_descents
          << " descents and " << run.counters().cells_done << " of " << plan.n_cells << " cells\n";
  } else {
    ck = std::make_unique<io::CheckpointWriter>(partial, root, streams, DescentCounters::kSize);
    const analysis::MinimaAccumulator::State s = run.accumulator().state();
    ck->commit(run.counters().flat(), {s.reps, s.counters, s.histogram});
  }

  JobResult res;
  try {
    run.run(be, ck.get(), false);
  } catch (const Interrupted&) {
    ck->close();
    const DescentCounters& k = run.counters();
    throw Interrupted("interrupted after " + std::to_string(k.descents_done) + " of " +
                      std::to_string(plan.n_descents) + " descents and " + std::to_string(k.cells_done) +
                      " of " + std::to_string(plan.n_cells) + " cells; they are in '" + partial +
                      "' (continue with --resume " + cfg.output + ")");
  }
  ck->close();
  ck.reset();
  res.timings.descents_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  io::ResultWriter writer(cfg.output);
  write_result(cfg, r, be, partial, plan, run, res, writer);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  publish(cfg, r, be, res, secs, writer, out);
  std::remove(partial.c_str());
}

}  // namespace trilo::jobs
