#include "io/critical_io.hpp"

#include <stdexcept>

#include "io/metrics_io.hpp"
#include "io/result_writer.hpp"
#include "io/schema.hpp"

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
using schema::describe;
using schema::full_dataset;

using h5::require;

}  // namespace

void write_curvature(hid_t g, const analysis::Curvature& c, const std::vector<hid_t>& by_row) {
  const Shape rows = {c.hessian_trace.size()};
  full_dataset(g, "hessian_trace", rows, by_row, c.hessian_trace,
               "trace of the Hessian (minima only; NaN elsewhere)");
  full_dataset(g, "lambda_max", rows, by_row, c.lambda_max, "largest Hessian eigenvalue (minima only)");
  full_dataset(g, "lambda_min", rows, by_row, c.lambda_min, "smallest Hessian eigenvalue (minima only)");
  full_dataset(g, "condition_number", rows, by_row, c.condition_number,
               "lambda_max / lambda_min (minima only)");
  full_dataset(g, "log_det", rows, by_row, c.log_det,
               "log-determinant of the Hessian (minima only)");
}

analysis::Curvature read_curvature(hid_t g) {
  return {read<double>(g, "hessian_trace"), read<double>(g, "lambda_max"),
          read<double>(g, "lambda_min"), read<double>(g, "condition_number"),
          read<double>(g, "log_det")};
}

void ResultWriter::write_critical(const analysis::CriticalTable& t) try {
  const std::int64_t m = t.n_points;
  const auto mu = static_cast<std::size_t>(m), md = mu * static_cast<std::size_t>(t.dim);
  require(m >= 0 && t.dim >= 1, "write_critical: bad table shape");
  require(t.position.size() == md && t.eigenvalues.size() == md && t.loss.size() == mu &&
              t.grad_norm.size() == mu && t.morse_index.size() == mu && t.kind.size() == mu &&
              t.count.size() == mu && t.curvature.hessian_trace.size() == mu,
          "write_critical: column sizes do not match n_points = " + std::to_string(m));
  Handle g = h5::create_group(file_id(), "critical");
  const hid_t gid = g.get();
  Handle index = h5::create_index_scale(gid, "point", m);
  describe(index.get(), "index of the critical point, by increasing loss");
  Handle coord = schema::create_coord_scale(gid, t.dim);
  const Shape rows = {mu}, points = {mu, hsize_t(t.dim)};
  const std::vector<hid_t> by_row = {index.get()}, by_point = {index.get(), coord.get()};
  full_dataset(gid, "position", points, by_point, t.position, "position");
  full_dataset(gid, "loss", rows, by_row, t.loss, "loss");
  full_dataset(gid, "grad_norm", rows, by_row, t.grad_norm, "gradient norm after polishing");
  full_dataset(gid, "eigenvalues", points, by_point, t.eigenvalues, "Hessian eigenvalues, ascending");
  full_dataset(gid, "morse_index", rows, by_row, t.morse_index, "number of negative eigenvalues");
  Handle kind = full_dataset(gid, "kind", rows, by_row, t.kind, "kind of critical point");
  schema::set_kind_flags(kind.get());
  full_dataset(gid, "count", rows, by_row, t.count, "searches that reached it");
  write_curvature(gid, t.curvature, by_row);
  h5::set_attr(gid, "n_points", m);
  h5::set_attr(gid, "n_minima", t.n_minima);
  h5::set_attr(gid, "n_saddles", t.n_saddles);
  h5::set_attr(gid, "n_maxima", t.n_maxima);
  h5::set_attr(gid, "n_degenerate", t.n_degenerate);
  h5::set_attr(gid, "euler_characteristic", t.euler_characteristic);
  h5::set_attr(gid, "n_starts", t.n_starts);
  h5::set_attr(gid, "n_outside", t.n_outside);
  h5::set_attr(gid, "merge_tol", t.merge_tol);
  h5::set_attr(gid, "method", t.method);
  metrics::write_plateaus(file_id(), t.plateaus, t.dim);
} catch (const std::runtime_error& e) {
  throw std::runtime_error("writing '" + temporary_path() + "': " + e.what());
}

