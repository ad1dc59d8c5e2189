#include "jobs/sweep_job.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ostream>
#include <limits>
#include <stdexcept>

#include "analysis/known_minima.hpp"
#include "jobs/interrupt.hpp"
#include "jobs/jobs.hpp"

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

// Rows [0, n) of `stream` of a restored checkpoint into the four arrays.
void read_back(const io::CheckpointReader& ck, const std::string& stream, int dim, std::int64_t n,
               double* end, std::int64_t* steps, std::int8_t* status, std::int8_t* bounced) {
  const std::vector<io::Column> cols = sweep_streams(dim)[0].columns;
  ck.read_rows(stream, cols[0], 0, n, end);
  ck.read_rows(stream, cols[1], 0, n, steps);
  ck.read_rows(stream, cols[2], 0, n, status);
  ck.read_rows(stream, cols[3], 0, n, bounced);
}

}  // namespace

analysis::SweepTable run_sweep(const config::RunConfig& c, const config::Resolved& r,
                               backend::Backend& be, const backend::DescentRequest& base,
                               analysis::MergeResult& minima, SweepCheckpoint* ck) {
  const config::SweepSpec& spec = r.sweep;
  const std::int64_t n = r.n_starts, nv = static_cast<std::int64_t>(spec.values.size());
  const int d = r.dim;
  // All end points, value after value, for one merge: a point's index then
  // means the same minimum at every value.
  std::vector<double> end(static_cast<std::size_t>(n * nv * d));
  std::vector<std::int64_t> steps(static_cast<std::size_t>(n * nv));
  std::vector<std::int8_t> status(static_cast<std::size_t>(n * nv));
  std::vector<std::int8_t> bounced(static_cast<std::size_t>(n * nv));
  backend::DescentBatch part;
  std::int64_t row = 0;  // sweep rows (value v, start i) = v * n + i done
  if (ck && ck->restored) {
    if (ck->main_done < 0 || ck->main_done > n * nv || ck->quench_done < 0 ||
        (ck->quench_done > 0 && ck->main_done < n * nv))
      throw std::runtime_error("the checkpoint's progress record does not fit this sweep");
    row = ck->main_done;
    read_back(*ck->restored, "sweep", d, row, end.data(), steps.data(), status.data(), bounced.data());
  }
  while (row < n * nv) {
    check_interrupted();
    const std::int64_t v = row / n, first = row % n, count = std::min(c.chunk, n - first);
    backend::DescentRequest q = base;
    set_swept_parameter(q.params, spec.parameter, spec.values[v]);
    // A sweep counts where descents end within their steps; noisy values get
    // the quench below, kept apart from the descents' own outcome.
    q.params.quench_steps = 0;
    be.descend(q, first, count, part);
    std::copy(part.end.begin(), part.end.begin() + count * d, end.begin() + row * d);
    std::copy(part.steps.begin(), part.steps.begin() + count, steps.begin() + row);
    std::copy(part.status.begin(), part.status.begin() + count, status.begin() + row);
    std::copy(part.bounced.begin(), part.bounced.begin() + count, bounced.begin() + row);
    row += count;
    if (ck && ck->writer) {
      ck->writer->write_rows(0, row - count, count,
                             {part.end.data(), part.steps.data(), part.status.data(), part.bounced.data()});
      ck->writer->commit({row, 0}, {});
    }
  }

  // Quench: with noise a descent rarely meets the gradient tolerance, so
  // each end point of a noisy value that stayed in bounds is descended again
  // with the same optimizer at its constant base rate, no noise, for up to
  // quench_steps steps (the quench of DescentParams, as a descent of its
  // own); where that converges is where the start settled.
  std::vector<double> quench_start;
  std::vector<std::int64_t> quench_row;  // sweep row of each quench
  for (std::int64_t v = 0; v < nv; ++v) {
    DescentParams p = base.params;
    set_swept_parameter(p, spec.parameter, spec.values[v]);
    if (p.noise == 0) continue;
    for (std::int64_t i = v * n; i < (v + 1) * n; ++i) {
      if (status[i] == static_cast<std::int8_t>(DescentStatus::kDiverged)) continue;
      quench_row.push_back(i);
      quench_start.insert(quench_start.end(), end.begin() + i * d, end.begin() + (i + 1) * d);
    }
  }
  const auto nq = static_cast<std::int64_t>(quench_row.size());
  std::vector<double> quench_end(static_cast<std::size_t>(nq * d));
  std::vector<std::int64_t> quench_steps(static_cast<std::size_t>(nq));
  std::vector<std::int8_t> quench_status(static_cast<std::size_t>(nq));
  std::vector<std::int8_t> quench_bounced(static_cast<std::size_t>(nq));  // unused
  std::int64_t quenched_done = 0;
  if (ck && ck->restored && ck->quench_done > 0) {
    if (ck->quench_done > nq) throw std::runtime_error("the checkpoint's progress record does not fit this sweep");
    quenched_done = ck->quench_done;
    read_back(*ck->restored, "quench", d, quenched_done, quench_end.data(), quench_steps.data(),
              quench_status.data(), quench_bounced.data());
  }
  for (std::int64_t first = quenched_done; first < nq;) {
    // Quenches of one value share its settings; a chunk never spans two values.
    const std::int64_t v = quench_row[first] / n;
    std::int64_t last = first;
    while (last < nq && quench_row[last] / n == v && last - first < c.chunk) ++last;
    check_interrupted();
    backend::DescentRequest q = base;
    set_swept_parameter(q.params, spec.parameter, spec.values[v]);
    q.params.noise = 0;
    q.params.schedule = LrSchedule{};
    q.params.max_steps = c.quench_steps;
    q.params.quench_steps = 0;
    q.starts.mode = StartMode::kExplicit;
    q.explicit_starts.assign(quench_start.begin() + first * d, quench_start.begin() + last * d);
    be.descend(q, 0, last - first, part);
    std::copy(part.end.begin(), part.end.begin() + (last - first) * d, quench_end.begin() + first * d);
    std::copy(part.steps.begin(), part.steps.begin() + (last - first), quench_steps.begin() + first);
    std::copy(part.status.begin(), part.status.begin() + (last - first), quench_status.begin() + first);
    if (ck && ck->writer) {
      ck->writer->write_rows(1, first, last - first,
                             {part.end.data(), part.steps.data(), part.status.data(), part.bounced.data()});
      ck->writer->commit({n * nv, last}, {});
    }
    first = last;
  }

  // One merge of everything: the quench end points go in the second slot
  // (meant for basin cells), so /minima's count, fraction and steps stay
  // those of the sweep's own descents; the basin columns are cleared after.
  analysis::MergeOptions mo;
  mo.merge_tol = c.merge_tol;
  mo.polish = c.polish;
  const analysis::EndPoints ends{end.data(), status.data(), steps.data(), n * nv};
  const analysis::EndPoints quenched{quench_end.data(), quench_status.data(), quench_steps.data(), nq};
  minima = analysis::merge_minima(base.landscape, r.box_lo, r.box_hi, ends, quenched, mo);
  analysis::MinimaTable& t = minima.table;
  t.basin_count.assign(t.basin_count.size(), 0);
  t.basin_fraction.assign(t.basin_fraction.size(), 0.0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  t.basin_fraction_ci_lo.assign(t.basin_fraction_ci_lo.size(), nan);
  t.basin_fraction_ci_hi.assign(t.basin_fraction_ci_hi.size(), nan);

  std::vector<std::int32_t> settled = minima.descent_labels;
  for (std::int64_t k = 0; k < nq; ++k) settled[quench_row[k]] = minima.basin_labels[k];
  minima.basin_labels.clear();
  return analysis::tabulate_sweep(spec.parameter, spec.spacing, spec.values, n, t.n_minima,
                                  minima.descent_labels, status, steps, settled, bounced);
}

void run_sweep_command(config::RunConfig& cfg, const config::Resolved& r, backend::Backend& be,
                       CheckpointStart start, std::ostream& out, std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  SweepCheckpoint sc;
  if (start.resumed) {
    const std::vector<std::int64_t>& k = start.resumed->counters();
    if (!k.empty() && k.size() != 2)
      throw config::BadInput("--resume: '" + start.paths.resume_from +
                             "': the checkpoint's progress record does not fit this sweep");
    if (!k.empty()) {
      sc.main_done = k[0];
      sc.quench_done = k[1];
    }
    sc.restored = start.resumed.get();
  }
  std::unique_ptr<io::CheckpointWriter> ck =
      start_checkpoint(start.paths, provenance(cfg, r, be, 0.0), sweep_streams(r.dim),
                       {sc.main_done, sc.quench_done}, {}, start.resumed.get(),
                       {sc.main_done, sc.quench_done});
  if (sc.restored && !cfg.quiet)
    log << "trilobite: resuming after " << sc.main_done << " sweep descents and " << sc.quench_done
        << " quenches\n";
  sc.writer = ck.get();
  JobResult res;
  const auto t_sweep = std::chrono::steady_clock::now();
  try {
    res.sweep = run_sweep(cfg, r, be, descent_request(cfg, r), res.minima, &sc);
  } catch (const Interrupted&) {
    ck->close();
    throw Interrupted(interrupted_message("the sweep descents committed so far", start.paths, cfg));
  } catch (const std::runtime_error& e) {
    if (!sc.restored) throw;
    throw config::BadInput("--resume: '" + start.paths.resume_from + "': " + e.what());
  }
  ck->close();
  ck.reset();
  start.resumed.reset();
  // The sweep's descents, their quench and their clustering.
  res.timings.descents_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_sweep).count();
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
