#include "jobs/jobs.hpp"

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <ostream>
#include <sstream>
#include <utility>

#include "analysis/known_minima.hpp"
#include "analysis/report.hpp"
#include "core/descent_defaults.hpp"
#include "io/hdf5_util.hpp"
#include "io/result_writer.hpp"
#include "jobs/chunk_driver.hpp"
#include "jobs/interrupt.hpp"
#include "jobs/network_job.hpp"
#include "jobs/plane_job.hpp"
#include "jobs/progress.hpp"
#include "jobs/ranks.hpp"
#include "jobs/resources.hpp"
#include "jobs/summary_json.hpp"
#include "io/xdmf_writer.hpp"
#include "jobs/sweep_job.hpp"

namespace trilo::jobs {

namespace {

bool has_grid(const std::string& job) { return job == "run" || job == "grid"; }
bool has_descents(const std::string& job) { return job == "run" || job == "descend"; }
bool has_basins(const std::string& job) { return job == "run" || job == "basins"; }

LandscapeSpec landscape_spec(const config::Resolved& r) { return r.spec; }

backend::Precision precision(const config::RunConfig& c) {
  return c.precision == "f32" ? backend::Precision::kF32 : backend::Precision::kF64;
}

}  // namespace

PlaneSpec job_plane(const config::Resolved& r, std::int64_t res) {
  PlaneSpec p;
  p.dim = r.dim;
  p.axis0 = r.axis0;
  p.axis1 = r.axis1;
  p.n0 = res;
  p.n1 = r.axis1 >= 0 ? res : 1;
  p.lo0 = r.box_lo[r.axis0];
  p.hi0 = r.box_hi[r.axis0];
  if (r.axis1 >= 0) {
    p.lo1 = r.box_lo[r.axis1];
    p.hi1 = r.box_hi[r.axis1];
  }
  for (int i = 0; i < r.dim; ++i) p.origin[i] = r.origin[i];
  return p;
}

namespace {

std::string axis_name(int axis, int dim) {
  if (dim <= 3) return std::string(1, "xyz"[axis]);
  return "w" + std::to_string(axis + 1);
}

}  // namespace

io::GridAxes grid_axes(const PlaneSpec& p) {
  io::GridAxes a;
  a.axis0 = p.axis0;
  a.axis1 = p.axis1;
  a.name0 = axis_name(p.axis0, p.dim);
  for (std::int64_t k = 0; k < p.n0; ++k) a.coord0.push_back(lattice_node(p.lo0, p.hi0, k, p.n0));
  if (p.axis1 >= 0) {
    a.name1 = axis_name(p.axis1, p.dim);
    for (std::int64_t k = 0; k < p.n1; ++k) a.coord1.push_back(lattice_node(p.lo1, p.hi1, k, p.n1));
  }
  a.origin.assign(p.origin, p.origin + p.dim);
  return a;
}

void set_divergence_bounds(const config::RunConfig& c, const config::Resolved& r, double* lo,
                           double* hi) {
  for (int i = 0; i < r.dim; ++i) {
    const double mid = 0.5 * (r.box_lo[i] + r.box_hi[i]), half = 0.5 * (r.box_hi[i] - r.box_lo[i]);
    lo[i] = mid - c.diverge_factor * half;
    hi[i] = mid + c.diverge_factor * half;
  }
}

StartSpec start_spec(const config::RunConfig& c, const config::Resolved& r,
                     std::vector<double>& explicit_starts) {
  StartSpec s;
  s.dim = r.dim;
  s.seed = c.seed;
  for (int i = 0; i < r.dim; ++i) {
    s.lo[i] = r.box_lo[i];
    s.hi[i] = r.box_hi[i];
  }
  if (!r.explicit_starts.empty()) {
    s.mode = StartMode::kExplicit;
    explicit_starts = r.explicit_starts;
  }
  return s;
}

backend::DescentRequest descent_request(const config::RunConfig& c, const config::Resolved& r) {
  backend::DescentRequest q;
  q.landscape = landscape_spec(r);
  q.precision = precision(c);
  DescentParams& p = q.params;
  p.opt = c.opt;
  p.schedule = c.schedule;
  p.max_steps = c.steps;
  p.quench_steps = c.quench_steps;
  p.tol = c.tol;
  p.noise = c.noise;
  p.seed = c.seed;
  set_divergence_bounds(c, r, p.bound_lo, p.bound_hi);
  q.starts = start_spec(c, r, q.explicit_starts);
  return q;
}

DescentPlan descent_plan(const config::RunConfig& c, const config::Resolved& r) {
  DescentPlan plan;
  plan.descents = descent_request(c, r);
  plan.n_descents = has_descents(c.job) ? r.n_starts : 0;
  plan.cells = plan.descents;
  if (has_basins(c.job)) {
    const PlaneSpec basin_plane = job_plane(r, c.basin_res);
    plan.cells.starts.mode = StartMode::kPlane;
    plan.cells.starts.plane = basin_plane;
    plan.cells.explicit_starts.clear();
    plan.cells.params.noise_stream = RngStream::kBasinNoise;
    plan.n_cells = basin_plane.size();
  }
  plan.chunk = c.chunk;
  plan.reduce = cells_path_from_env();
  plan.record_chunks = record_chunks_from_env();
  plan.bar = !c.quiet && stderr_is_terminal();
  if (c.records == "none") {
    plan.records.mode = Records::kNone;
  } else if (c.records == "sample") {
    plan.records.mode = Records::kSample;
    plan.records.every = std::max<std::int64_t>(1, (plan.n_descents + c.sample - 1) / c.sample);
  }
  return plan;
}

RecordsMode records_mode(const config::RunConfig& c, const config::Resolved& r, const backend::Backend& be) {
  RecordsMode m{c.records, c.sample};
  m.result_chunks = has_descents(c.job) && result_rows(descent_plan(c, r), be) >= 0;
  return m;
}

namespace {

const char* status_name(std::int8_t s) {
  switch (static_cast<DescentStatus>(s)) {
    case DescentStatus::kConverged: return "converged";
    case DescentStatus::kMaxSteps: return "max-steps";
    case DescentStatus::kDiverged: return "diverged";
  }
  return "?";
}

// A few descents are worth seeing one by one: start, end, status, minimum.
void print_descents(const JobResult& res, std::ostream& out) {
  const backend::DescentBatch& b = res.descents;
  auto point = [&](const std::vector<double>& v, std::int64_t i) {
    std::string s = "(";
    for (int k = 0; k < b.dim; ++k) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%.9g", k ? ", " : "", v[i * b.dim + k]);
      s += buf;
    }
    return s + ")";
  };
  for (std::int64_t i = 0; i < b.count; ++i) {
    out << "descent " << i << ": " << point(b.start, i) << " -> " << point(b.end, i) << "  loss "
        << b.loss[i] << ", " << b.steps[i] << " steps, " << status_name(b.status[i])
        << ", minimum " << res.minima.descent_labels[i] << "\n";
  }
}

}  // namespace

