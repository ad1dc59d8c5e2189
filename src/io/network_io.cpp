#include "io/network_io.hpp"

#include "io/schema.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace trilo::io {

using h5::Handle;
using h5::Shape;
using schema::describe;

NetworkWriter::NetworkWriter(ResultWriter& file, std::int64_t runs, std::int64_t params, bool weights,
                             bool test)
    : file_(static_cast<hid_t>(file.file_id())), runs_(runs), params_(params), weights_(weights), test_(test) {
  group_ = h5::create_group(file_, "descents");
  const hid_t g = group_.get();
  h5::set_attr(g, "n_descents", runs);
  h5::set_attr(g, "n_rows", runs);
  run_scale_ = h5::create_index_scale(g, "descent", runs);
  describe(run_scale_.get(), "index of the training (run)");
  const Shape rows = {static_cast<hsize_t>(runs)};
  const std::vector<hid_t> by_run = {run_scale_.get()};
  if (weights) {
    param_scale_ = h5::create_index_scale(g, "param", params);
    describe(param_scale_.get(), "index into the flat weight vector (docs/networks.md)");
    const Shape table = {static_cast<hsize_t>(runs), static_cast<hsize_t>(params)};
    const std::vector<hid_t> by_entry = {run_scale_.get(), param_scale_.get()};
    start_ = schema::nan_dataset(g, "start", table, by_entry, "initial weights");
    end_ = schema::nan_dataset(g, "end", table, by_entry, "final weights");
  }
  loss_ = schema::nan_dataset(g, "loss", rows, by_run, "final training loss (mean, plus the L2 term)");
  grad_norm_ = schema::nan_dataset(g, "grad_norm", rows, by_run, "full-batch gradient norm at the end");
  accuracy_ = schema::nan_dataset(g, "accuracy", rows, by_run, "final training accuracy");
  h5::set_attr(accuracy_.get(), "units", std::string("1"));
  if (test) {
    test_loss_ = schema::nan_dataset(g, "test_loss", rows, by_run, "final test loss");
    test_accuracy_ = schema::nan_dataset(g, "test_accuracy", rows, by_run, "final test accuracy");
    h5::set_attr(test_accuracy_.get(), "units", std::string("1"));
  }
  steps_ = schema::int_dataset<std::int64_t>(g, "steps", rows, by_run, "optimizer updates applied");
  status_ = schema::int_dataset<std::int8_t>(g, "status", rows, by_run, "how the training ended");
  schema::set_status_flags(status_.get());
}

void NetworkWriter::write_rows(const TrainingRows& r) {
  h5::silence_errors();  // HDF5's error printing is per thread: rows may come from another one
  const Shape at = {static_cast<hsize_t>(r.first)}, n = {static_cast<hsize_t>(r.count)};
  if (r.count == 0) return;
  if (weights_) {
    const Shape at2 = {static_cast<hsize_t>(r.first), 0}, n2 = {static_cast<hsize_t>(r.count), static_cast<hsize_t>(params_)};
    h5::write_slab(start_.get(), H5T_NATIVE_DOUBLE, at2, n2, r.start.data());
    h5::write_slab(end_.get(), H5T_NATIVE_DOUBLE, at2, n2, r.end.data());
  }
  h5::write_slab(loss_.get(), H5T_NATIVE_DOUBLE, at, n, r.loss.data());
  h5::write_slab(grad_norm_.get(), H5T_NATIVE_DOUBLE, at, n, r.grad_norm.data());
  h5::write_slab(accuracy_.get(), H5T_NATIVE_DOUBLE, at, n, r.accuracy.data());
  if (test_) {
    h5::write_slab(test_loss_.get(), H5T_NATIVE_DOUBLE, at, n, r.test_loss.data());
    h5::write_slab(test_accuracy_.get(), H5T_NATIVE_DOUBLE, at, n, r.test_accuracy.data());
  }
  h5::write_slab(steps_.get(), H5T_NATIVE_INT64, at, n, r.steps.data());
  h5::write_slab(status_.get(), H5T_NATIVE_INT8, at, n, r.status.data());
}

