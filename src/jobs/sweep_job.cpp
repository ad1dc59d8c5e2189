#include "jobs/sweep_job.hpp"

#include <algorithm>
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

  analysis::MergeOptions mo;
  mo.merge_tol = c.merge_tol;
  mo.polish = c.polish;
  const analysis::EndPoints ends{end.data(), status.data(), steps.data(), n * nv};
  minima = analysis::merge_minima(base.landscape, r.box_lo, r.box_hi, ends, analysis::EndPoints{},
                                  mo);
  return analysis::tabulate_sweep(spec.parameter, spec.spacing, spec.values, n,
                                  minima.table.n_minima, minima.descent_labels, status, steps);
}

}  // namespace trilo::jobs
