#include "jobs/sweep_job.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "jobs/interrupt.hpp"

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

analysis::SweepTable run_sweep(const config::RunConfig& c, const config::Resolved& r,
                               backend::Backend& be, const backend::DescentRequest& base,
                               analysis::MergeResult& minima) {
  const config::SweepSpec& spec = r.sweep;
  const std::int64_t n = r.n_starts, nv = static_cast<std::int64_t>(spec.values.size());
  const int d = r.dim;
  // All end points, value after value, for one merge: a point's index then
  // means the same minimum at every value.
  std::vector<double> end(static_cast<std::size_t>(n * nv * d));
  std::vector<std::int64_t> steps(static_cast<std::size_t>(n * nv));
  std::vector<std::int8_t> status(static_cast<std::size_t>(n * nv));
  backend::DescentBatch part;
  for (std::int64_t v = 0; v < nv; ++v) {
    backend::DescentRequest q = base;
    set_swept_parameter(q.params, spec.parameter, spec.values[v]);
    for (std::int64_t first = 0; first < n; first += c.chunk) {
      check_interrupted();
      const std::int64_t count = std::min(c.chunk, n - first);
      be.descend(q, first, count, part);
      const std::int64_t row = v * n + first;
      std::copy(part.end.begin(), part.end.begin() + count * d, end.begin() + row * d);
      std::copy(part.steps.begin(), part.steps.begin() + count, steps.begin() + row);
      std::copy(part.status.begin(), part.status.begin() + count, status.begin() + row);
    }
  }

  // Quench: with noise a descent rarely meets the gradient tolerance, so
  // each end point of a noisy value that stayed in bounds is descended again
  // with the same settings and no noise; where that converges is where the
  // start settled.
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
  for (std::int64_t first = 0; first < nq;) {
    // Quenches of one value share its settings; a chunk never spans two values.
    const std::int64_t v = quench_row[first] / n;
    std::int64_t last = first;
    while (last < nq && quench_row[last] / n == v && last - first < c.chunk) ++last;
    check_interrupted();
    backend::DescentRequest q = base;
    set_swept_parameter(q.params, spec.parameter, spec.values[v]);
    q.params.noise = 0;
    q.starts.mode = StartMode::kExplicit;
    q.explicit_starts.assign(quench_start.begin() + first * d, quench_start.begin() + last * d);
    be.descend(q, 0, last - first, part);
    std::copy(part.end.begin(), part.end.begin() + (last - first) * d, quench_end.begin() + first * d);
    std::copy(part.steps.begin(), part.steps.begin() + (last - first), quench_steps.begin() + first);
    std::copy(part.status.begin(), part.status.begin() + (last - first), quench_status.begin() + first);
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
                                  minima.descent_labels, status, steps, settled);
}

}  // namespace trilo::jobs
