#include "jobs/sweep_job.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ostream>
#include <limits>
#include <stdexcept>

#include "analysis/accumulator.hpp"
#include "analysis/known_minima.hpp"
#include "analysis/points.hpp"
#include "jobs/chunk_driver.hpp"
#include "jobs/interrupt.hpp"
#include "jobs/jobs.hpp"
#include "jobs/progress.hpp"
#include "jobs/ranks.hpp"
#include "jobs/replay.hpp"

namespace trilo::jobs {

void set_swept_parameter(DescentParams& p, const std::string& name, double v) {
  if (name == "lr") p.opt.lr = v;
  else if (name == "momentum") p.opt.momentum = v;
  else if (name == "beta1") p.opt.beta1 = v;
  else if (name == "beta2") p.opt.beta2 = v;
  else if (name == "rho") p.opt.rho = v;
  else if (name == "eps") p.opt.eps = v;
  else if (name == "noise") p.noise = v;
  else throw std::invalid_argument("set_swept_parameter: unknown setting '" + name + "'");
}

std::vector<io::StreamSpec> sweep_streams(int dim) {
  using io::ColumnType;
  const std::vector<io::Column> cols = {
      {"end", ColumnType::kF64, dim}, {"steps", ColumnType::kI64, 1}, {"status", ColumnType::kI8, 1},
      {"bounced", ColumnType::kI8, 1}};
  return {{"sweep", cols}, {"quench", cols}};
}

namespace {

using analysis::Source;

// The sweep, chunk by chunk over its rows (setting v, start i) = v * n + i,
// a setting being one value of the varied setting or, in a 2-D sweep, one
// pair of values (config::sweep_setting). Compute descends a chunk of one
// setting (counting where descents end within
// their steps: no per-descent quench) and, when the value is noisy, quenches
// at once every end point that stayed in bounds: a descent of its own from
// that end point with the same optimizer at its constant base rate, no
// noise, for up to --quench-steps steps; where the quench converges is
// where the start settled. Absorb clusters the sweep end points into the
// minima accumulator (in row order) and keeps per row only its raw cluster,
// steps, status and bounce flag; the quench end points go to the checkpoint (or, in the
// library form, to memory) and join the accumulator after the last sweep
// row, exactly as one merge of all sweep end points followed by all quench
// end points would take them.
class SweepRun : public ChunkWork {
 public:
  SweepRun(const config::RunConfig& c, const config::Resolved& r,
           const backend::DescentRequest& base, backend::Backend& be, io::CheckpointWriter* ck)
      : c_(c),
        r_(r),
        base_(base),
        be_(be),
        ck_(ck),
        n_(r.n_starts),
        rows_(r.n_starts * config::sweep_settings(r)),
        acc_(r.dim, analysis::detail::effective_merge_tol(c.merge_tol, r.box_lo, r.box_hi)),
        raw_(static_cast<std::size_t>(rows_), -1),
        steps_(static_cast<std::size_t>(rows_)),
        status_(static_cast<std::size_t>(rows_)),
        bounced_(static_cast<std::size_t>(rows_)) {
    for (std::int64_t s = 0; s < config::sweep_settings(r); ++s) {
      DescentParams p = base.params;
      set_setting(p, s);
      noisy_.push_back(p.noise != 0);
    }
  }

  std::int64_t rows() const { return rows_; }
  void set_checkpoint(io::CheckpointWriter* ck) { ck_ = ck; }
  std::int64_t rows_done() const { return rows_done_; }
  std::int64_t quenches_done() const { return quenches_done_; }

