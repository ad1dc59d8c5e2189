#include "io/spectra_io.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <string>

#include "io/schema.hpp"

namespace trilo::io {

using h5::Handle;
using h5::Shape;
using schema::describe;

void write_density(hid_t file, const MinimaDensity& d, std::int64_t n_minima) {
  if (d.empty()) return;
  Handle g = h5::open_group(file, "minima");
  const hid_t gid = g.get();
  const auto n = static_cast<hsize_t>(n_minima);
  Handle idx = h5::open_dataset(gid, "minimum");
  Handle grid = h5::create_scale(gid, "eigenvalue", d.grid);
  describe(grid.get(), "Hessian eigenvalue: the axis of the density");
  Handle ds = schema::full_dataset(gid, "density", Shape{n, d.grid.size()}, {idx.get(), grid.get()}, d.density,
                                   "Hessian eigenvalue density (stochastic Lanczos quadrature, Gaussian-broadened; "
                                   "NaN: not examined)");
  h5::set_attr(ds.get(), "probes", std::int64_t{d.probes});
  h5::set_attr(ds.get(), "lanczos_steps", std::int64_t{d.steps});
  h5::set_attr(ds.get(), "sigma", d.sigma);
  Handle probe = h5::create_index_scale(gid, "probe", d.probes);
  describe(probe.get(), "index of the Rademacher probe vector");
  Handle node = h5::create_index_scale(gid, "node", d.steps);
  describe(node.get(), "index of the quadrature node, ascending");
  const Shape cube = {n, static_cast<hsize_t>(d.probes), static_cast<hsize_t>(d.steps)};
  const std::vector<hid_t> by_node = {idx.get(), probe.get(), node.get()};
  schema::full_dataset(gid, "density_nodes", cube, by_node, d.nodes,
                       "Gauss quadrature nodes: Ritz values of the probe's Lanczos tridiagonal (NaN: none)");
  schema::full_dataset(gid, "density_weights", cube, by_node, d.weights,
                       "Gauss quadrature weights: squared first components of the tridiagonal's eigenvectors");
}

bool read_density(const std::string& path, MinimaDensity& d, std::vector<std::int64_t>& count) try {
  h5::silence_errors();
  Handle f = h5::owned(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open '" + path + "'");
  if (!h5::exists(f.get(), "minima")) return false;
  Handle g = h5::open_group(f.get(), "minima");
  if (!h5::exists(g.get(), "density")) return false;
  d.grid = h5::read<double>(g.get(), "eigenvalue");
  d.density = h5::read<double>(g.get(), "density");
  count = h5::read<std::int64_t>(g.get(), "count");
  h5::require(!d.grid.empty() && d.density.size() == count.size() * d.grid.size(),
              "/minima/density: not one row of the eigenvalue axis per minimum");
  return true;
} catch (const std::runtime_error& e) {
  const std::string what = e.what();
  if (what.find(path) != std::string::npos) throw;
  throw std::runtime_error("'" + path + "': " + what);
}

namespace {

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// A barrier matrix (n x n) in one line: pairs computed, lowest and highest.
std::string barrier_text(const std::vector<double>& m, std::size_t n, std::int64_t points) {
  std::size_t pairs = 0, lo_a = 0, lo_b = 0, hi_a = 0, hi_b = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = a + 1; b < n; ++b) {
      const double v = m[a * n + b];
      if (std::isnan(v)) continue;
      ++pairs;
      if (v < lo) lo = v, lo_a = a, lo_b = b;
      if (v > hi) hi = v, hi_a = a, hi_b = b;
    }
  std::ostringstream out;
  out << pairs << (pairs == 1 ? " pair" : " pairs") << " (" << points << " points)";
  if (pairs > 0)
    out << ", lowest " << short_number(lo) << " (#" << lo_a << "-#" << lo_b << "), highest " << short_number(hi)
        << " (#" << hi_a << "-#" << hi_b << ")";
  return out.str();
}

}  // namespace

std::string describe_spectra(const std::string& path) try {
  h5::silence_errors();
  Handle f = h5::owned(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "cannot open '" + path + "'");
  if (!h5::exists(f.get(), "minima")) return {};
  Handle g = h5::open_group(f.get(), "minima");
  const auto attr_int = [](hid_t obj, const char* name) { return std::get<std::int64_t>(h5::read_attr(obj, name)); };
  std::ostringstream out;
  const std::size_t n = h5::read<std::int64_t>(g.get(), "count").size();
  if (h5::exists(g.get(), "density")) {
    const std::vector<double> nodes = h5::read<double>(g.get(), "density_nodes");
    Handle ds = h5::open_dataset(g.get(), "density");
    const std::int64_t probes = attr_int(ds.get(), "probes"), steps = attr_int(ds.get(), "lanczos_steps");
    const double sigma = std::get<double>(h5::read_attr(ds.get(), "sigma"));
    const std::size_t per = static_cast<std::size_t>(probes * steps);
    std::size_t examined = 0;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t k = 0; per > 0 && k < n && (k + 1) * per <= nodes.size(); ++k) {
      bool any = false;
      for (std::size_t j = k * per; j < (k + 1) * per; ++j)
        if (!std::isnan(nodes[j])) any = true, lo = std::min(lo, nodes[j]), hi = std::max(hi, nodes[j]);
      examined += any;
    }
    out << "  /minima/density  eigenvalue density at " << examined << " of " << n << " minima (SLQ, " << probes
        << " probes x " << steps << " steps, sigma " << short_number(sigma) << ")";
    if (examined > 0) out << ", eigenvalues " << short_number(lo) << " .. " << short_number(hi);
    out << "\n";
  }
  for (const char* name : {"barriers", "bezier_barriers"}) {
    if (!h5::exists(g.get(), name)) continue;
    Handle ds = h5::open_dataset(g.get(), name);
    const std::vector<double> m = h5::read<double>(g.get(), name);
    h5::require(m.size() == n * n, std::string("/minima/") + name + ": not minima x minima");
    const std::string label = std::string("/minima/") + name;
    out << "  " << label << "  " << (std::string(name) == "barriers" ? "straight line: " : "Bezier path: ")
        << barrier_text(m, n, attr_int(ds.get(), "points")) << "\n";
  }
  return out.str();
} catch (const std::runtime_error& e) {
  const std::string what = e.what();
  if (what.find(path) != std::string::npos) throw;
  throw std::runtime_error("'" + path + "': " + what);
}