namespace {

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

void append(io::Attributes& a, io::Attributes&& more) {
  for (auto& kv : more) a.push_back(std::move(kv));
}

}  // namespace

io::Attributes file_head_attributes(const config::RunConfig& c) {
  return {{"format_version", std::int64_t{io::kFormatVersion}},
          {"program", std::string("trilobite")},
          {"program_version", std::string(TRILOBITE_VERSION)},
          {"command_line", c.command_line},
          {"created", utc_now()},
          {"job", c.job}};
}

io::Attributes optimizer_attributes(const OptimizerParams& o) {
  return {{"optimizer", std::string(config::optimizer_name(o.kind))},
          {"lr", o.lr},
          {"momentum", o.momentum},
          {"beta1", o.beta1},
          {"beta2", o.beta2},
          {"rho", o.rho},
          {"eps", o.eps}};
}

io::Attributes schedule_attributes(const std::string& name, const LrSchedule& s) {
  return {{"lr_schedule", name},
          {"lr_step_every", s.kind == ScheduleKind::kStep ? s.every : std::int64_t{0}},
          {"lr_gamma", s.kind == ScheduleKind::kStep || s.kind == ScheduleKind::kExp ? s.gamma : 0.0},
          {"lr_min", s.min_lr},
          {"lr_horizon", s.horizon},
          {"warmup_steps", s.warmup}};
}

