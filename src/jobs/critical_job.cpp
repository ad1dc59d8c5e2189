#include "jobs/critical_job.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ostream>

#include "analysis/critical_report.hpp"
#include <cstdio>
#include <nlohmann/json.hpp>

#include "io/hdf5_util.hpp"
#include "io/result_writer.hpp"
#include "io/xdmf_writer.hpp"
#include "jobs/checkpointing.hpp"
#include "jobs/interrupt.hpp"
#include "jobs/jobs.hpp"
#include "jobs/resources.hpp"

namespace trilo::jobs {

namespace {

backend::CriticalRequest critical_request(const config::RunConfig& c, const config::Resolved& r) {
  backend::CriticalRequest q;
  q.landscape = r.spec;
  q.precision = c.precision == "f32" ? backend::Precision::kF32 : backend::Precision::kF64;
  CriticalParams& p = q.params;
  p.max_steps = c.steps;
  p.tol = c.tol;
  set_divergence_bounds(c, r, p.bound_lo, p.bound_hi);
  double diag2 = 0;
  for (int i = 0; i < r.dim; ++i) diag2 += (r.box_hi[i] - r.box_lo[i]) * (r.box_hi[i] - r.box_lo[i]);
  // Short steps keep a search near the critical point of its start's region.
  p.max_step = 0.1 * std::sqrt(diag2);
  q.starts = start_spec(c, r, q.explicit_starts);
  return q;
}

}  // namespace

void apply_critical_defaults(config::RunConfig& c, bool starts_given, bool steps_given) {
  if (!starts_given) c.starts = kCriticalStarts;
  if (!steps_given) c.steps = kCriticalSteps;
  if (!c.tol_given) {
    c.tol = c.precision == "f32" ? kCriticalTolF32 : kCriticalTolF64;
    c.tol_given = true;
  }
}

namespace {

// The checkpoint stream of a census: every search's record.
std::vector<io::StreamSpec> critical_streams(int dim) {
  return {{"searches", descent_record_columns(dim)}};
}

// Searches [done, n) into `all` (rows [0, done) already there), chunk by
// chunk, each committed to `ck` when it is not null.
void search_all(const config::RunConfig& c, const config::Resolved& r, backend::Backend& be,
                backend::DescentBatch& all, std::int64_t done, io::CheckpointWriter* ck) {
  const backend::CriticalRequest q = critical_request(c, r);
  const std::int64_t n = r.n_starts;
  backend::DescentBatch part;
  for (std::int64_t first = done; first < n; first += c.chunk) {
    check_interrupted();
    const std::int64_t count = std::min(c.chunk, n - first);
    be.critical(q, first, count, part);
    all.place(part);
    if (ck) {
      ck->write_rows(0, first, count,
                     {part.start.data(), part.end.data(), part.loss.data(), part.grad_norm.data(),
                      part.steps.data(), part.status.data()});
      ck->commit({first + count}, {});
    }
  }
}

// Census, connections and the file, from every search's record.
void finish_critical(const config::RunConfig& c, const config::Resolved& r, backend::Backend& be,
                     io::ResultWriter* writer, CriticalJobResult& res) {
  const std::int64_t n = r.n_starts;
  analysis::MergeOptions mo;
  mo.merge_tol = c.merge_tol;
  mo.polish = c.polish;
  const analysis::EndPoints ends{res.searches.end.data(), res.searches.status.data(),
                                 res.searches.steps.data(), n};
  res.census = analysis::merge_critical(r.spec, r.box_lo, r.box_hi, ends, mo);
  check_interrupted();
  res.connections = analysis::connect_saddles(r.spec, res.census.table, r.box_lo, r.box_hi);
  if (writer) {
    io::Attributes a = provenance(c, r, be, res.census.table.merge_tol);
    a.emplace_back("critical_method", res.census.table.method);
    writer->write_root_attributes(a);
    writer->write_critical(res.census.table);
    writer->write_connections(res.connections);
  }
}

}  // namespace

CriticalJobResult execute_critical(const config::RunConfig& c, const config::Resolved& r,
                                   backend::Backend& be, io::ResultWriter* writer) {
  CriticalJobResult res;
  // The loss on the plane too, so that `trilobite render` can draw the
  // points over it.
  res.grid_points = compute_grid(c, r, be, writer);
  res.searches.resize(r.n_starts, r.dim);
  search_all(c, r, be, res.searches, 0, nullptr);
  finish_critical(c, r, be, writer, res);
  return res;
}

void run_critical_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log) {
  config::Resolved r = config::validate(cfg);
  const io::h5::DeflateScope deflate(cfg.compression);
  fit_resources(cfg, r);  // refuse or tile a job that would not fit (docs/limits.md)
  std::unique_ptr<backend::Backend> be = select_backend(cfg);
  cfg.backend = be->name();  // resolved, so the stored configuration replays on the same backend
  CheckpointStart start = prepare_checkpoint(cfg);
  if (!cfg.quiet) {
    if (!r.formula_note.empty()) log << "trilobite: " << r.formula_note << "\n";
    log << "trilobite critical: " << r.landscape_name << " (dim " << r.dim << ") on " << be->name()
        << " (" << be->device() << "), " << cfg.precision << "\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  install_interrupt_handlers();
  // Searches chunk by chunk into <output>.partial (resumable), then the
  // grid, census and connections into the result file.
  CriticalJobResult res;
  res.searches.resize(r.n_starts, r.dim);
  std::int64_t done = 0;
  {
    const std::vector<io::StreamSpec> streams = critical_streams(r.dim);
    const auto& cols = streams[0].columns;
    if (start.resumed) {
      const std::vector<std::int64_t>& k = start.resumed->counters();
      done = k.empty() ? 0 : k[0];
      if (k.size() > 1 || done < 0 || done > r.n_starts)
        throw config::BadInput("--resume: '" + start.paths.resume_from +
                               "': the checkpoint's progress record does not fit this run");
      backend::DescentBatch& b = res.searches;
      const io::CheckpointReader& old = *start.resumed;
      old.read_rows("searches", cols[0], 0, done, b.start.data());
      old.read_rows("searches", cols[1], 0, done, b.end.data());
      old.read_rows("searches", cols[2], 0, done, b.loss.data());
      old.read_rows("searches", cols[3], 0, done, b.grad_norm.data());
      old.read_rows("searches", cols[4], 0, done, b.steps.data());
      old.read_rows("searches", cols[5], 0, done, b.status.data());
    }
    std::unique_ptr<io::CheckpointWriter> ck =
        start_checkpoint(start.paths, provenance(cfg, r, *be, 0.0), streams, {done}, {},
                         start.resumed.get(), {done});
    start.resumed.reset();
    try {
      search_all(cfg, r, *be, res.searches, done, ck.get());
    } catch (const Interrupted&) {
      ck->close();
      throw Interrupted(interrupted_message(
          "the searches committed so far (of " + std::to_string(r.n_starts) + ")", start.paths, cfg));
    }
    ck->close();
  }
  io::ResultWriter writer(cfg.output, cfg.force);
  res.grid_points = compute_grid(cfg, r, *be, &writer);
  finish_critical(cfg, r, *be, &writer, res);
  writer.commit();
  std::string xdmf_path;
  try {
    xdmf_path = io::write_xdmf_beside(cfg.output);  // the grid for ParaView/VisIt
  } catch (const std::runtime_error& e) {
    std::remove(cfg.output.c_str());  // all or nothing: no result without its XDMF
    throw std::runtime_error(std::string("XDMF file: ") + e.what());
  }
  std::remove(start.paths.partial.c_str());  // the result holds everything now
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::int64_t k[3] = {0, 0, 0};
  for (std::int8_t s : res.searches.status) ++k[s];
  const analysis::CriticalTable& t = res.census.table;
  if (cfg.json) {
    auto finite = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
    nlohmann::json doc = {{"job", "critical"},
                          {"output", cfg.output},
                          {"xdmf", xdmf_path.empty() ? nlohmann::json() : nlohmann::json(xdmf_path)},
                          {"landscape", r.landscape_name},
                          {"dim", r.dim},
                          {"backend", be->name()},
                          {"searches", {{"total", res.searches.count}, {"converged", k[0]},
                                        {"stalled_or_max_steps", k[1]}, {"diverged", k[2]},
                                        {"outside_box", t.n_outside}}},
                          {"counts", {{"minima", t.n_minima}, {"saddles", t.n_saddles},
                                      {"maxima", t.n_maxima}, {"degenerate", t.n_degenerate}}},
                          {"euler_characteristic", t.euler_characteristic},
                          {"seconds", secs}};
    doc["points"] = nlohmann::json::array();
    for (std::int64_t i = 0; i < t.n_points; ++i) {
      nlohmann::json pos = nlohmann::json::array();
      for (int d = 0; d < t.dim; ++d) pos.push_back(finite(t.position[i * t.dim + d]));
      doc["points"].push_back({{"index", i},
                               {"kind", analysis::kind_name(static_cast<analysis::PointKind>(t.kind[i]))},
                               {"morse_index", t.morse_index[i]},
                               {"position", pos},
                               {"loss", finite(t.loss[i])}});
    }
    out << doc.dump() << "\n";
    return;
  }
  out << "searches: " << res.searches.count << " (" << k[0] << " converged, " << k[1]
      << " stalled or out of steps, " << k[2] << " diverged; " << t.n_outside
      << " converged outside the box)\n";
  out << analysis::format_critical_table(t);
  out << analysis::format_connections(t, res.connections);
  out << "wrote " << cfg.output << " in " << secs << " s\n";
}

}  // namespace trilo::jobs
