#include "jobs/critical_job.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ostream>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "analysis/critical_accumulator.hpp"
#include "analysis/critical_report.hpp"

#include "io/hdf5_util.hpp"
#include "io/result_writer.hpp"
#include "io/xdmf_writer.hpp"
#include "jobs/checkpointing.hpp"
#include "jobs/chunk_driver.hpp"
#include "jobs/interrupt.hpp"
#include "jobs/jobs.hpp"
#include "jobs/progress.hpp"
#include "jobs/ranks.hpp"
#include "jobs/replay.hpp"
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

// What stays of the searches: the accumulator's clusters, one raw cluster
// id per search, and the status counts.
struct Census {
  analysis::CriticalAccumulator acc;
  std::int64_t status[3] = {0, 0, 0};  // converged, stalled or max-steps, diverged
  void add(const analysis::EndPoints& e) {
    acc.add(e);
    for (std::int64_t i = 0; i < e.n; ++i) ++status[e.status[i]];
  }
};

// The searches, chunk by chunk: computed into one of two batches while the
// one before is clustered, counted and written to the checkpoint (and kept
// whole in `kept` when it is given: the library form).
class SearchChunks : public ChunkWork {
 public:
  SearchChunks(backend::Backend& be, const backend::CriticalRequest& q, Census& census,
               backend::DescentBatch* kept, io::CheckpointWriter* ck)
      : be_(be), q_(q), census_(census), kept_(kept), ck_(ck) {}
  void compute(const Chunk& c) override { be_.critical(q_, c.first, c.count, parts_[c.slot]); }
  void absorb(const Chunk& c) override {
    const backend::DescentBatch& part = parts_[c.slot];
    census_.add({part.end.data(), part.status.data(), part.steps.data(), c.count});
    if (kept_) kept_->place(part);
    if (ck_)
      ck_->write_rows(0, c.first, c.count,
                      {part.start.data(), part.end.data(), part.loss.data(), part.grad_norm.data(),
                       part.steps.data(), part.status.data()});
  }
  void commit(const Chunk& c) override {
    if (ck_) ck_->commit({c.first + c.count}, {});
  }
  void pack(const Chunk& c, Packer& out) const override { jobs::pack(out, parts_[c.slot]); }
  void unpack(const Chunk& c, Unpacker& in) override { jobs::unpack(in, parts_[c.slot]); }

 private:
  backend::Backend& be_;
  const backend::CriticalRequest& q_;
  Census& census_;
  backend::DescentBatch* kept_;
  io::CheckpointWriter* ck_;
  backend::DescentBatch parts_[2];
};

// Searches [done, n) into `census`, each chunk committed to `ck` when it is
// not null.
void search_all(const config::RunConfig& c, const config::Resolved& r, backend::Backend& be,
                Census& census, std::int64_t done, io::CheckpointWriter* ck,
                backend::DescentBatch* kept) {
  const backend::CriticalRequest q = critical_request(c, r);
  SearchChunks work(be, q, census, kept, ck);
  DriveOptions o;
  o.n = r.n_starts;
  o.done = done;
  o.chunk = c.chunk;
  o.what = "searches";
  o.bar = !c.quiet && stderr_is_terminal();
  o.spread = true;
  drive(work, o);
}

double census_tol(const config::RunConfig& c, const config::Resolved& r) {
  return analysis::detail::effective_merge_tol(c.merge_tol, r.box_lo, r.box_hi);
}

// Census, connections and the file, from the accumulated searches.
void finish_critical(const config::RunConfig& c, const config::Resolved& r, backend::Backend& be,
                     io::ResultWriter* writer, const Census& census, CriticalJobResult& res) {
  const analysis::MergeOptions mo = merge_options(c, r);
  res.census = census.acc.finish(r.spec, r.box_lo, r.box_hi, mo);
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
  Census census{analysis::CriticalAccumulator(r.dim, census_tol(c, r))};
  search_all(c, r, be, census, 0, nullptr, &res.searches);
  finish_critical(c, r, be, writer, census, res);
  return res;
}

void run_critical_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log) {
  config::Resolved r = config::validate(cfg);
  const io::h5::DeflateScope deflate(cfg.compression);
  fit_resources(cfg, r);  // refuse or tile a job that would not fit (docs/limits.md)
  // A formula is searched on the CPU (backend.hpp): refused on the GPU
  // before the backend is even made, so the line is the same with or
  // without a device; `auto` takes the CPU.
  if (r.spec.id == LandscapeId::kExpr) {
    if (cfg.backend == "cuda") throw config::BadInput(backend::kCriticalFormulaRefusal);
    if (cfg.backend == "auto") cfg.backend = "cpu";
  }
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
  Census census{analysis::CriticalAccumulator(r.dim, census_tol(cfg, r))};
  if (!is_writer()) {
    // Another rank of an MPI job: its share of the searches and of the
    // grid, sent to the writer.
    agree_to_start();
    search_all(cfg, r, *be, census, 0, nullptr, nullptr);
    compute_grid(cfg, r, *be, nullptr);
    return;
  }
  // Searches chunk by chunk into <output>.partial (resumable), then the
  // grid, census and connections into the result file.
  CriticalJobResult res;
  {
    const std::vector<io::StreamSpec> streams = critical_streams(r.dim);
    const auto& cols = streams[0].columns;
    std::int64_t done = 0;
    if (start.resumed) {
      const std::vector<std::int64_t>& k = start.resumed->counters();
      done = k.empty() ? 0 : k[0];
      if (k.size() > 1 || done < 0 || done > r.n_starts)
        throw config::BadInput("--resume: '" + start.paths.resume_from +
                               "': the checkpoint's progress record does not fit this run");
      // The searches committed so far, clustered again in index order.
      replay_end_points(*start.resumed, "searches", {cols[1], cols[4], cols[5]}, done, cfg.chunk,
                        [&census](std::int64_t, const analysis::EndPoints& e) { census.add(e); });
    }
    agree_to_start();
    std::unique_ptr<io::CheckpointWriter> ck =
        start_checkpoint(start.paths, provenance(cfg, r, *be, 0.0), streams, {done}, {},
                         start.resumed.get(), {done});
    start.resumed.reset();
    try {
      search_all(cfg, r, *be, census, done, ck.get(), nullptr);
    } catch (const Interrupted&) {
      ck->close();
      throw Interrupted(interrupted_message(
          "the searches committed so far (of " + std::to_string(r.n_starts) + ")", start.paths, cfg));
    }
    ck->close();
  }
  io::ResultWriter writer(cfg.output, cfg.force);
  res.grid_points = compute_grid(cfg, r, *be, &writer);
  finish_critical(cfg, r, *be, &writer, census, res);
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
  const std::int64_t* k = census.status;
  const analysis::CriticalTable& t = res.census.table;
  if (cfg.json) {
    auto finite = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
    nlohmann::json doc = {{"job", "critical"},
                          {"output", cfg.output},
                          {"xdmf", xdmf_path.empty() ? nlohmann::json() : nlohmann::json(xdmf_path)},
                          {"landscape", r.landscape_name},
                          {"dim", r.dim},
                          {"backend", be->name()},
                          {"searches", {{"total", r.n_starts}, {"converged", k[0]},
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
  out << "searches: " << r.n_starts << " (" << k[0] << " converged, " << k[1]
      << " stalled or out of steps, " << k[2] << " diverged; " << t.n_outside
      << " converged outside the box)\n";
  out << analysis::format_critical_table(t);
  out << analysis::format_connections(t, res.connections);
  out << "wrote " << cfg.output << " in " << secs << " s\n";
}

}  // namespace trilo::jobs