void NetworkWriter::write_labels(const std::vector<std::int32_t>& minimum) {
  h5::require(static_cast<std::int64_t>(minimum.size()) == runs_, "write_labels: one label per run");
  Handle ds = schema::full_dataset(group_.get(), "minimum", Shape{static_cast<hsize_t>(runs_)},
                                   {run_scale_.get()}, minimum,
                                   "index into /minima of the function reached (-1: diverged)");
}

void NetworkWriter::write_minima(const NetworkMinima& m) {
  Handle g = h5::create_group(file_, "minima");
  const hid_t gid = g.get();
  const auto n = static_cast<hsize_t>(m.size());
  h5::set_attr(gid, "n_minima", m.size());
  h5::set_attr(gid, "identity", std::string("function: RMS difference of the probe outputs <= function_tol"));
  Handle idx = h5::create_index_scale(gid, "minimum", m.size());
  describe(idx.get(), "index of the minimum");
  const std::vector<hid_t> by_row = {idx.get()};
  const Shape rows = {n};
  schema::full_dataset(gid, "loss", rows, by_row, m.loss, "training loss of the representative");
  schema::full_dataset(gid, "accuracy", rows, by_row, m.accuracy, "training accuracy of the representative", true);
  schema::full_dataset(gid, "mean_accuracy", rows, by_row, m.mean_accuracy, "mean training accuracy of the members", true);
  if (test_) {
    schema::full_dataset(gid, "test_loss", rows, by_row, m.test_loss, "test loss of the representative");
    schema::full_dataset(gid, "test_accuracy", rows, by_row, m.test_accuracy, "test accuracy of the representative", true);
    schema::full_dataset(gid, "mean_test_accuracy", rows, by_row, m.mean_test_accuracy,
                         "mean test accuracy of the members", true);
  }
  schema::full_dataset(gid, "count", rows, by_row, m.count, "trainings that reached the minimum");
  schema::full_dataset(gid, "converged", rows, by_row, m.converged, "of those, trainings that met --tol");
  schema::full_dataset(gid, "fraction", rows, by_row, m.fraction, "fraction of all trainings", true);
  schema::full_dataset(gid, "mean_steps", rows, by_row, m.mean_steps, "mean optimizer updates of the members");
  schema::full_dataset(gid, "representative", rows, by_row, m.first_run,
                       "the first training (lowest index) that reached the minimum");
  Handle pscale = h5::create_index_scale(gid, "param", m.params);
  describe(pscale.get(), "index into the flat weight vector (docs/networks.md)");
  schema::full_dataset(gid, "weights", Shape{n, static_cast<hsize_t>(m.params)}, {idx.get(), pscale.get()},
                       m.weights, "end weights of the representative");
  if (m.hessian_top > 0) {
    Handle k = h5::create_index_scale(gid, "eigen", m.hessian_top);
    describe(k.get(), "rank of the eigenvalue, largest first");
    schema::full_dataset(gid, "hessian_top", Shape{n, static_cast<hsize_t>(m.hessian_top)}, {idx.get(), k.get()},
                         m.hessian, "largest Hessian eigenvalues at the representative (Lanczos; NaN: not computed)");
  }
  if (!m.trace.empty())
    schema::full_dataset(gid, "hessian_trace", rows, by_row, m.trace,
                         "Hessian trace at the representative (Hutchinson estimate; NaN: not computed)");
}

void NetworkWriter::write_network(const Attributes& a, const std::vector<std::int64_t>& probe_rows) {
  Handle g = h5::create_group(file_, "network");
  for (const auto& [name, value] : a) h5::set_attr(g.get(), name, value);
  Handle p = schema::full_dataset(g.get(), "probe_rows", Shape{probe_rows.size()}, {}, probe_rows,
                                  "training rows whose outputs identify a minimum");
}

