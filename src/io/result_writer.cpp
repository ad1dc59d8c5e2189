#include "io/result_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <type_traits>

#include "io/chunk_writer.hpp"
#include "io/critical_io.hpp"
#include "io/hdf5_util.hpp"
#include "io/metrics_io.hpp"
#include "io/output_path.hpp"
#include "io/schema.hpp"

namespace trilo::io {

namespace {

using h5::Handle;
using h5::Shape;

using schema::describe;
using schema::full_dataset;
using schema::int_dataset;
using schema::nan_dataset;

using h5::require;

// Errors inside a write name the file, so main's one line says which.
[[noreturn]] void rethrow_for(const std::string& path, const std::runtime_error& e) {
  if (dynamic_cast<const DiskFull*>(&e)) throw DiskFull(disk_full_message(path));
  throw std::runtime_error("writing '" + path + "': " + e.what());
}

void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;  // the rename still publishes it; durability is best effort
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

struct ResultWriter::Impl {
  std::string target, tmp;
  Handle file;
  bool replace_existing = true;
  bool committed = false;  // or kept under tmp: the destructor leaves the file alone

  Handle grid;
  std::vector<Handle> grid_sets;  // loss, grad0, grad1 (2-D only), grad_norm
  std::int64_t grid_size = 0;
  bool grid_1d = false;

  Handle descents, descent_scale, coord_scale;
  Handle start, end, loss, grad_norm, steps, status, bounced, minimum;
  std::int64_t n_descents = -1;
  int dim = 0;

  // The large datasets whose chunks are compressed on every core, by id.
  ChunkWriter chunks;
  std::map<hid_t, int> chunked;

  hid_t fid() const { return file.get(); }

  void adopt(const Handle& ds) {
    const int k = chunks.add(ds.get());
    if (k >= 0) chunked[ds.get()] = k;
  }
  // Elements [first, first + count) of `ds`, row-major, of its native type.
  void put(const Handle& ds, hid_t mem_type, std::int64_t first, std::int64_t count,
           const void* data) {
    const auto it = chunked.find(ds.get());
    if (it != chunked.end())
      chunks.write(it->second, mem_type, first, count, data);
    else
      h5::write_flat(ds.get(), mem_type, first, count, data);
  }