void ResultWriter::write_connections(const analysis::Connections& c) try {
  const std::size_t s = c.saddle.size(), k = c.minimum_row.size(), nodes = c.tree_level.size();
  require(c.minimum_a.size() == s && c.minimum_b.size() == s && c.barrier_a.size() == s &&
              c.barrier_b.size() == s,
          "write_connections: column sizes do not match the number of saddles");
  require(c.merge_level.empty() || c.merge_level.size() == k * k,
          "write_connections: merge_level is not k x k");
  require(c.tree_left.size() == nodes && c.tree_right.size() == nodes && c.tree_saddle.size() == nodes,
          "write_connections: tree columns differ in length");
  Handle g = h5::create_group(file_id(), "connections");
  const hid_t gid = g.get();
  Handle conn = h5::create_index_scale(gid, "connection", static_cast<std::int64_t>(s));
  describe(conn.get(), "index of the index-1 saddle's connection");
  const std::vector<hid_t> by_conn = {conn.get()};
  const Shape rows = {s};
  full_dataset(gid, "saddle", rows, by_conn, c.saddle, "row in /critical of the saddle");
  full_dataset(gid, "minimum_a", rows, by_conn, c.minimum_a,
               "row in /critical of the minimum reached along -v (-1: none)");
  full_dataset(gid, "minimum_b", rows, by_conn, c.minimum_b,
               "row in /critical of the minimum reached along +v (-1: none)");
  full_dataset(gid, "barrier_a", rows, by_conn, c.barrier_a, "saddle loss minus minimum_a's loss");
  full_dataset(gid, "barrier_b", rows, by_conn, c.barrier_b, "saddle loss minus minimum_b's loss");
  Handle leaf = h5::create_index_scale(gid, "minimum", static_cast<std::int64_t>(k));
  describe(leaf.get(), "index of the minimum (leaf of the merge tree)");
  full_dataset(gid, "minimum_row", Shape{k}, {leaf.get()}, c.minimum_row,
               "row in /critical of the minimum");
  if (!c.merge_level.empty() || k == 0) {
    Handle other = h5::create_index_scale(gid, "minimum_other", static_cast<std::int64_t>(k));
    describe(other.get(), "index of the minimum");
    full_dataset(gid, "merge_level", Shape{k, k}, {leaf.get(), other.get()}, c.merge_level,
                 "lowest saddle loss joining the two minima (NaN: not joined)");
  }
  Handle node = h5::create_index_scale(gid, "node", static_cast<std::int64_t>(nodes));
  describe(node.get(), "internal node of the merge tree (id = number of minima + node)");
  const std::vector<hid_t> by_node = {node.get()};
  full_dataset(gid, "tree_left", Shape{nodes}, by_node, c.tree_left, "first child's node id");
  full_dataset(gid, "tree_right", Shape{nodes}, by_node, c.tree_right, "second child's node id");
  full_dataset(gid, "tree_level", Shape{nodes}, by_node, c.tree_level, "loss at which they merge");
  full_dataset(gid, "tree_saddle", Shape{nodes}, by_node, c.tree_saddle,
               "row in /critical of the saddle that joins them");
  h5::set_attr(gid, "n_minima", static_cast<std::int64_t>(k));
} catch (const std::runtime_error& e) {
  throw std::runtime_error("writing '" + temporary_path() + "': " + e.what());
}

void read_critical(hid_t file, analysis::CriticalTable& t) {
  Handle grp = h5::open_group(file, "critical");
  const hid_t g = grp.get();
  t.n_points = length(g, "point");
  t.dim = static_cast<int>(length(g, "coord"));
  t.position = read<double>(g, "position");
  t.loss = read<double>(g, "loss");
  t.grad_norm = read<double>(g, "grad_norm");
  t.eigenvalues = read<double>(g, "eigenvalues");
  t.morse_index = read<std::int32_t>(g, "morse_index");
  t.kind = read<std::int8_t>(g, "kind");
  t.count = read<std::int64_t>(g, "count");
  t.curvature = read_curvature(g);
  t.n_minima = int_attr(g, "n_minima");
  t.n_saddles = int_attr(g, "n_saddles");
  t.n_maxima = int_attr(g, "n_maxima");
  t.n_degenerate = int_attr(g, "n_degenerate");
  t.euler_characteristic = int_attr(g, "euler_characteristic");
  t.n_starts = int_attr(g, "n_starts");
  t.n_outside = int_attr(g, "n_outside");
  t.merge_tol = real_attr(g, "merge_tol");
  t.method = text_attr(g, "method");
  // Every consumer indexes the columns by one another's lengths.
  require(t.dim >= 1 && t.dim <= 64, "/critical: dimension " + std::to_string(t.dim) + " is outside 1..64");
  const auto m = static_cast<std::size_t>(t.n_points), md = m * static_cast<std::size_t>(t.dim);
  require(t.position.size() == md && t.eigenvalues.size() == md && t.loss.size() == m &&
              t.grad_norm.size() == m && t.morse_index.size() == m && t.kind.size() == m &&
              t.count.size() == m && t.curvature.hessian_trace.size() == m &&
              t.curvature.lambda_max.size() == m && t.curvature.lambda_min.size() == m &&
              t.curvature.condition_number.size() == m && t.curvature.log_det.size() == m,
          "/critical: columns do not match " + std::to_string(m) + " points of dimension " +
              std::to_string(t.dim));
  t.plateaus = metrics::read_plateaus(file, t.dim);
}

void read_connections(hid_t file, analysis::Connections& c) {
  Handle grp = h5::open_group(file, "connections");
  const hid_t g = grp.get();
  c.saddle = read<std::int64_t>(g, "saddle");
  c.minimum_a = read<std::int64_t>(g, "minimum_a");
  c.minimum_b = read<std::int64_t>(g, "minimum_b");
  c.barrier_a = read<double>(g, "barrier_a");
  c.barrier_b = read<double>(g, "barrier_b");
  c.minimum_row = read<std::int64_t>(g, "minimum_row");
  if (h5::exists(g, "merge_level")) c.merge_level = read<double>(g, "merge_level");
  c.tree_left = read<std::int64_t>(g, "tree_left");
  c.tree_right = read<std::int64_t>(g, "tree_right");
  c.tree_level = read<double>(g, "tree_level");
  c.tree_saddle = read<std::int64_t>(g, "tree_saddle");
  const std::size_t s = c.saddle.size(), k = c.minimum_row.size(), nodes = c.tree_level.size();
  require(c.minimum_a.size() == s && c.minimum_b.size() == s && c.barrier_a.size() == s &&
              c.barrier_b.size() == s && (c.merge_level.empty() || c.merge_level.size() == k * k) &&
              c.tree_left.size() == nodes && c.tree_right.size() == nodes && c.tree_saddle.size() == nodes,
          "/connections: columns of different lengths");
}

}  // namespace trilo::io
