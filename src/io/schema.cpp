#include "io/schema.hpp"

#include <set>
#include <stdexcept>

namespace trilo::io::schema {

void describe(hid_t obj, const std::string& long_name, bool fraction) {
  h5::set_attr(obj, "long_name", long_name);
  if (fraction) h5::set_attr(obj, "units", std::string("1"));
}

void set_status_flags(hid_t dataset) {
  h5::set_flags(dataset, {0, 1, 2}, "converged max-steps diverged");
}

void set_kind_flags(hid_t dataset) {
  h5::set_flags(dataset, {0, 1, 2, 3}, "minimum saddle degenerate maximum");
}

h5::Handle nan_dataset(hid_t group, const std::string& name, const h5::Shape& dims,
                       const std::vector<hid_t>& scales, const std::string& long_name) {
  h5::Handle ds = h5::create_dataset<double>(group, name, dims, &kNaN);
  // NaN, so rows never written (an interrupted run) cannot pass for data;
  // _FillValue tells netCDF readers the same.
  h5::set_attr(ds.get(), "_FillValue", kNaN);
  h5::attach_scales(ds.get(), scales);
  describe(ds.get(), long_name);
  return ds;
}

h5::Handle create_coord_scale(hid_t group, int dim) {
  std::vector<std::int32_t> v(static_cast<std::size_t>(dim));
  for (int i = 0; i < dim; ++i) v[i] = i;
  h5::Handle s = h5::create_scale(group, "coord", v);
  describe(s.get(), "coordinate index");
  return s;
}

Lattice create_lattice(hid_t group, const GridAxes& a, const std::vector<std::string>& datasets) {
  if (a.name0.empty() || a.coord0.empty())
    throw std::runtime_error("lattice: the first axis needs a name and nodes");
  if (a.one_d() != a.coord1.empty())
    throw std::runtime_error("lattice: the second axis needs both a name and nodes");
  std::set<std::string> taken(datasets.begin(), datasets.end());
  for (const std::string* n : {&a.name0, &a.name1}) {
    if (n->empty()) continue;
    if (n->find('/') != std::string::npos || *n == "." || !taken.insert(*n).second)
      throw std::runtime_error("lattice: coordinate name '" + *n +
                               "' is not allowed here (it clashes with another name)");
  }
  auto scale = [&](const std::string& name, const std::vector<double>& v, int axis) {
    h5::Handle s = h5::create_scale(group, name, v);
    describe(s.get(), "coordinate " + name + " (axis " + std::to_string(axis) + " of the space)");
    return s;
  };
  Lattice l;
  l.scale0 = scale(a.name0, a.coord0, a.axis0);
  if (a.one_d()) {
    l.dims = {a.coord0.size()};
    l.scales = {l.scale0.get()};
  } else {
    l.scale1 = scale(a.name1, a.coord1, a.axis1);
    l.dims = {a.coord1.size(), a.coord0.size()};
    l.scales = {l.scale1.get(), l.scale0.get()};
  }
  h5::set_attr(group, "axis0", std::int64_t{a.axis0});
  h5::set_attr(group, "axis1", std::int64_t{a.one_d() ? -1 : a.axis1});
  h5::set_attr(group, "origin", a.origin);
  return l;
}

}  // namespace trilo::io::schema