void write_barriers(hid_t file, const MinimaBarriers& b, std::int64_t n_minima, std::int64_t params) {
  if (b.empty()) return;
  const auto n = static_cast<hsize_t>(n_minima);
  {
    Handle g = h5::open_group(file, "minima");
    const hid_t gid = g.get();
    Handle idx = h5::open_dataset(gid, "minimum");
    Handle other = h5::create_index_scale(gid, "minimum_other", n_minima);
    describe(other.get(), "index of the minimum, for the second axis of a barrier matrix");
    const std::vector<hid_t> pair_axes = {idx.get(), other.get()};
    Handle line = schema::full_dataset(gid, "barriers", Shape{n, n}, pair_axes, b.line,
                                       "loss barrier along the straight line (0 on the diagonal; NaN: not computed)");
    h5::set_attr(line.get(), "points", std::int64_t{b.points});
    if (b.bezier_steps > 0) {
      Handle bez = schema::full_dataset(gid, "bezier_barriers", Shape{n, n}, pair_axes, b.bezier,
                                        "loss barrier along the trained quadratic Bezier path (0 on the diagonal; "
                                        "NaN: not computed)");
      h5::set_attr(bez.get(), "points", std::int64_t{b.points});
      h5::set_attr(bez.get(), "bezier_steps", b.bezier_steps);
    }
  }
  Handle g = h5::create_group(file, "barriers");
  const hid_t gid = g.get();
  const auto pairs = static_cast<hsize_t>(b.minimum_a.size());
  h5::set_attr(gid, "n_pairs", static_cast<std::int64_t>(pairs));
  h5::set_attr(gid, "loss", std::string("mean loss over the whole training set (plus the L2 term), float64"));
  Handle pair = h5::create_index_scale(gid, "pair", static_cast<std::int64_t>(pairs));
  describe(pair.get(), "index of the pair of minima");
  Handle t = h5::create_scale(gid, "t", b.t);
  describe(t.get(), "path parameter: 0 at minimum_a, 1 at minimum_b");
  const std::vector<hid_t> by_pair = {pair.get()}, by_point = {pair.get(), t.get()};
  schema::full_dataset(gid, "minimum_a", Shape{pairs}, by_pair, b.minimum_a, "the path's start: index into /minima");
  schema::full_dataset(gid, "minimum_b", Shape{pairs}, by_pair, b.minimum_b, "the path's end: index into /minima");
  const Shape curve = {pairs, b.t.size()};
  schema::full_dataset(gid, "line_loss", curve, by_point, b.line_loss, "loss along the straight line");
  if (b.bezier_steps == 0) return;
  h5::set_attr(gid, "bezier_steps", b.bezier_steps);
  h5::set_attr(gid, "bezier_lr", b.bezier_lr);
  h5::set_attr(gid, "bezier_batch", b.bezier_batch);
  schema::full_dataset(gid, "bezier_loss", curve, by_point, b.bezier_loss, "loss along the trained Bezier path");
  Handle param = h5::create_index_scale(gid, "param", params);
  describe(param.get(), "index into the flat weight vector (docs/networks.md)");
  schema::full_dataset(gid, "bezier_control", Shape{pairs, static_cast<hsize_t>(params)}, {pair.get(), param.get()},
                       b.bezier_control, "the trained control point c of (1-t)^2 a + 2t(1-t) c + t^2 b");
}

}  // namespace trilo::io