  // A resumed sweep: the committed rows, clustered again in order; throws
  // std::runtime_error when the counts do not fit this sweep.
  void restore(const io::CheckpointReader& from, std::int64_t rows_done, std::int64_t quenches_done) {
    if (rows_done < 0 || rows_done > rows_ || quenches_done < 0)
      throw std::runtime_error("the checkpoint's progress record does not fit this sweep");
    const std::vector<io::Column> cols = sweep_streams(r_.dim)[0].columns;
    replay_end_points(from, "sweep", {cols[0], cols[1], cols[2]}, rows_done, c_.chunk,
                      [this](std::int64_t first, const analysis::EndPoints& e) { take_rows(first, e); });
    from.read_rows("sweep", cols[3], 0, rows_done, bounced_.data());
    rows_done_ = rows_done;
    std::int64_t quenches = 0;
    for (std::int64_t i = 0; i < rows_done; ++i) quenches += quenched(i);
    if (quenches != quenches_done)
      throw std::runtime_error("the checkpoint's progress record does not fit this sweep");
    quenches_done_ = quenches_done;
  }

  // The rows not yet done, through the chunk driver.
  void run(bool keep_quenches) {
    keep_quenches_ = keep_quenches;
    DriveOptions o;
    o.n = rows_;
    o.done = rows_done_;
    o.chunk = c_.chunk;
    o.what = "sweep descents";
    o.bar = !c_.quiet && stderr_is_terminal();
    o.spread = true;
    drive(*this, o);
  }

  // Chunks never span two settings: a chunk is one backend call with one
  // setting's values.
  std::int64_t cut(std::int64_t first, std::int64_t n, std::int64_t chunk) const override {
    return std::min({chunk, n - first, n_ - first % n_});
  }

  void compute(const Chunk& c) override {
    const std::int64_t v = c.first / n_;
    backend::DescentRequest q = base_;
    set_setting(q.params, v);
    q.params.quench_steps = 0;
    Parts& p = parts_[c.slot];
    be_.descend(q, c.first % n_, c.count, p.sweep);
    p.quench.resize(0, r_.dim);
    if (!noisy_[v]) return;
    q.params.noise = 0;
    q.params.schedule = LrSchedule{};
    q.params.max_steps = c_.quench_steps;
    q.starts.mode = StartMode::kExplicit;
    q.explicit_starts.clear();
    const int d = r_.dim;
    for (std::int64_t i = 0; i < c.count; ++i)
      if (p.sweep.status[i] != static_cast<std::int8_t>(DescentStatus::kDiverged))
        q.explicit_starts.insert(q.explicit_starts.end(), p.sweep.end.begin() + i * d,
                                 p.sweep.end.begin() + (i + 1) * d);
    const auto m = static_cast<std::int64_t>(q.explicit_starts.size()) / d;
    if (m > 0) be_.descend(q, 0, m, p.quench);
  }

  void absorb(const Chunk& c) override {
    const Parts& p = parts_[c.slot];
    take_rows(c.first, {p.sweep.end.data(), p.sweep.status.data(), p.sweep.steps.data(), c.count});
    std::copy_n(p.sweep.bounced.begin(), c.count, bounced_.begin() + c.first);
    const std::int64_t m = p.quench.count;
    if (keep_quenches_) {
      quench_end_.insert(quench_end_.end(), p.quench.end.begin(), p.quench.end.begin() + m * r_.dim);
      quench_steps_.insert(quench_steps_.end(), p.quench.steps.begin(), p.quench.steps.begin() + m);
      quench_status_.insert(quench_status_.end(), p.quench.status.begin(),
                            p.quench.status.begin() + m);
    }
    if (ck_) {
      ck_->write_rows(0, c.first, c.count,
                      {p.sweep.end.data(), p.sweep.steps.data(), p.sweep.status.data(),
                       p.sweep.bounced.data()});
      if (m > 0)
        ck_->write_rows(1, quenches_done_, m,
                        {p.quench.end.data(), p.quench.steps.data(), p.quench.status.data(),
                         p.quench.bounced.data()});
    }
    rows_done_ += c.count;
    quenches_done_ += m;
  }

  void commit(const Chunk&) override {
    if (ck_) ck_->commit({rows_done_, quenches_done_}, {});
  }