analysis::MergeOptions merge_options(const config::RunConfig& c, const config::Resolved& r) {
  analysis::MergeOptions mo;
  mo.merge_tol = c.merge_tol;
  mo.polish = c.polish;
  mo.box_lo = r.box_lo;
  mo.box_hi = r.box_hi;
  return mo;
}

io::Attributes provenance(const config::RunConfig& c, const config::Resolved& r,
                          const backend::Backend& be, double merge_tol) {
  io::Attributes a = file_head_attributes(c);
  append(a, {{"landscape", r.landscape_name},
             {"landscape_formula", r.formula},
             {"derivatives", r.derivatives},
             {"dim", std::int64_t{r.dim}},
             {"box_lo", r.box_lo},
             {"box_hi", r.box_hi}});
  append(a, optimizer_attributes(c.opt));
  a.emplace_back("max_steps", c.steps);
  append(a, schedule_attributes(c.lr_schedule, c.schedule));
  append(a, {{"quench_steps", c.quench_steps},
             {"tol", c.tol},
             {"noise", c.noise},
             {"diverge_factor", c.diverge_factor},
             {"precision", c.precision},
             {"backend", be.name()},
             {"device", be.device()},
             {"seed", c.seed},
             {"merge_tol", merge_tol},
             {"n_starts", r.n_starts},
             {"start_mode", std::string(r.explicit_starts.empty() ? "uniform" : "explicit")}});
  if (has_descents(c.job)) a.emplace_back("records", c.records);
  // Formula parameters as param_<name>, so a run can be repeated exactly.
  for (const auto& [name, value] : r.parameters) a.emplace_back("param_" + name, value);
  // Every option, resolved: `trilobite info --config` prints it for a replay.
  if (c.resolved_config) a.emplace_back("config", c.resolved_config());
  return a;
}

std::unique_ptr<backend::Backend> select_backend(const config::RunConfig& cfg) {
  // Each rank of an MPI job drives the GPU of its node-local rank.
  if (cfg.backend == "cuda") return backend::make_cuda_backend(local_rank());
  if (cfg.backend == "auto" && backend::cuda_device_count() > 0) return backend::make_cuda_backend(local_rank());
  return backend::make_cpu_backend(cfg.threads);
}

namespace {

// The grid's tiles: computed into one of two tiles while the other is
// written into the result.
class GridChunks : public ChunkWork {
 public:
  GridChunks(backend::Backend& be, const backend::GridRequest& q, io::ResultWriter* writer)
      : be_(be), q_(q), writer_(writer) {}
  void compute(const Chunk& c) override { be_.grid(q_, c.first, c.count, tiles_[c.slot]); }
  void absorb(const Chunk& c) override {
    if (writer_) writer_->write_grid_tile(tiles_[c.slot]);
  }
  void pack(const Chunk& c, Packer& out) const override { jobs::pack(out, tiles_[c.slot]); }
  void unpack(const Chunk& c, Unpacker& in) override { jobs::unpack(in, tiles_[c.slot]); }

 private:
  backend::Backend& be_;
  const backend::GridRequest& q_;
  io::ResultWriter* writer_;
  backend::GridTile tiles_[2];
};

}  // namespace

std::int64_t compute_grid(const config::RunConfig& c, const config::Resolved& r,
                          backend::Backend& be, io::ResultWriter* writer) {
  const backend::GridRequest q{landscape_spec(r), precision(c), job_plane(r, c.grid_res)};
  if (writer) writer->begin_grid(grid_axes(q.plane));
  GridChunks work(be, q, writer);
  DriveOptions o;
  o.n = q.plane.size();
  o.chunk = c.tile;
  o.what = "grid";
  o.bar = !c.quiet && stderr_is_terminal();
  o.bar_floor = 1 << 16;
  o.spread = true;
  drive(work, o);
  return o.n;
}

