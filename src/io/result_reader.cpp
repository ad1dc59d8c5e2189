#include "io/result_reader.hpp"

#include <cerrno>
#include <cmath>
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
using h5::Shape;

[[noreturn]] void not_ours(const std::string& path, const std::string& why) {
  throw std::runtime_error("'" + path + "' is not a trilobite result file (" + why + ")");
}

// Every consumer (info, render, tests) indexes the columns of a group by
// one another's lengths and by the row numbers stored in them; a damaged
// file is refused here, with the first inconsistency, so none of them
// reads out of bounds.
using h5::require;

template <class T>
void check_rows(const std::vector<T>& column, std::size_t rows, const std::string& name) {
  require(column.size() == rows, name + " holds " + std::to_string(column.size()) +
                                     " values where " + std::to_string(rows) + " belong");
}

// Row numbers into a table of `rows` rows; -1 means none where allowed.
template <class T>
void check_refs(const std::vector<T>& refs, std::int64_t rows, bool none_allowed, const std::string& name) {
  for (T v : refs)
    require((v >= 0 && static_cast<std::int64_t>(v) < rows) || (none_allowed && v == -1),
            name + " refers to row " + std::to_string(v) + " of " + std::to_string(rows));
}

// Codes (docs/format.md): status -1 (never written), 0, 1, 2; kind 0..3.
template <class T>
void check_codes(const std::vector<T>& codes, int lo, int hi, const std::string& name) {
  for (T v : codes)
    require(v >= lo && v <= hi, name + " holds the code " + std::to_string(v) + ", not one of " +
                                    std::to_string(lo) + ".." + std::to_string(hi));
}

void check_dim(std::int64_t dim, const std::string& group) {
  require(dim >= 1 && dim <= 64, group + ": dimension " + std::to_string(dim) + " is outside 1..64");
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
  // Lattice nodes lie at distinct, finite coordinates, in order (pictures
  // map pixels to nodes by them).
  for (const std::vector<double>* c : {&a.coord0, &a.coord1}) {
    const bool up = c->size() < 2 || (*c)[1] > (*c)[0];
    for (std::size_t i = 0; i < c->size(); ++i)
      require(std::isfinite((*c)[i]) && (i == 0 || (up ? (*c)[i] > (*c)[i - 1] : (*c)[i] < (*c)[i - 1])),
              "'" + dataset + "': coordinates not finite and strictly monotone");
  }
  for (double o : a.origin) require(std::isfinite(o), "'" + dataset + "': origin not finite");
  const Shape dims = h5::shape(ds.get());
  require(dims.back() == a.coord0.size() && (rank == 1 || dims[0] == a.coord1.size()),
          "'" + dataset + "' does not match its coordinate scales");
  const auto d = static_cast<std::int64_t>(a.origin.size());
  require(d >= 1 && a.axis0 >= 0 && a.axis0 < d &&
              (rank == 1 ? a.axis1 == -1 : a.axis1 >= 0 && a.axis1 < d && a.axis1 != a.axis0),
          "'" + dataset + "': axes " + std::to_string(a.axis0) + ", " + std::to_string(a.axis1) +
              " do not fit an origin of " + std::to_string(d) + " coordinates");
  return a;
}

void read_grid(hid_t file, GridData& g) {
  Handle grp = h5::open_group(file, "grid");
  g.axes = read_axes(grp.get(), "loss");
  g.loss = read<double>(grp.get(), "loss");
  g.grad0 = read<double>(grp.get(), "grad_" + g.axes.name0);
  if (!g.axes.one_d()) g.grad1 = read<double>(grp.get(), "grad_" + g.axes.name1);
  g.grad_norm = read<double>(grp.get(), "grad_norm");
  const auto cells = static_cast<std::size_t>(g.axes.n0() * g.axes.n1());
  check_rows(g.loss, cells, "/grid/loss");
  check_rows(g.grad0, cells, "/grid/grad_" + g.axes.name0);
  if (!g.axes.one_d()) check_rows(g.grad1, cells, "/grid/grad_" + g.axes.name1);
  check_rows(g.grad_norm, cells, "/grid/grad_norm");
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
  // Files written before the flag was stored have none.
  b.bounced = h5::exists(g, "bounced") ? read<std::int8_t>(g, "bounced") : std::vector<std::int8_t>{};
  labels = read<std::int32_t>(g, "minimum");
  check_dim(b.dim, "/descents");
  const auto n = static_cast<std::size_t>(b.count), nd = n * static_cast<std::size_t>(b.dim);
  check_rows(b.start, nd, "/descents/start");
  check_rows(b.end, nd, "/descents/end");
  check_rows(b.loss, n, "/descents/loss");
  check_rows(b.grad_norm, n, "/descents/grad_norm");
  check_rows(b.steps, n, "/descents/steps");
  check_rows(b.status, n, "/descents/status");
  check_rows(labels, n, "/descents/minimum");
  check_codes(b.status, -1, 2, "/descents/status");
  if (!b.bounced.empty()) {
    check_rows(b.bounced, n, "/descents/bounced");
    check_codes(b.bounced, -1, 1, "/descents/bounced");
  }
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
  check_dim(t.dim, "/minima");
  t.plateaus = metrics::read_plateaus(file, t.dim);
  const auto n = static_cast<std::size_t>(t.n_minima), nd = n * static_cast<std::size_t>(t.dim);
  check_rows(t.position, nd, "/minima/position");
  check_rows(t.eigenvalues, nd, "/minima/eigenvalues");
  for (const auto* c : {&t.loss, &t.grad_norm, &t.fraction, &t.mean_steps, &t.basin_fraction})
    check_rows(*c, n, "a column of /minima");
  check_rows(t.kind, n, "/minima/kind");
  check_codes(t.kind, 0, 3, "/minima/kind");
  check_rows(t.count, n, "/minima/count");
  check_rows(t.basin_count, n, "/minima/basin_count");
  if (h5::exists(g, "lambda_max"))
    for (const auto* c : {&t.curvature.hessian_trace, &t.curvature.lambda_max, &t.curvature.lambda_min,
                          &t.curvature.condition_number, &t.curvature.log_det})
      check_rows(*c, n, "a curvature column of /minima");
  // The intervals and percentiles are written all together or not at all.
  const std::vector<double>* stats[] = {&t.fraction_ci_lo,       &t.fraction_ci_hi, &t.basin_fraction_ci_lo,
                                        &t.basin_fraction_ci_hi, &t.steps_p50,      &t.steps_p90,
                                        &t.steps_p99};
  bool any = false;
  for (const auto* c : stats) any = any || !c->empty();
  if (any)
    for (const auto* c : stats) check_rows(*c, n, "an interval or percentile column of /minima");
}