  void pack(const Chunk& c, Packer& out) const override {
    jobs::pack(out, parts_[c.slot].sweep);
    jobs::pack(out, parts_[c.slot].quench);
  }
  void unpack(const Chunk& c, Unpacker& in) override {
    jobs::unpack(in, parts_[c.slot].sweep);
    jobs::unpack(in, parts_[c.slot].quench);
  }

  // The quench end points, after the last row: from the checkpoint the run
  // wrote (closed), or from memory when they were kept.
  void add_quenches(const io::CheckpointReader* from) {
    quench_raw_.assign(static_cast<std::size_t>(quenches_done_), -1);
    if (!from) {
      acc_.add(Source::kBasins,
               {quench_end_.data(), quench_status_.data(), quench_steps_.data(), quenches_done_},
               quench_raw_.data());
      return;
    }
    const std::vector<io::Column> cols = sweep_streams(r_.dim)[1].columns;
    replay_end_points(*from, "quench", {cols[0], cols[1], cols[2]}, quenches_done_, c_.chunk,
                      [this](std::int64_t first, const analysis::EndPoints& e) {
                        acc_.add(Source::kBasins, e, quench_raw_.data() + first);
                      });
  }

  // The minima table and the per-value table.
  analysis::SweepTable finish(analysis::MergeResult& minima) {
    // The quench end points sit in the accumulator's second slot (meant for
    // basin cells), so /minima's count, fraction and steps stay those of
    // the sweep's own descents; the basin columns are cleared here.
    const analysis::MergeOptions mo = merge_options(c_, r_);
    analysis::MinimaAccumulator::Finished f = acc_.finish(base_.landscape, mo);
    auto row_of = [&f](std::int32_t raw) { return raw < 0 ? -1 : f.raw_to_row[raw]; };
    minima.table = std::move(f.table);
    analysis::MinimaTable& t = minima.table;
    t.basin_count.assign(t.basin_count.size(), 0);
    t.basin_fraction.assign(t.basin_fraction.size(), 0.0);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    t.basin_fraction_ci_lo.assign(t.basin_fraction_ci_lo.size(), nan);
    t.basin_fraction_ci_hi.assign(t.basin_fraction_ci_hi.size(), nan);
    minima.descent_labels.resize(raw_.size());
    std::transform(raw_.begin(), raw_.end(), minima.descent_labels.begin(), row_of);
    minima.basin_labels.clear();
    std::vector<std::int32_t> settled = minima.descent_labels;
    std::int64_t k = 0;
    for (std::int64_t i = 0; i < rows_; ++i)
      if (quenched(i)) settled[i] = row_of(quench_raw_[k++]);
    const config::SweepSpec& a = r_.sweep;
    const config::SweepSpec& b = r_.sweep2;
    return analysis::tabulate_sweep({a.parameter, a.spacing, a.values}, {b.parameter, b.spacing, b.values},
                                    n_, t.n_minima, minima.descent_labels, status_, steps_, settled,
                                    bounced_);
  }

 private:
  struct Parts {
    backend::DescentBatch sweep, quench;
  };

  void set_setting(DescentParams& p, std::int64_t s) const {
    for (const auto& [name, v] : config::sweep_setting(r_, s)) set_swept_parameter(p, name, v);
  }

  // Whether row i was quenched: a noisy setting's descent that stayed in bounds.
  bool quenched(std::int64_t i) const {
    return noisy_[i / n_] && status_[i] != static_cast<std::int8_t>(DescentStatus::kDiverged);
  }
  void take_rows(std::int64_t first, const analysis::EndPoints& e) {
    acc_.add(Source::kDescents, e, raw_.data() + first);
    std::copy_n(e.steps, e.n, steps_.begin() + first);
    std::copy_n(e.status, e.n, status_.begin() + first);
  }