void NetworkWriter::write_traces(const std::vector<TrainingTrace>& t) {
  if (t.empty()) return;
  Handle g = h5::create_group(file_, "trajectories");
  const hid_t gid = g.get();
  std::size_t r = 0;
  bool weights = false;
  for (const TrainingTrace& x : t) {
    r = std::max(r, x.step.size());
    weights = weights || !x.weights.empty();
  }
  const std::size_t k = t.size(), P = static_cast<std::size_t>(params_);
  Handle traj = h5::create_index_scale(gid, "trajectory", static_cast<std::int64_t>(k));
  describe(traj.get(), "index of the traced training");
  Handle rec = h5::create_index_scale(gid, "record", static_cast<std::int64_t>(r));
  describe(rec.get(), "index of the record along the training");
  std::vector<std::int64_t> run(k), length(k), step(k * r, -1);
  std::vector<double> loss(k * r, schema::kNaN), acc(k * r, schema::kNaN);
  for (std::size_t i = 0; i < k; ++i) {
    run[i] = t[i].run;
    length[i] = static_cast<std::int64_t>(t[i].step.size());
    for (std::size_t j = 0; j < t[i].step.size(); ++j) {
      step[i * r + j] = t[i].step[j];
      loss[i * r + j] = t[i].loss[j];
      acc[i * r + j] = t[i].accuracy[j];
    }
  }
  const std::vector<hid_t> by_traj = {traj.get()}, by_rec = {traj.get(), rec.get()};
  schema::full_dataset(gid, "descent", Shape{k}, by_traj, run, "the training's index in /descents");
  schema::full_dataset(gid, "length", Shape{k}, by_traj, length, "records in this trajectory");
  schema::full_dataset(gid, "step", Shape{k, r}, by_rec, step, "optimizer step of each record; -1 beyond length");
  schema::full_dataset(gid, "loss", Shape{k, r}, by_rec, loss, "full-batch training loss; NaN beyond length");
  schema::full_dataset(gid, "accuracy", Shape{k, r}, by_rec, acc, "training accuracy; NaN beyond length", true);
  if (!weights) return;
  std::vector<double> pos(k * r * P, schema::kNaN);
  for (std::size_t i = 0; i < k; ++i)
    std::copy(t[i].weights.begin(), t[i].weights.end(), pos.begin() + static_cast<std::ptrdiff_t>(i * r * P));
  Handle param = h5::create_index_scale(gid, "param", params_);
  describe(param.get(), "index into the flat weight vector (docs/networks.md)");
  schema::full_dataset(gid, "position", Shape{k, r, P}, {traj.get(), rec.get(), param.get()}, pos,
                       "the weights; NaN beyond length");
}

void write_network_sweep(ResultWriter& file, const analysis::SweepTable& s, const NetworkSweepOutcomes& o) {
  const auto nv = static_cast<std::size_t>(s.n_settings());
  const bool test = !o.mean_test_loss.empty();
  for (const std::vector<double>* c : {&o.fraction_converged, &o.mean_loss, &o.median_loss, &o.mean_accuracy,
                                       &o.median_accuracy})
    h5::require(c->size() == nv, "write_network_sweep: a column does not have one value per setting");
  for (const std::vector<double>* c : {&o.median_test_loss, &o.mean_test_accuracy, &o.median_test_accuracy})
    h5::require(c->size() == (test ? nv : 0), "write_network_sweep: the test columns do not match");
  h5::require(o.minima_reached.size() == nv, "write_network_sweep: minima_reached does not have one value per setting");
  file.write_sweep(s);
  const Handle g = h5::open_group(static_cast<hid_t>(file.file_id()), "sweep");
  const Handle value = h5::open_dataset(g.get(), "value");
  Handle value2;
  Shape rows = {nv};
  std::vector<hid_t> by_value = {value.get()};
  if (s.two_dimensional()) {
    value2 = h5::open_dataset(g.get(), "value2");
    rows = {static_cast<hsize_t>(s.n_values()), static_cast<hsize_t>(s.n_values2())};
    by_value.push_back(value2.get());
  }
  using schema::full_dataset;
  const hid_t gid = g.get();
  full_dataset(gid, "fraction_converged", rows, by_value, o.fraction_converged,
               "fraction of the trainings whose full-batch gradient norm met the tolerance", true);
  full_dataset(gid, "minima_reached", rows, by_value, o.minima_reached,
               "distinct minima (rows of /minima) reached by the trainings");
  const std::pair<const char*, const std::vector<double>*> cols[] = {
      {"mean_loss", &o.mean_loss},           {"median_loss", &o.median_loss},
      {"mean_accuracy", &o.mean_accuracy},   {"median_accuracy", &o.median_accuracy},
      {"mean_test_loss", &o.mean_test_loss}, {"median_test_loss", &o.median_test_loss},
      {"mean_test_accuracy", &o.mean_test_accuracy}, {"median_test_accuracy", &o.median_test_accuracy}};
  for (const auto& [name, col] : cols) {
    if (col->empty()) continue;
    const std::string n = name;
    const std::string stat = n.compare(0, 4, "mean") == 0 ? "mean" : "median (nearest rank)";
    const std::string what = n.substr(n.find('_') + 1);
    full_dataset(gid, n, rows, by_value, *col,
                 stat + " final " + (what.compare(0, 5, "test_") == 0 ? "test " + what.substr(5) : "training " + what) +
                     " of the trainings that did not diverge",
                 what.find("accuracy") != std::string::npos);
  }
}

