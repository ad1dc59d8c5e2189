// The conventions of the result schema (docs/format.md) that every group
// shares: CF attributes, fill values, flag codes, and lattice coordinates.
// Internal to src/io.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "io/hdf5_util.hpp"
#include "io/result_writer.hpp"

namespace trilo::io::schema {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Fill of integer datasets: "none" (labels) or "never written" (steps, status).
inline constexpr std::int64_t kNoIndex = -1;

// CF long_name; units "1" marks a dimensionless fraction.
void describe(hid_t obj, const std::string& long_name, bool fraction = false);
// CF flag_values/flag_meanings of DescentStatus and of analysis::PointKind.
void set_status_flags(hid_t dataset);
void set_kind_flags(hid_t dataset);

// A float64 dataset that reads NaN wherever nothing was written.
h5::Handle nan_dataset(hid_t group, const std::string& name, const h5::Shape& dims,
                       const std::vector<hid_t>& scales, const std::string& long_name);

// An integer dataset that reads -1 wherever nothing was written. No
// _FillValue attribute: xarray would turn it into floats with NaN, and -1 is
// a meaningful "none" here.
template <class T>
h5::Handle int_dataset(hid_t group, const std::string& name, const h5::Shape& dims,
                       const std::vector<hid_t>& scales, const std::string& long_name) {
  const T fill = static_cast<T>(kNoIndex);
  h5::Handle ds = h5::create_dataset<T>(group, name, dims, &fill);
  h5::attach_scales(ds.get(), scales);
  describe(ds.get(), long_name);
  return ds;
}

// A dataset written whole at creation.
template <class T>
h5::Handle full_dataset(hid_t group, const std::string& name, const h5::Shape& dims,
                        const std::vector<hid_t>& scales, const std::vector<T>& values,
                        const std::string& long_name, bool fraction = false) {
  h5::Handle ds = h5::create_dataset<T>(group, name, dims);
  h5::write_all(ds.get(), values);
  h5::attach_scales(ds.get(), scales);
  describe(ds.get(), long_name, fraction);
  return ds;
}

// The `coord` scale: 0, 1, ..., dim - 1.
h5::Handle create_coord_scale(hid_t group, int dim);

// The coordinate scales of a lattice and the (n1, n0) or (n0) shape they span.
struct Lattice {
  h5::Handle scale0, scale1;
  h5::Shape dims;
  std::vector<hid_t> scales;  // in dimension order
};

// Writes the lattice's scales and the group's axis0/axis1/origin attributes.
// Throws when a coordinate name is empty, holds '/', or equals another
// name in `datasets` (the other datasets the group will hold).
Lattice create_lattice(hid_t group, const GridAxes& a, const std::vector<std::string>& datasets);

}  // namespace trilo::io::schema