  void close_objects() {
    chunked.clear();
    for (Handle& h : grid_sets) h.reset();
    for (Handle* h : {&start, &end, &loss, &grad_norm, &steps, &status, &bounced, &minimum, &descent_scale,
                      &coord_scale, &descents, &grid})
      h->reset();
  }
};

ResultWriter::ResultWriter(std::string target, bool replace_existing)
    : impl_(std::make_unique<Impl>()) {
  h5::silence_errors();
  impl_->target = std::move(target);
  impl_->replace_existing = replace_existing;
  impl_->tmp = impl_->target + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  if (std::filesystem::is_directory(impl_->target, ec))
    throw std::runtime_error("cannot write '" + impl_->target + "': it is a directory");
  Handle fcpl = h5::owned(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "cannot create a property list");
  H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  Handle fapl = h5::owned(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "cannot create a property list");
  // Readable by HDF5 1.8 and later (h5py, netCDF-4, ParaView builds vary).
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  impl_->file = h5::owned(H5Fcreate(impl_->tmp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()),
                          H5Fclose, "cannot create '" + impl_->tmp + "'");
}

ResultWriter::~ResultWriter() {
  if (!impl_ || impl_->committed) return;
  impl_->close_objects();
  impl_->file.reset();
  std::remove(impl_->tmp.c_str());
}

const std::string& ResultWriter::temporary_path() const { return impl_->tmp; }

static_assert(std::is_same_v<hid_t, std::int64_t>, "file_id() returns a hid_t as int64");
std::int64_t ResultWriter::file_id() const { return impl_->fid(); }

void ResultWriter::write_root_attributes(const Attributes& a) try {
  for (const auto& [name, value] : a) h5::set_attr(impl_->fid(), name, value);
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::begin_grid(const GridAxes& axes) try {
  Impl& s = *impl_;
  Handle g = h5::create_group(s.fid(), "grid");
  std::vector<std::string> names = {"loss", "grad_norm", "grad_" + axes.name0};
  if (!axes.one_d()) names.push_back("grad_" + axes.name1);
  schema::Lattice l = schema::create_lattice(g.get(), axes, names);
  s.grid_sets.clear();
  s.grid_sets.push_back(nan_dataset(g.get(), "loss", l.dims, l.scales, "loss"));
  s.grid_sets.push_back(
      nan_dataset(g.get(), "grad_" + axes.name0, l.dims, l.scales, "d loss / d " + axes.name0));
  if (!axes.one_d())
    s.grid_sets.push_back(
        nan_dataset(g.get(), "grad_" + axes.name1, l.dims, l.scales, "d loss / d " + axes.name1));
  s.grid_sets.push_back(
      nan_dataset(g.get(), "grad_norm", l.dims, l.scales, "norm of the full gradient"));
  s.grid_size = axes.n0() * axes.n1();
  s.grid_1d = axes.one_d();
  s.grid = std::move(g);
  for (const Handle& h : s.grid_sets) s.adopt(h);
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::write_grid_tile(const backend::GridTile& t) try {
  h5::silence_errors();  // HDF5's error printing is per thread: tiles may come from another one
  Impl& s = *impl_;
  require(s.grid.valid(), "write_grid_tile: begin_grid was not called");
  require(t.first >= 0 && t.count >= 0 && t.first + t.count <= s.grid_size,
          "write_grid_tile: points [" + std::to_string(t.first) + ", " +
              std::to_string(t.first + t.count) + ") outside the grid of " +
              std::to_string(s.grid_size));
  std::vector<const std::vector<double>*> cols = {&t.loss, &t.grad0};
  if (!s.grid_1d) cols.push_back(&t.grad1);
  cols.push_back(&t.grad_norm);
  for (std::size_t i = 0; i < cols.size(); ++i)
    require(static_cast<std::int64_t>(cols[i]->size()) >= t.count, "write_grid_tile: short tile");
  for (std::size_t i = 0; i < cols.size(); ++i)
    s.put(s.grid_sets[i], H5T_NATIVE_DOUBLE, t.first, t.count, cols[i]->data());
  s.chunks.store_complete();
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::begin_descents(std::int64_t n, int dim, std::int64_t every) try {
  Impl& s = *impl_;
  require(n >= 0 && dim >= 1 && every >= 1, "begin_descents: bad shape");
  Handle g = h5::create_group(s.fid(), "descents");
  s.descent_scale = h5::create_index_scale(g.get(), "descent", n, every);
  describe(s.descent_scale.get(), "descent index");
  s.coord_scale = schema::create_coord_scale(g.get(), dim);
  const Shape rows = {hsize_t(n)}, points = {hsize_t(n), hsize_t(dim)};
  const std::vector<hid_t> by_row = {s.descent_scale.get()};
  const std::vector<hid_t> by_point = {s.descent_scale.get(), s.coord_scale.get()};
  s.start = nan_dataset(g.get(), "start", points, by_point, "start point");
  s.end = nan_dataset(g.get(), "end", points, by_point, "end point");
  s.loss = nan_dataset(g.get(), "loss", rows, by_row, "loss at the end point");
  s.grad_norm = nan_dataset(g.get(), "grad_norm", rows, by_row, "gradient norm at the end point");
  s.steps = int_dataset<std::int64_t>(g.get(), "steps", rows, by_row, "optimizer steps taken");
  s.status = int_dataset<std::int8_t>(g.get(), "status", rows, by_row, "outcome of the descent");
  schema::set_status_flags(s.status.get());
  s.bounced = int_dataset<std::int8_t>(g.get(), "bounced", rows, by_row,
                                       "1: ran out of steps bouncing (judged before the quench), 0: not");
  s.minimum = int_dataset<std::int32_t>(g.get(), "minimum", rows, by_row,
                                        "index into /minima of the point reached (-1: none)");
  for (const Handle* h : {&s.start, &s.end, &s.loss, &s.grad_norm, &s.steps, &s.status, &s.bounced, &s.minimum})
    s.adopt(*h);
  h5::set_attr(g.get(), "recorded_every", every);
  s.n_descents = n;
  s.dim = dim;
  s.descents = std::move(g);
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::write_descent_batch(const backend::DescentBatch& b) try {
  Impl& s = *impl_;
  require(s.descents.valid(), "write_descent_batch: begin_descents was not called");
  require(b.dim == s.dim, "write_descent_batch: dimension " + std::to_string(b.dim) +
                              ", expected " + std::to_string(s.dim));
  require(b.first >= 0 && b.count >= 0 && b.first + b.count <= s.n_descents,
          "write_descent_batch: rows [" + std::to_string(b.first) + ", " +
              std::to_string(b.first + b.count) + ") outside " + std::to_string(s.n_descents));
  const auto n = static_cast<std::size_t>(b.count), nd = n * static_cast<std::size_t>(b.dim);
  require(b.start.size() >= nd && b.end.size() >= nd && b.loss.size() >= n &&
              b.grad_norm.size() >= n && b.steps.size() >= n && b.status.size() >= n,
          "write_descent_batch: short batch");
  const std::int64_t first = b.first, count = b.count, dim = b.dim;
  s.put(s.start, H5T_NATIVE_DOUBLE, first * dim, count * dim, b.start.data());
  s.put(s.end, H5T_NATIVE_DOUBLE, first * dim, count * dim, b.end.data());
  s.put(s.loss, H5T_NATIVE_DOUBLE, first, count, b.loss.data());
  s.put(s.grad_norm, H5T_NATIVE_DOUBLE, first, count, b.grad_norm.data());
  s.put(s.steps, H5T_NATIVE_INT64, first, count, b.steps.data());
  s.put(s.status, H5T_NATIVE_INT8, first, count, b.status.data());
  if (b.bounced.size() >= n) s.put(s.bounced, H5T_NATIVE_INT8, first, count, b.bounced.data());
  s.chunks.store_complete();
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::write_descent_labels(const std::vector<std::int32_t>& labels) try {
  Impl& s = *impl_;
  require(s.descents.valid(), "write_descent_labels: begin_descents was not called");
  require(static_cast<std::int64_t>(labels.size()) == s.n_descents,
          "write_descent_labels: " + std::to_string(labels.size()) + " labels for " +
              std::to_string(s.n_descents) + " descents");
  s.put(s.minimum, H5T_NATIVE_INT32, 0, s.n_descents, labels.data());
  s.chunks.store_complete();
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::write_descent_labels(std::int64_t first,
                                        const std::vector<std::int32_t>& labels) try {
  Impl& s = *impl_;
  require(s.descents.valid(), "write_descent_labels: begin_descents was not called");
  const auto n = static_cast<std::int64_t>(labels.size());
  require(first >= 0 && first + n <= s.n_descents, "write_descent_labels: rows outside /descents");
  s.put(s.minimum, H5T_NATIVE_INT32, first, n, labels.data());
  s.chunks.store_complete();
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::write_minima(const analysis::MinimaTable& t) try {
  const std::int64_t m = t.n_minima;
  const auto mu = static_cast<std::size_t>(m), md = mu * static_cast<std::size_t>(t.dim);
  require(m >= 0 && t.dim >= 1, "write_minima: bad table shape");
  require(t.position.size() == md && t.eigenvalues.size() == md && t.loss.size() == mu &&
              t.grad_norm.size() == mu && t.kind.size() == mu && t.count.size() == mu &&
              t.fraction.size() == mu && t.mean_steps.size() == mu && t.basin_count.size() == mu &&
              t.basin_fraction.size() == mu,
          "write_minima: column sizes do not match n_minima = " + std::to_string(m));
  Handle g = h5::create_group(impl_->fid(), "minima");
  Handle index = h5::create_index_scale(g.get(), "minimum", m);
  describe(index.get(), "index of the point, by increasing loss");
  Handle coord = schema::create_coord_scale(g.get(), t.dim);
  const Shape rows = {mu}, points = {mu, hsize_t(t.dim)};
  const std::vector<hid_t> by_row = {index.get()}, by_point = {index.get(), coord.get()};
  const hid_t gid = g.get();
  full_dataset(gid, "position", points, by_point, t.position, "position");
  full_dataset(gid, "loss", rows, by_row, t.loss, "loss");
  full_dataset(gid, "grad_norm", rows, by_row, t.grad_norm, "gradient norm after polishing");
  full_dataset(gid, "eigenvalues", points, by_point, t.eigenvalues,
               "Hessian eigenvalues, ascending");
  Handle kind = full_dataset(gid, "kind", rows, by_row, t.kind, "kind of critical point");
  schema::set_kind_flags(kind.get());
  full_dataset(gid, "count", rows, by_row, t.count, "descents that reached it");
  full_dataset(gid, "fraction", rows, by_row, t.fraction, "fraction of descents that reached it",
               true);
  full_dataset(gid, "mean_steps", rows, by_row, t.mean_steps, "mean steps of the descents counted");
  full_dataset(gid, "basin_count", rows, by_row, t.basin_count, "basin-map cells that reached it");
  full_dataset(gid, "basin_fraction", rows, by_row, t.basin_fraction,
               "fraction of basin-map cells that reached it", true);
  if (!t.curvature.empty()) write_curvature(gid, t.curvature, by_row);
  metrics::write_minima_statistics(gid, index.get(), t);
  h5::set_attr(gid, "n_minima", m);
  h5::set_attr(gid, "merge_tol", t.merge_tol);
  metrics::write_plateaus(impl_->fid(), t.plateaus, t.dim);
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::write_basins(const GridAxes& axes, const std::vector<std::int32_t>& label,
                                const std::vector<std::int64_t>& steps,
                                const std::vector<std::int8_t>& status,
                                const std::vector<double>& fraction,
                                const std::vector<ExtraMap>& extra) try {
  const auto cells = static_cast<std::size_t>(axes.n0() * axes.n1());
  require(label.size() == cells && steps.size() == cells && status.size() == cells,
          "write_basins: label, steps and status need one value per cell (" +
              std::to_string(cells) + ")");
  for (const ExtraMap& m : extra)
    require(m.values.size() == cells, "write_basins: the map '" + m.name + "' needs one value per cell");
  Handle g = h5::create_group(impl_->fid(), "basins");
  std::vector<std::string> names = {"label", "steps", "status", "fraction", "minimum"};
  for (const ExtraMap& m : extra) names.push_back(m.name);
  schema::Lattice l = schema::create_lattice(g.get(), axes, names);
  const hid_t gid = g.get();
  for (const ExtraMap& m : extra) full_dataset(gid, m.name, l.dims, l.scales, m.values, m.long_name, m.fraction);
  full_dataset(gid, "label", l.dims, l.scales, label,
               "index into /minima of the point reached (-1: none)");
  full_dataset(gid, "steps", l.dims, l.scales, steps, "optimizer steps taken");
  Handle st = full_dataset(gid, "status", l.dims, l.scales, status, "outcome of the descent");
  schema::set_status_flags(st.get());
  Handle index = h5::create_index_scale(gid, "minimum", static_cast<std::int64_t>(fraction.size()));
  describe(index.get(), "index into /minima");
  full_dataset(gid, "fraction", Shape{fraction.size()}, {index.get()}, fraction,
               "fraction of cells in the basin of each point", true);
  std::int64_t unconverged = 0;
  for (std::int8_t v : status) unconverged += v != 0;
  h5::set_attr(gid, "unconverged_fraction", cells ? double(unconverged) / double(cells) : 0.0);
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::write_known_minima(const std::vector<KnownMinimum>& known,
                                      const analysis::KnownMatch& m, int dim) try {
  const std::size_t k = known.size();
  require(dim >= 1 && m.row.size() == k && m.distance.size() == k && m.in_box.size() == k,
          "write_known_minima: sizes do not match");
  std::vector<double> position, value;
  std::vector<std::int8_t> global;
  for (const KnownMinimum& p : known) {
    require(static_cast<int>(p.x.size()) == dim, "write_known_minima: a point of the wrong dimension");
    position.insert(position.end(), p.x.begin(), p.x.end());
    value.push_back(p.value);
    global.push_back(p.global ? 1 : 0);
  }
  Handle g = h5::create_group(impl_->fid(), "known_minima");
  const hid_t gid = g.get();
  Handle index = h5::create_index_scale(gid, "known", static_cast<std::int64_t>(k));
  describe(index.get(), "index of the documented minimum");
  Handle coord = schema::create_coord_scale(gid, dim);
  const Shape rows = {k}, points = {k, hsize_t(dim)};
  const std::vector<hid_t> by_row = {index.get()}, by_point = {index.get(), coord.get()};
  full_dataset(gid, "position", points, by_point, position, "documented position");
  full_dataset(gid, "value", rows, by_row, value, "documented loss (NaN: not given)");
  full_dataset(gid, "global", rows, by_row, global, "1 for a documented global minimum");
  full_dataset(gid, "in_box", rows, by_row, m.in_box, "1 when it lies in the box");
  full_dataset(gid, "minimum", rows, by_row, m.row, "row of /minima that matched it (-1: not found)");
  full_dataset(gid, "distance", rows, by_row, m.distance, "distance to that row (NaN: not found)");
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::write_trajectories(const std::vector<backend::Trajectory>& t, int dim) try {
  require(dim >= 1, "write_trajectories: bad dimension");
  std::size_t records = 0;
  for (const backend::Trajectory& p : t) {
    require(p.position.size() == p.step.size() * std::size_t(dim) && p.loss.size() == p.step.size(),
            "write_trajectories: trajectory of descent " + std::to_string(p.descent) +
                " has inconsistent lengths");
    records = std::max(records, p.step.size());
  }
  const auto k = static_cast<std::int64_t>(t.size());
  Handle g = h5::create_group(impl_->fid(), "trajectories");
  const hid_t gid = g.get();
  Handle tr = h5::create_index_scale(gid, "trajectory", k);
  describe(tr.get(), "trajectory index");
  Handle rec = h5::create_index_scale(gid, "record", static_cast<std::int64_t>(records));
  describe(rec.get(), "record index along a trajectory");
  Handle coord = schema::create_coord_scale(gid, dim);
  std::vector<std::int64_t> descent, length;
  for (const backend::Trajectory& p : t) {
    descent.push_back(p.descent);
    length.push_back(static_cast<std::int64_t>(p.step.size()));
  }
  const Shape rows = {hsize_t(k)};
  full_dataset(gid, "descent", rows, {tr.get()}, descent, "index of the descent traced");
  full_dataset(gid, "length", rows, {tr.get()}, length, "records in the trajectory");
  const Shape grid = {hsize_t(k), records}, cube = {hsize_t(k), records, hsize_t(dim)};
  // Row by row, so no padded copy of all trajectories is ever built; the
  // padding is the datasets' fill value.
  Handle step = int_dataset<std::int64_t>(gid, "step", grid, {tr.get(), rec.get()},
                                          "optimizer step of the record (-1: padding)");
  Handle pos = nan_dataset(gid, "position", cube, {tr.get(), rec.get(), coord.get()}, "position");
  Handle loss = nan_dataset(gid, "loss", grid, {tr.get(), rec.get()}, "loss");
  for (std::size_t i = 0; i < t.size(); ++i) {
    const hsize_t len = t[i].step.size();
    h5::write_slab(step.get(), H5T_NATIVE_INT64, {i, 0}, {1, len}, t[i].step.data());
    h5::write_slab(pos.get(), H5T_NATIVE_DOUBLE, {i, 0, 0}, {1, len, hsize_t(dim)},
                   t[i].position.data());
    h5::write_slab(loss.get(), H5T_NATIVE_DOUBLE, {i, 0}, {1, len}, t[i].loss.data());
  }
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::write_basin_metrics(const analysis::BasinMetrics& m) try {
  Handle g = h5::open_group(impl_->fid(), "basins");
  metrics::write_basin_metrics(g.get(), m);
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::write_sweep(const analysis::SweepTable& s) try {
  metrics::write_sweep(impl_->fid(), s);
} catch (const std::runtime_error& e) {
  rethrow_for(impl_->target, e);
}

void ResultWriter::commit() {
  Impl& s = *impl_;
  require(!s.committed, "commit: already committed");
  require(h5::has_attr(s.fid(), "format_version") && h5::has_attr(s.fid(), "program"),
          "commit: the root attributes format_version and program were never written");
  try {
    s.chunks.flush();
    // Chunks and metadata still cached are written here, so a disk that
    // fills up now is reported instead of lost in a close that cannot fail.
    h5::check_ok(H5Fflush(s.fid(), H5F_SCOPE_LOCAL), "cannot flush '" + s.tmp + "'");
    s.close_objects();
    s.file.close(("cannot close '" + s.tmp + "'").c_str());
  } catch (const DiskFull&) {
    throw DiskFull(disk_full_message(s.target));
  }
  sync_file(s.tmp);
  const int e = publish_file(s.tmp, s.target, s.replace_existing);
  if (e == EEXIST && !s.replace_existing) {
    s.committed = true;  // kept under its temporary name
    throw std::runtime_error(target_appeared_message(s.target, s.tmp));
  }
  if (e != 0)
    throw std::runtime_error("cannot rename '" + s.tmp + "' to '" + s.target +
                             "': " + std::strerror(e));
  s.committed = true;
}

}  // namespace trilo::io