void read_known_minima(hid_t file, KnownMinimaData& k) {
  Handle grp = h5::open_group(file, "known_minima");
  const hid_t g = grp.get();
  const auto n = static_cast<std::size_t>(length(g, "known"));
  const auto dim = static_cast<std::size_t>(length(g, "coord"));
  check_dim(static_cast<std::int64_t>(dim), "/known_minima");
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
  check_rows(k.match.in_box, n, "/known_minima/in_box");
  check_rows(k.match.row, n, "/known_minima/minimum");
  check_rows(k.match.distance, n, "/known_minima/distance");
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
  b.metrics.one_dimensional = b.axes.one_d();  // boxes along a line, not squares
  const auto cells = static_cast<std::size_t>(b.axes.n0() * b.axes.n1());
  check_rows(b.label, cells, "/basins/label");
  check_rows(b.steps, cells, "/basins/steps");
  check_rows(b.status, cells, "/basins/status");
  check_codes(b.status, -1, 2, "/basins/status");
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
  check_dim(dim, "/trajectories");
  const std::size_t traced = descent.size();
  check_rows(len, traced, "/trajectories/length");
  check_rows(step, traced * records, "/trajectories/step");
  check_rows(loss, traced * records, "/trajectories/loss");
  check_rows(position, traced * records * d, "/trajectories/position");
  out.assign(traced, {});
  for (std::size_t i = 0; i < traced; ++i) {
    require(len[i] >= 0 && static_cast<std::uint64_t>(len[i]) <= records,
            "trajectory length " + std::to_string(len[i]) + " beyond the record dimension");
    const auto n = static_cast<std::size_t>(len[i]);
    backend::Trajectory& t = out[i];
    t.descent = descent[i];
    t.step.assign(step.begin() + i * records, step.begin() + i * records + n);
    t.loss.assign(loss.begin() + i * records, loss.begin() + i * records + n);
    t.position.assign(position.begin() + i * records * d, position.begin() + (i * records + n) * d);
  }
}

// Row numbers that point from one group into another, where a reader
// indexes by them. (Labels of descents and basin cells need no check: the
// consumers treat any label outside the minima table as "none".)
void check_links(const ResultData& r) {
  if (r.has_connections) {
    const analysis::Connections& c = r.connections;
    const std::int64_t points = r.has_critical ? r.critical.n_points : 0;
    check_refs(c.saddle, points, false, "/connections/saddle");
    check_refs(c.minimum_a, points, true, "/connections/minimum_a");
    check_refs(c.minimum_b, points, true, "/connections/minimum_b");
    check_refs(c.minimum_row, points, false, "/connections/minimum_row");
    const auto k = static_cast<std::int64_t>(c.minimum_row.size());
    const auto nodes = static_cast<std::int64_t>(c.tree_level.size());
    check_refs(c.tree_left, k + nodes, false, "/connections/tree_left");
    check_refs(c.tree_right, k + nodes, false, "/connections/tree_right");
    check_refs(c.tree_saddle, points, true, "/connections/tree_saddle");
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
    if (const AttrValue* land = r.attribute("landscape"); land && *land == AttrValue(std::string("network"))) {
      r.network = true;
      r.has_plane = h5::exists(f, "plane");
      if (!r.has_plane) read_network(f, r.network_minima, r.network_status);
      r.has_sweep = h5::exists(f, "sweep");
      if (r.has_sweep) r.sweep = metrics::read_sweep(f);
      return r;
    }
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
    if (r.has_critical) {
      read_critical(f, r.critical);
      check_codes(r.critical.kind, 0, 3, "/critical/kind");
    }
    if (r.has_connections) read_connections(f, r.connections);
    if (r.has_sweep) r.sweep = metrics::read_sweep(f);
    check_links(r);
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + path + "': " + e.what());
  }
  return r;
}

}  // namespace trilo::io
