#include "io/metrics_io.hpp"

#include <stdexcept>

#include "core/descent.hpp"
#include "io/schema.hpp"

namespace trilo::io::metrics {

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

void write_minima_statistics(hid_t g, hid_t minimum_scale, const analysis::MinimaTable& t) {
  const auto m = static_cast<std::size_t>(t.n_minima);
  const std::vector<const std::vector<double>*> cols = {
      &t.fraction_ci_lo, &t.fraction_ci_hi, &t.basin_fraction_ci_lo, &t.basin_fraction_ci_hi,
      &t.steps_p50,      &t.steps_p90,      &t.steps_p99};
  // A table built by hand without these columns (all empty) is written
  // without them, as files from before they existed; the jobs always fill them.
  bool any = false;
  for (const auto* c : cols) any = any || !c->empty();
  if (!any) return;
  for (const auto* c : cols)
    require(c->size() == m, "write_minima: interval and percentile columns do not match n_minima = " +
                                std::to_string(m));
  const Shape rows = {m};
  const std::vector<hid_t> by_row = {minimum_scale};
  full_dataset(g, "fraction_ci_lo", rows, by_row, t.fraction_ci_lo,
               "lower end of the 95% Wilson interval of fraction", true);
  full_dataset(g, "fraction_ci_hi", rows, by_row, t.fraction_ci_hi,
               "upper end of the 95% Wilson interval of fraction", true);
  full_dataset(g, "basin_fraction_ci_lo", rows, by_row, t.basin_fraction_ci_lo,
               "lower end of the 95% Wilson interval of basin_fraction", true);
  full_dataset(g, "basin_fraction_ci_hi", rows, by_row, t.basin_fraction_ci_hi,
               "upper end of the 95% Wilson interval of basin_fraction", true);
  full_dataset(g, "steps_p50", rows, by_row, t.steps_p50,
               "50th percentile (nearest rank) of the steps of the descents counted");
  full_dataset(g, "steps_p90", rows, by_row, t.steps_p90,
               "90th percentile (nearest rank) of the steps of the descents counted");
  full_dataset(g, "steps_p99", rows, by_row, t.steps_p99,
               "99th percentile (nearest rank) of the steps of the descents counted");
}

void read_minima_statistics(hid_t g, analysis::MinimaTable& t) {
  const std::pair<const char*, std::vector<double>*> cols[] = {
      {"fraction_ci_lo", &t.fraction_ci_lo},
      {"fraction_ci_hi", &t.fraction_ci_hi},
      {"basin_fraction_ci_lo", &t.basin_fraction_ci_lo},
      {"basin_fraction_ci_hi", &t.basin_fraction_ci_hi},
      {"steps_p50", &t.steps_p50},
      {"steps_p90", &t.steps_p90},
      {"steps_p99", &t.steps_p99}};
  for (const auto& [name, col] : cols)
    if (h5::exists(g, name)) *col = read<double>(g, name);
}

void write_plateaus(hid_t file, const std::vector<analysis::Plateau>& ps, int dim) {
  if (ps.empty()) return;
  const std::size_t k = ps.size(), d = static_cast<std::size_t>(dim);
  std::vector<double> loss_lo, loss_hi, lo, hi;
  std::vector<std::int64_t> points, count, basin_count;
  for (const analysis::Plateau& p : ps) {
    require(p.extent_lo.size() == d && p.extent_hi.size() == d, "write_plateaus: extent is not of dimension " +
                                                                     std::to_string(dim));
    loss_lo.push_back(p.loss_lo);
    loss_hi.push_back(p.loss_hi);
    lo.insert(lo.end(), p.extent_lo.begin(), p.extent_lo.end());
    hi.insert(hi.end(), p.extent_hi.begin(), p.extent_hi.end());
    points.push_back(p.points);
    count.push_back(p.count);
    basin_count.push_back(p.basin_count);
  }
  Handle g = h5::create_group(file, "plateaus");
  const hid_t gid = g.get();
  Handle index = h5::create_index_scale(gid, "plateau", static_cast<std::int64_t>(k));
  describe(index.get(), "index of the plateau, by increasing loss");
  Handle coord = schema::create_coord_scale(gid, dim);
  const Shape rows = {k}, box = {k, d};
  const std::vector<hid_t> by_row = {index.get()}, by_box = {index.get(), coord.get()};
  full_dataset(gid, "loss_lo", rows, by_row, loss_lo, "lowest loss of its flat points");
  full_dataset(gid, "loss_hi", rows, by_row, loss_hi, "highest loss of its flat points");
  full_dataset(gid, "extent_lo", box, by_box, lo, "lower corner of the box holding its flat points");
  full_dataset(gid, "extent_hi", box, by_box, hi, "upper corner of the box holding its flat points");
  full_dataset(gid, "points", rows, by_row, points, "distinct flat points gathered");
  full_dataset(gid, "count", rows, by_row, count, "descents or searches that stopped on it");
  full_dataset(gid, "basin_count", rows, by_row, basin_count, "basin-map cells that stopped on it");
  h5::set_attr(gid, "flat_rel_tol", analysis::kFlatRelTol);
}

std::vector<analysis::Plateau> read_plateaus(hid_t file, int dim) {
  std::vector<analysis::Plateau> out;
  if (!h5::exists(file, "plateaus")) return out;
  Handle grp = h5::open_group(file, "plateaus");
  const hid_t g = grp.get();
  const auto k = static_cast<std::size_t>(length(g, "plateau")), d = static_cast<std::size_t>(dim);
  const std::vector<double> loss_lo = read<double>(g, "loss_lo"), loss_hi = read<double>(g, "loss_hi");
  const std::vector<double> lo = read<double>(g, "extent_lo"), hi = read<double>(g, "extent_hi");
  const std::vector<std::int64_t> points = read<std::int64_t>(g, "points"),
                                  count = read<std::int64_t>(g, "count"),
                                  basin_count = read<std::int64_t>(g, "basin_count");
  require(loss_lo.size() == k && loss_hi.size() == k && lo.size() == k * d && hi.size() == k * d &&
              points.size() == k && count.size() == k && basin_count.size() == k,
          "/plateaus: columns do not match " + std::to_string(k) + " plateaus of dimension " +
              std::to_string(dim));
  for (std::size_t i = 0; i < k; ++i) {
    analysis::Plateau p;
    p.loss_lo = loss_lo[i];
    p.loss_hi = loss_hi[i];
    p.extent_lo.assign(lo.begin() + i * d, lo.begin() + (i + 1) * d);
    p.extent_hi.assign(hi.begin() + i * d, hi.begin() + (i + 1) * d);
    p.points = points[i];
    p.count = count[i];
    p.basin_count = basin_count[i];
    out.push_back(std::move(p));
  }
  return out;
}

void write_basin_metrics(hid_t g, const analysis::BasinMetrics& m) {
  h5::set_attr(g, "basin_entropy", m.basin_entropy);
  h5::set_attr(g, "boundary_basin_entropy", m.boundary_basin_entropy);
  h5::set_attr(g, "entropy_box", m.entropy_box);
  h5::set_attr(g, "n_boxes", m.n_boxes);
  h5::set_attr(g, "n_boundary_boxes", m.n_boundary_boxes);
  h5::set_attr(g, "fractal_boundary", std::int64_t{m.fractal_boundary ? 1 : 0});
  h5::set_attr(g, "boundary_fraction", m.boundary_fraction);
  h5::set_attr(g, "n_boundary_cells", m.n_boundary_cells);
}

bool read_basin_metrics(hid_t g, analysis::BasinMetrics& m) {
  if (!h5::has_attr(g, "basin_entropy")) return false;
  m.basin_entropy = real_attr(g, "basin_entropy");
  m.boundary_basin_entropy = real_attr(g, "boundary_basin_entropy");
  m.entropy_box = int_attr(g, "entropy_box");
  m.n_boxes = int_attr(g, "n_boxes");
  m.n_boundary_boxes = int_attr(g, "n_boundary_boxes");
  m.fractal_boundary = int_attr(g, "fractal_boundary") != 0;
  m.boundary_fraction = real_attr(g, "boundary_fraction");
  m.n_boundary_cells = int_attr(g, "n_boundary_cells");
  return true;
}

void write_sweep(hid_t file, const analysis::SweepTable& s) {
  const auto nv = static_cast<std::size_t>(s.n_settings()), m = static_cast<std::size_t>(s.n_minima);
  require(s.count.size() == nv * m && s.fraction.size() == nv * m &&
              s.fraction_ci_lo.size() == nv * m && s.fraction_ci_hi.size() == nv * m &&
              s.quenched_count.size() == nv * m && s.quenched_fraction.size() == nv * m &&
              s.quenched_fraction_ci_lo.size() == nv * m &&
              s.quenched_fraction_ci_hi.size() == nv * m &&
              s.fraction_diverged.size() == nv && s.fraction_max_steps.size() == nv &&
              s.median_steps.size() == nv,
          "write_sweep: column sizes do not match " + std::to_string(nv) + " settings x " +
              std::to_string(m) + " points");
  Handle g = h5::create_group(file, "sweep");
  const hid_t gid = g.get();
  h5::set_attr(gid, "parameter", s.parameter);
  h5::set_attr(gid, "spacing", s.spacing);
  h5::set_attr(gid, "n_starts", s.n_starts);
  h5::set_attr(gid, "n_values", s.n_values());
  h5::set_attr(gid, "n_minima", s.n_minima);
  Handle value = h5::create_scale(gid, "value", s.value);
  describe(value.get(), "value of " + s.parameter);
  Handle index = h5::create_index_scale(gid, "minimum", s.n_minima);
  describe(index.get(), "index into /minima");
  // A 2-D sweep: every per-setting dataset has the dimensions (value, value2).
  Shape rows = {nv}, table = {nv, m};
  std::vector<hid_t> by_value = {value.get()}, by_cell = {value.get(), index.get()};
  Handle value2;
  if (s.two_dimensional()) {
    h5::set_attr(gid, "parameter2", s.parameter2);
    h5::set_attr(gid, "spacing2", s.spacing2);
    h5::set_attr(gid, "n_values2", s.n_values2());
    value2 = h5::create_scale(gid, "value2", s.value2);
    describe(value2.get(), "value of " + s.parameter2);
    const auto n1 = static_cast<hsize_t>(s.n_values()), n2 = static_cast<hsize_t>(s.n_values2());
    rows = {n1, n2};
    table = {n1, n2, m};
    by_value = {value.get(), value2.get()};
    by_cell = {value.get(), value2.get(), index.get()};
  }
  full_dataset(gid, "count", table, by_cell, s.count, "starts that reached the point");
  full_dataset(gid, "fraction", table, by_cell, s.fraction,
               "fraction of starts that reached the point", true);
  full_dataset(gid, "fraction_ci_lo", table, by_cell, s.fraction_ci_lo,
               "lower end of the 95% Wilson interval of fraction", true);
  full_dataset(gid, "fraction_ci_hi", table, by_cell, s.fraction_ci_hi,
               "upper end of the 95% Wilson interval of fraction", true);
  full_dataset(gid, "quenched_count", table, by_cell, s.quenched_count,
               "starts whose end point, quenched without noise, reached the point");
  full_dataset(gid, "quenched_fraction", table, by_cell, s.quenched_fraction,
               "fraction of starts whose end point, quenched without noise, reached the point", true);
  full_dataset(gid, "quenched_fraction_ci_lo", table, by_cell, s.quenched_fraction_ci_lo,
               "lower end of the 95% Wilson interval of quenched_fraction", true);
  full_dataset(gid, "quenched_fraction_ci_hi", table, by_cell, s.quenched_fraction_ci_hi,
               "upper end of the 95% Wilson interval of quenched_fraction", true);
  full_dataset(gid, "fraction_diverged", rows, by_value, s.fraction_diverged,
               "fraction of starts that diverged", true);
  full_dataset(gid, "fraction_max_steps", rows, by_value, s.fraction_max_steps,
               "fraction of starts that ran out of steps (not converged)", true);
  if (s.fraction_bounced.size() == nv)
    full_dataset(gid, "fraction_bounced", rows, by_value, s.fraction_bounced,
                 "fraction of starts that ran out of steps bouncing (the update reversing its "
                 "direction at each of the last " + std::to_string(kBounceWindow) +
                     " steps); part of fraction_max_steps", true);
  full_dataset(gid, "median_steps", rows, by_value, s.median_steps,
               "median (nearest rank) steps of the converged descents");
}

analysis::SweepTable read_sweep(hid_t file) {
  Handle g = h5::open_group(file, "sweep");
  const hid_t gid = g.get();
  analysis::SweepTable s;
  s.parameter = text_attr(gid, "parameter");
  s.spacing = text_attr(gid, "spacing");
  s.n_starts = int_attr(gid, "n_starts");
  s.value = read<double>(gid, "value");
  if (h5::exists(gid, "value2")) {
    s.parameter2 = text_attr(gid, "parameter2");
    s.spacing2 = text_attr(gid, "spacing2");
    s.value2 = read<double>(gid, "value2");
  }
  s.n_minima = static_cast<std::int64_t>(read<std::int64_t>(gid, "minimum").size());
  s.count = read<std::int64_t>(gid, "count");
  s.fraction = read<double>(gid, "fraction");
  s.fraction_ci_lo = read<double>(gid, "fraction_ci_lo");
  s.fraction_ci_hi = read<double>(gid, "fraction_ci_hi");
  s.quenched_count = read<std::int64_t>(gid, "quenched_count");
  s.quenched_fraction = read<double>(gid, "quenched_fraction");
  s.quenched_fraction_ci_lo = read<double>(gid, "quenched_fraction_ci_lo");
  s.quenched_fraction_ci_hi = read<double>(gid, "quenched_fraction_ci_hi");
  s.fraction_diverged = read<double>(gid, "fraction_diverged");
  s.fraction_max_steps = read<double>(gid, "fraction_max_steps");
  s.median_steps = read<double>(gid, "median_steps");
  if (h5::exists(gid, "fraction_bounced")) s.fraction_bounced = read<double>(gid, "fraction_bounced");
  const auto nv = static_cast<std::size_t>(s.n_settings()), nm = nv * static_cast<std::size_t>(s.n_minima);
  require(s.count.size() == nm && s.fraction.size() == nm && s.fraction_ci_lo.size() == nm &&
              s.fraction_ci_hi.size() == nm && s.quenched_count.size() == nm &&
              s.quenched_fraction.size() == nm && s.quenched_fraction_ci_lo.size() == nm &&
              s.quenched_fraction_ci_hi.size() == nm && s.fraction_diverged.size() == nv &&
              s.fraction_max_steps.size() == nv && s.median_steps.size() == nv &&
              (s.fraction_bounced.empty() || s.fraction_bounced.size() == nv),
          "/sweep: columns do not match " + std::to_string(nv) + " settings x " +
              std::to_string(s.n_minima) + " points");
  return s;
}

}  // namespace trilo::io::metrics
