#include "io/result_reader.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "io/critical_io.hpp"
#include "io/hdf5_util.hpp"
#include "io/metrics_io.hpp"

namespace trilo::io {

namespace {

using h5::int_attr;
using h5::length;
using h5::read;
using h5::real_attr;
using h5::reals_attr;
using h5::text_attr;

using h5::Handle;

[[noreturn]] void not_ours(const std::string& path, const std::string& why) {
  throw std::runtime_error("'" + path + "' is not a trilobite result file (" + why + ")");
}

// The lattice a (n1, n0) or (n0) dataset is laid on, from its scales.
GridAxes read_axes(hid_t group, const std::string& dataset) {
  Handle ds = h5::open_dataset(group, dataset);
  const std::size_t rank = h5::shape(ds.get()).size();
  if (rank != 1 && rank != 2)
    throw std::runtime_error("'" + dataset + "' has rank " + std::to_string(rank));
  GridAxes a;
  a.name0 = h5::scale_name(ds.get(), rank == 1 ? 0 : 1);
  a.coord0 = read<double>(group, a.name0);
  if (rank == 2) {
    a.name1 = h5::scale_name(ds.get(), 0);
    a.coord1 = read<double>(group, a.name1);
  }
  a.axis0 = static_cast<int>(int_attr(group, "axis0"));
  a.axis1 = static_cast<int>(int_attr(group, "axis1"));
  a.origin = reals_attr(group, "origin");
  return a;
}

void read_grid(hid_t file, GridData& g) {
  Handle grp = h5::open_group(file, "grid");
  g.axes = read_axes(grp.get(), "loss");
  g.loss = read<double>(grp.get(), "loss");
  g.grad0 = read<double>(grp.get(), "grad_" + g.axes.name0);
  if (!g.axes.one_d()) g.grad1 = read<double>(grp.get(), "grad_" + g.axes.name1);
  g.grad_norm = read<double>(grp.get(), "grad_norm");
}

void read_descents(hid_t file, backend::DescentBatch& b, std::vector<std::int32_t>& labels) {
  Handle grp = h5::open_group(file, "descents");
  const hid_t g = grp.get();
  b.first = 0;
  b.count = length(g, "descent");
  b.dim = static_cast<int>(length(g, "coord"));
  b.start = read<double>(g, "start");
  b.end = read<double>(g, "end");
  b.loss = read<double>(g, "loss");
  b.grad_norm = read<double>(g, "grad_norm");
  b.steps = read<std::int64_t>(g, "steps");
  b.status = read<std::int8_t>(g, "status");
  labels = read<std::int32_t>(g, "minimum");
}

void read_minima(hid_t file, analysis::MinimaTable& t) {
  Handle grp = h5::open_group(file, "minima");
  const hid_t g = grp.get();
  t.n_minima = length(g, "minimum");
  t.dim = static_cast<int>(length(g, "coord"));
  t.position = read<double>(g, "position");
  t.loss = read<double>(g, "loss");
  t.grad_norm = read<double>(g, "grad_norm");
  t.eigenvalues = read<double>(g, "eigenvalues");
  t.kind = read<std::int8_t>(g, "kind");
  t.count = read<std::int64_t>(g, "count");
  t.fraction = read<double>(g, "fraction");
  t.mean_steps = read<double>(g, "mean_steps");
  t.basin_count = read<std::int64_t>(g, "basin_count");
  t.basin_fraction = read<double>(g, "basin_fraction");
  t.merge_tol = real_attr(g, "merge_tol");
  if (h5::exists(g, "lambda_max")) t.curvature = read_curvature(g);
  metrics::read_minima_statistics(g, t);
}

void read_known_minima(hid_t file, KnownMinimaData& k) {
  Handle grp = h5::open_group(file, "known_minima");
  const hid_t g = grp.get();
  const auto n = static_cast<std::size_t>(length(g, "known"));
  const auto dim = static_cast<std::size_t>(length(g, "coord"));
  const auto position = read<double>(g, "position");
  const auto value = read<double>(g, "value");
  const auto global = read<std::int8_t>(g, "global");
  if (position.size() != n * dim || value.size() != n || global.size() != n)
    throw std::runtime_error("/known_minima: datasets of different lengths");
  for (std::size_t i = 0; i < n; ++i)
    k.known.push_back(KnownMinimum{std::vector<double>(position.begin() + i * dim,
                                                       position.begin() + (i + 1) * dim),
                                   value[i], global[i] != 0});
  k.match.in_box = read<std::int8_t>(g, "in_box");
  k.match.row = read<std::int64_t>(g, "minimum");
  k.match.distance = read<double>(g, "distance");
}

void read_basins(hid_t file, BasinData& b) {
  Handle grp = h5::open_group(file, "basins");
  const hid_t g = grp.get();
  b.axes = read_axes(g, "label");
  b.label = read<std::int32_t>(g, "label");
  b.steps = read<std::int64_t>(g, "steps");
  b.status = read<std::int8_t>(g, "status");
  b.fraction = read<double>(g, "fraction");
  b.unconverged_fraction = real_attr(g, "unconverged_fraction");
  b.has_metrics = metrics::read_basin_metrics(g, b.metrics);
}

void read_trajectories(hid_t file, std::vector<backend::Trajectory>& out, int& dim) {
  Handle grp = h5::open_group(file, "trajectories");
  const hid_t g = grp.get();
  const auto records = static_cast<std::size_t>(length(g, "record"));
  dim = static_cast<int>(length(g, "coord"));
  const auto d = static_cast<std::size_t>(dim);
  const auto descent = read<std::int64_t>(g, "descent");
  const auto len = read<std::int64_t>(g, "length");
  const auto step = read<std::int64_t>(g, "step");
  const auto position = read<double>(g, "position");
  const auto loss = read<double>(g, "loss");
  out.assign(descent.size(), {});
  for (std::size_t i = 0; i < descent.size(); ++i) {
    const auto n = static_cast<std::size_t>(len.at(i));
    if (n > records) throw std::runtime_error("trajectory length beyond the record dimension");
    backend::Trajectory& t = out[i];
    t.descent = descent[i];
    t.step.assign(step.begin() + i * records, step.begin() + i * records + n);
    t.loss.assign(loss.begin() + i * records, loss.begin() + i * records + n);
    t.position.assign(position.begin() + i * records * d, position.begin() + (i * records + n) * d);
  }
}

}  // namespace

const AttrValue* ResultData::attribute(const std::string& name) const {
  for (const auto& [key, value] : attributes)
    if (key == name) return &value;
  return nullptr;
}

ResultData read_result(const std::string& path) {
  h5::silence_errors();
  if (!std::ifstream(path, std::ios::binary))
    throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    not_ours(path, "not an HDF5 file");
  }
  Handle file = h5::owned(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                          "cannot open '" + path + "'");
  const hid_t f = file.get();
  if (!h5::has_attr(f, "program")) not_ours(path, "no 'program' attribute");
  AttrValue program;
  try {  // a damaged file can fail here already: name it
    program = h5::read_attr(f, "program");
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + path + "': " + e.what());
  }
  if (program != AttrValue(std::string("trilobite"))) not_ours(path, "'program' is not trilobite");
  if (!h5::has_attr(f, "format_version")) not_ours(path, "no 'format_version' attribute");

  ResultData r;
  r.path = path;
  try {
    const std::int64_t version = int_attr(f, "format_version");
    if (version < 1 || version > kFormatVersion)
      throw std::runtime_error("format_version " + std::to_string(version) +
                               " (this trilobite reads versions 1 to " +
                               std::to_string(kFormatVersion) + ")");
    r.attributes = h5::read_attrs(f);
    r.has_grid = h5::exists(f, "grid");
    r.has_descents = h5::exists(f, "descents");
    r.has_minima = h5::exists(f, "minima");
    r.has_basins = h5::exists(f, "basins");
    r.has_trajectories = h5::exists(f, "trajectories");
    r.has_known_minima = h5::exists(f, "known_minima");
    r.has_sweep = h5::exists(f, "sweep");
    if (r.has_grid) read_grid(f, r.grid);
    if (r.has_descents) read_descents(f, r.descents, r.descent_labels);
    if (r.has_minima) read_minima(f, r.minima);
    if (r.has_basins) read_basins(f, r.basins);
    if (r.has_trajectories) read_trajectories(f, r.trajectories, r.trajectory_dim);
    if (r.has_known_minima) read_known_minima(f, r.known_minima);
    r.has_critical = h5::exists(f, "critical");
    r.has_connections = h5::exists(f, "connections");
    if (r.has_critical) read_critical(f, r.critical);
    if (r.has_connections) read_connections(f, r.connections);
    if (r.has_sweep) r.sweep = metrics::read_sweep(f);
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + path + "': " + e.what());
  }
  return r;
}

}  // namespace trilo::io