  const config::RunConfig& c_;
  const config::Resolved& r_;
  const backend::DescentRequest& base_;
  backend::Backend& be_;
  io::CheckpointWriter* ck_;
  const std::int64_t n_, rows_;
  std::vector<bool> noisy_;  // per setting
  analysis::MinimaAccumulator acc_;
  std::vector<std::int32_t> raw_;  // per row: raw cluster or -1
  std::vector<std::int64_t> steps_;
  std::vector<std::int8_t> status_;
  std::vector<std::int8_t> bounced_;
  std::int64_t rows_done_ = 0, quenches_done_ = 0;
  Parts parts_[2];
  bool keep_quenches_ = false;
  std::vector<double> quench_end_;  // kept quenches (library form)
  std::vector<std::int64_t> quench_steps_;
  std::vector<std::int8_t> quench_status_;
  std::vector<std::int32_t> quench_raw_;
};

}  // namespace

analysis::SweepTable run_sweep(const config::RunConfig& c, const config::Resolved& r,
                               backend::Backend& be, const backend::DescentRequest& base,
                               analysis::MergeResult& minima) {
  SweepRun run(c, r, base, be, nullptr);
  run.run(true);
  run.add_quenches(nullptr);
  return run.finish(minima);
}

void run_sweep_command(config::RunConfig& cfg, const config::Resolved& r, backend::Backend& be,
                       CheckpointStart start, std::ostream& out, std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  const backend::DescentRequest base = descent_request(cfg, r);
  SweepRun run(cfg, r, base, be, nullptr);
  if (!is_writer()) {
    // Another rank of an MPI job: its share of the sweep, sent to the writer.
    agree_to_start();
    run.run(false);
    return;
  }
  if (start.resumed) {
    const std::vector<std::int64_t>& k = start.resumed->counters();
    try {
      if (!k.empty() && k.size() != 2)
        throw std::runtime_error("the checkpoint's progress record does not fit this sweep");
      if (!k.empty()) run.restore(*start.resumed, k[0], k[1]);
    } catch (const std::runtime_error& e) {
      throw config::BadInput("--resume: '" + start.paths.resume_from + "': " + e.what());
    }
  }
  agree_to_start();
  const std::int64_t rows_done = run.rows_done(), quenches_done = run.quenches_done();
  std::unique_ptr<io::CheckpointWriter> ck =
      start_checkpoint(start.paths, provenance(cfg, r, be, 0.0), sweep_streams(r.dim),
                       {rows_done, quenches_done}, {}, start.resumed.get(), {rows_done, quenches_done});
  if (start.resumed && !cfg.quiet)
    log << "trilobite: resuming after " << rows_done << " sweep descents and " << quenches_done
        << " quenches\n";
  start.resumed.reset();
  run.set_checkpoint(ck.get());
  JobResult res;
  const auto t_sweep = std::chrono::steady_clock::now();
  try {
    run.run(false);
  } catch (const Interrupted&) {
    ck->close();
    throw Interrupted(interrupted_message("the sweep descents committed so far", start.paths, cfg));
  }
  ck->close();
  ck.reset();
  {
    const io::CheckpointReader committed(start.paths.partial);
    run.add_quenches(&committed);
  }
  res.sweep = run.finish(res.minima);
  // The sweep's descents, their quench and their clustering.
  res.timings.descents_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_sweep).count();
  res.known = analysis::match_known_minima(res.minima.table, r.known_minima, r.box_lo, r.box_hi,
                                           res.minima.table.merge_tol);
  io::ResultWriter writer(cfg.output, cfg.force);
  writer.write_root_attributes(provenance(cfg, r, be, res.minima.table.merge_tol));
  writer.write_minima(res.minima.table);
  writer.write_sweep(res.sweep);
  if (!r.known_minima.empty()) writer.write_known_minima(r.known_minima, res.known, r.dim);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  publish(cfg, r, be, res, secs, writer, out);
  std::remove(start.paths.partial.c_str());
}

}  // namespace trilo::jobs