JobResult execute_job(const config::RunConfig& c, const config::Resolved& r, backend::Backend& be,
                      io::ResultWriter* writer) {
  JobResult res;
  const LandscapeSpec land = landscape_spec(r);
  const bool bar = !c.quiet && stderr_is_terminal();
  Stopwatch watch;
  const auto lap = [&watch] { return watch.lap(); };

  if (has_grid(c.job)) {
    res.grid_points = compute_grid(c, r, be, writer);
    res.timings.grid_s = lap();
  }

  if (c.job == "sweep") {
    backend::DescentRequest dq = descent_request(c, r);
    res.sweep = run_sweep(c, r, be, dq, res.minima);
    res.known = analysis::match_known_minima(res.minima.table, r.known_minima, r.box_lo, r.box_hi,
                                             res.minima.table.merge_tol);
    if (writer) {
      writer->write_root_attributes(provenance(c, r, be, res.minima.table.merge_tol));
      writer->write_minima(res.minima.table);
      writer->write_sweep(res.sweep);
      if (!r.known_minima.empty()) writer->write_known_minima(r.known_minima, res.known, r.dim);
    }
    return res;
  }
  if (!has_descents(c.job) && !has_basins(c.job)) {
    if (writer) writer->write_root_attributes(provenance(c, r, be, 0.0));
    return res;
  }

  // Everything in memory, all records: the library form of the job.
  DescentPlan plan = descent_plan(c, r);
  plan.bar = bar;
  plan.records = Records{};
  const double tol = analysis::detail::effective_merge_tol(c.merge_tol, r.box_lo, r.box_hi);
  DescentRun run(plan, r.dim, tol);
  run.run(be, nullptr, true);
  lap();
  res.timings.descents_s = run.descent_seconds();
  res.timings.basins_s = run.cell_seconds();
  if (!c.trace.empty()) res.trajectories = be.trace(plan.descents, c.trace, c.trace_every);

  const analysis::MergeOptions mo = merge_options(c, r);
  analysis::MinimaAccumulator::Finished f = run.accumulator().finish(land, mo);
  auto labelled = [&f](const std::vector<std::int32_t>& raw) {
    std::vector<std::int32_t> out(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) out[i] = raw[i] < 0 ? -1 : f.raw_to_row[raw[i]];
    return out;
  };
  res.minima.table = std::move(f.table);
  res.minima.descent_labels = labelled(run.descent_raw());
  res.minima.basin_labels = labelled(run.cell_raw());
  res.descents = run.descents();
  res.basins = run.cells();
  set_counts(res, run.counters(), plan);
  finish_minima(c, r, res, plan);
  res.timings.minima_s = lap();

  if (writer) {
    writer->write_root_attributes(provenance(c, r, be, res.minima.table.merge_tol));
    if (has_descents(c.job)) {
      writer->begin_descents(r.n_starts, r.dim);
      writer->write_descent_batch(res.descents);
      writer->write_descent_labels(res.minima.descent_labels);
    }
    write_tables(c, r, res, plan, *writer);
  }
  return res;
}

void set_counts(JobResult& res, const DescentCounters& k, const DescentPlan& plan) {
  res.n_descents = plan.n_descents;
  res.n_cells = plan.n_cells;
  std::copy_n(k.descent_status, 3, res.descent_status);
  std::copy_n(k.cell_status, 3, res.cell_status);
}

void finish_minima(const config::RunConfig& c, const config::Resolved& r, JobResult& res,
                   const DescentPlan& plan) {
  res.known = analysis::match_known_minima(res.minima.table, r.known_minima, r.box_lo, r.box_hi,
                                           res.minima.table.merge_tol);
  if (plan.n_cells > 0) {
    const PlaneSpec p = plan.cells.starts.plane;
    res.basin_metrics = analysis::basin_metrics(res.minima.basin_labels.data(), p.n0, p.n1, c.entropy_box);
  }
}