void read_network(hid_t file, NetworkMinima& m, std::vector<std::int8_t>& status) {
  Handle d = h5::open_group(file, "descents");
  status = h5::read<std::int8_t>(d.get(), "status");
  Handle g = h5::open_group(file, "minima");
  const hid_t gid = g.get();
  m.loss = h5::read<double>(gid, "loss");
  m.accuracy = h5::read<double>(gid, "accuracy");
  m.count = h5::read<std::int64_t>(gid, "count");
  m.converged = h5::read<std::int64_t>(gid, "converged");
  m.fraction = h5::read<double>(gid, "fraction");
  m.mean_steps = h5::read<double>(gid, "mean_steps");
  m.first_run = h5::read<std::int64_t>(gid, "representative");
  const std::size_t n = m.count.size();
  for (const auto* col : {&m.loss, &m.accuracy, &m.fraction, &m.mean_steps})
    h5::require(col->size() == n, "/minima: columns of different lengths");
  if (h5::exists(gid, "test_loss")) {
    m.test_loss = h5::read<double>(gid, "test_loss");
    m.test_accuracy = h5::read<double>(gid, "test_accuracy");
    h5::require(m.test_loss.size() == n && m.test_accuracy.size() == n, "/minima: columns of different lengths");
  }
  if (h5::exists(gid, "hessian_top")) {
    Handle ds = h5::open_dataset(gid, "hessian_top");
    const h5::Shape sh = h5::shape(ds.get());
    h5::require(sh.size() == 2 && sh[0] == n, "/minima/hessian_top: not one row per minimum");
    m.hessian_top = static_cast<int>(sh[1]);
    m.hessian = h5::read_all<double>(ds.get());
  }
}

std::string describe_network(const NetworkMinima& m, const std::vector<std::int8_t>& status) {
  std::int64_t k[3] = {0, 0, 0};
  for (std::int8_t s : status)
    if (s >= 0 && s < 3) ++k[s];
  std::ostringstream out;
  out << "  trainings       " << status.size() << " (" << k[0] << " converged, " << k[1] << " max-steps, "
      << k[2] << " diverged)\n";
  out << "  minima          " << m.count.size() << " (by function on the probe rows)\n";
  const bool test = !m.test_loss.empty();
  const std::size_t shown = std::min<std::size_t>(m.count.size(), 10);
  for (std::size_t i = 0; i < shown; ++i) {
    out << "    #" << i << ": " << m.count[i] << (m.count[i] == 1 ? " run, loss " : " runs, loss ") << m.loss[i] << ", accuracy " << m.accuracy[i];
    if (test) out << ", test accuracy " << m.test_accuracy[i];
    if (m.hessian_top > 0 && !std::isnan(m.hessian[i * static_cast<std::size_t>(m.hessian_top)]))
      out << ", top eigenvalue " << m.hessian[i * static_cast<std::size_t>(m.hessian_top)];
    out << "\n";
  }
  if (m.count.size() > shown) out << "    ... " << m.count.size() - shown << " more in /minima\n";
  return out.str();
}

}  // namespace trilo::io