void write_tables(const config::RunConfig& c, const config::Resolved& r, const JobResult& res,
                  const DescentPlan& plan, io::ResultWriter& writer) {
  writer.write_minima(res.minima.table);
  if (plan.n_cells > 0) {
    writer.write_basins(grid_axes(plan.cells.starts.plane), res.minima.basin_labels, res.basins.steps,
                        res.basins.status, res.minima.table.basin_fraction);
    writer.write_basin_metrics(res.basin_metrics);
  }
  if (!res.trajectories.empty()) writer.write_trajectories(res.trajectories, r.dim);
  if (!r.known_minima.empty()) writer.write_known_minima(r.known_minima, res.known, r.dim);
  (void)c;
}

namespace {

// One line when most descents or basin-map cells ran out of steps: what to
// change, measured against the landscape's stability limit 2 / lambda_max
// where it is known (src/core/descent_defaults.hpp).
std::string steps_hint(const config::RunConfig& cfg, const config::Resolved& r, const JobResult& res) {
  const std::int64_t total = res.n_descents + res.n_cells;
  const std::int64_t out_of_steps = res.descent_status[1] + res.cell_status[1];
  if (total == 0 || 2 * out_of_steps <= total || cfg.job == "sweep") return "";
  std::ostringstream s;
  s << "hint: " << out_of_steps << " of " << total << " descents ran out of steps (--steps " << cfg.steps
    << ", --lr " << cfg.opt.lr << "): ";
  // The 2/lambda_max limit is plain gradient descent's; other optimizers get the general advice.
  const double lambda = cfg.opt.kind == OptimizerKind::kGd ? descent_defaults(r.spec.id).lambda_max : 0.0;
  if (lambda > 0 && cfg.opt.lr >= 2 / lambda)
    s << "the rate is above this landscape's stability limit 2/lambda_max = " << 2 / lambda
      << ", so descents oscillate; lower --lr (e.g. " << 1 / lambda << ")\n";
  else if (lambda > 0 && cfg.opt.lr < 1 / lambda)
    s << "raise --steps, or --lr towards " << 1 / lambda << " (stable below 2/lambda_max = " << 2 / lambda
      << ")\n";
  else if (lambda > 0)
    s << "raise --steps (the rate is already near the stability limit 2/lambda_max = " << 2 / lambda << ")\n";
  else
    s << "raise --steps, or --lr (plain gradient descent is stable below 2 / the largest curvature)\n";
  return s.str();
}

}  // namespace

void print_summary(const config::RunConfig& cfg, const config::Resolved& r, const JobResult& res,
                   std::ostream& out) {
  auto status_counts = [](const std::int64_t* k) {
    return std::to_string(k[0]) + " converged, " + std::to_string(k[1]) + " max-steps, " +
           std::to_string(k[2]) + " diverged";
  };
  if (res.grid_points) out << "grid: " << res.grid_points << " points\n";
  if (res.n_descents) out << "descents: " << res.n_descents << " (" << status_counts(res.descent_status) << ")\n";
  if (res.n_cells) out << "basin map: " << res.n_cells << " cells (" << status_counts(res.cell_status) << ")\n";
  if (cfg.job != "sweep" && cfg.quench_steps > 0 && res.descent_status[1] + res.cell_status[1] > 0)
    out << "max-steps: quenched without noise at the base rate (up to " << cfg.quench_steps
        << " more steps); those that converged count at the minimum they reached\n";
  out << steps_hint(cfg, r, res);
  if (res.descents.count > 0 && res.descents.count <= 20) print_descents(res, out);
  if (has_descents(cfg.job) || has_basins(cfg.job) || cfg.job == "sweep") {
    out << analysis::format_minima_table(res.minima.table, r.box_lo, r.box_hi);
    out << analysis::format_known_minima(r.known_minima, res.known);
  }
  if (res.n_cells) out << analysis::format_basin_metrics(res.basin_metrics);
  if (cfg.job == "sweep") out << analysis::format_sweep_table(res.sweep);
}

void publish(const config::RunConfig& cfg, const config::Resolved& r, const backend::Backend& be,
             const JobResult& res, double secs, io::ResultWriter& writer, std::ostream& out) {
  writer.commit();
  std::string xdmf_path;
  try {
    xdmf_path = io::write_xdmf_beside(cfg.output);  // FILE.xmf for ParaView/VisIt, read back from FILE
  } catch (const std::runtime_error& e) {
    std::remove(cfg.output.c_str());  // all or nothing: no result without its XDMF
    throw std::runtime_error(std::string("XDMF file: ") + e.what());
  }
  if (cfg.json) {
    out << json_summary(cfg, r, be, res, secs, xdmf_path) << "\n";
    return;
  }
  print_summary(cfg, r, res, out);
  out << "wrote " << cfg.output << " in " << secs << " s\n";
}

namespace {

// run_command on `given` when it is not null, else on the backend --backend
// selects; `times` goes to a descent job.
void run_command_with(config::RunConfig& cfg, backend::Backend* given, std::ostream& out, std::ostream& log,
                      StageTimes* times) {
  // --threads also bounds the work outside the backend (compressing the
  // result's chunks, src/io/chunk_writer.cpp).
  if (cfg.threads > 0) omp_set_num_threads(cfg.threads);
  check_descent_kernel_env();  // refused before any work, whatever the job
  if (cfg.job == "critical") return run_critical_command(cfg, out, log);
  if (!cfg.net.model.empty() && cfg.job == "grid") return run_plane_command(cfg, out, log);
  if (!cfg.net.model.empty()) return run_network_command(cfg, out, log);
  config::Resolved r = config::validate(cfg);
  if (has_descents(cfg.job) || has_basins(cfg.job)) {  // refused before any work
    cells_path_from_env();
    record_chunks_from_env();
  }
  const io::h5::DeflateScope deflate(cfg.compression);
  std::unique_ptr<backend::Backend> selected = given ? nullptr : select_backend(cfg);
  backend::Backend* be = given ? given : selected.get();
  // Refuse or tile a job that would not fit (docs/limits.md); the backend
  // decides whether the checkpoint keeps the records' chunks too.
  fit_resources(cfg, r, records_mode(cfg, r, *be));
  cfg.backend = be->name();  // resolved, so the stored configuration replays on the same backend
  // Checkpointed jobs: the checkpoint to write, or to resume (its settings
  // checked against these), settled before any note.
  const bool checkpointed = has_descents(cfg.job) || has_basins(cfg.job) || cfg.job == "sweep";
  CheckpointStart start;
  if (checkpointed) start = prepare_checkpoint(cfg);
  if (!cfg.quiet) {
    if (!r.formula_note.empty()) log << "trilobite: " << r.formula_note << "\n";
    log << "trilobite " << cfg.job << ": " << r.landscape_name << " (dim " << r.dim << ") on "
        << be->name() << " (" << be->device() << "), " << cfg.precision << "\n";
  }
  install_interrupt_handlers();
  if (cfg.job == "sweep") return run_sweep_command(cfg, r, *be, std::move(start), out, log);
  if (checkpointed) return run_descent_command(cfg, r, *be, std::move(start), out, log, times);
  // The grid: over ranks, the others compute their tiles and send them.
  agree_to_start();
  if (!is_writer()) {
    compute_grid(cfg, r, *be, nullptr);
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  io::ResultWriter writer(cfg.output, cfg.force);
  JobResult res = execute_job(cfg, r, *be, &writer);
  res.n_descents = res.descents.count;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  publish(cfg, r, *be, res, secs, writer, out);
}

}  // namespace

void run_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log) {
  run_command_with(cfg, nullptr, out, log, nullptr);
}

void run_descent_command_on(config::RunConfig& cfg, backend::Backend& be, std::ostream& out,
                            std::ostream& log, StageTimes* times) {
  if (!(has_descents(cfg.job) || has_basins(cfg.job)) || !cfg.net.model.empty())
    throw std::logic_error("run_descent_command_on: '" + cfg.job + "' is not a descent job on a landscape");
  run_command_with(cfg, &be, out, log, times);
}

}  // namespace trilo::jobs
