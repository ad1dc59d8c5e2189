// HDF5 data files: a features dataset (rows x features; a higher rank is
// flattened per row, 1-D is one feature) and a labels dataset (rows, or
// rows x 1), of any integer or floating type, read as stored.
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/hdf5_util.hpp"
#include "nn/data_sources.hpp"

namespace trilo::nn {
namespace {

namespace h5 = trilo::io::h5;

std::string shape_text(const h5::Shape& dims) {
  if (dims.empty()) return "a scalar";
  std::string s;
  for (hsize_t d : dims) s += (s.empty() ? "" : " x ") + std::to_string(d);
  return s;
}

struct Array {
  h5::Shape dims;
  std::vector<double> values;
};

Array read_numbers(const DataSource& src, hid_t file, const std::string& name) {
  if (!h5::exists(file, name)) {
    H5Eclear2(H5E_DEFAULT);
    src.fail("no dataset '" + printable(name, 80) + "'");
  }
  const hid_t id = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  if (id < 0) {
    H5Eclear2(H5E_DEFAULT);
    src.fail("'" + printable(name, 80) + "' is not a dataset");
  }
  h5::Handle ds(id, H5Dclose);
  const h5::Handle type = h5::owned(H5Dget_type(ds.get()), H5Tclose, "cannot get a type");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    src.fail("'" + printable(name, 80) + "' does not hold numbers (integers or floats)");
  Array a;
  a.dims = h5::shape(ds.get());
  a.values.resize(h5::readable_count(a.dims, sizeof(double), name));
  if (!a.values.empty()) h5::read_all_raw(ds.get(), H5T_NATIVE_DOUBLE, a.values.data());
  return a;
}

// Numbers into floats; `where(i)` names element i in messages.
template <class Where>
std::vector<float> to_floats(const DataSource& src, const std::vector<double>& v, Where where) {
  std::vector<float> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) src.fail(where(i) + " is NaN");
    if (std::fabs(v[i]) > std::numeric_limits<float>::max())
      src.fail(where(i) + " is not a finite float");
    out[i] = static_cast<float>(v[i]);
  }
  return out;
}

}  // namespace

Dataset read_hdf5(const DataSource& src, const std::string& path, const std::string& x_name,
                  const std::string& y_name) {
  h5::silence_errors();
  if (!std::ifstream(path, std::ios::binary))
    src.fail(std::string("cannot read the file (") + std::strerror(errno) + ")");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    src.fail("not an HDF5 file");
  }
  Array x, y;
  try {
    const h5::Handle file = h5::owned(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
                                      "cannot open the file");
    x = read_numbers(src, file.get(), x_name);
    y = read_numbers(src, file.get(), y_name);
  } catch (const std::runtime_error& e) {
    src.fail(printable(e.what(), 300));
  }
  const std::string xn = printable(x_name, 80), yn = printable(y_name, 80);
  if (x.dims.empty()) src.fail(xn + " is a scalar, not rows x features");
  const bool y_column = y.dims.size() == 1 || (y.dims.size() == 2 && y.dims[1] == 1);
  if (!y_column) src.fail(yn + " must be 1-D (one label per row); it is " + shape_text(y.dims));
  if (x.dims[0] != y.dims[0])
    src.fail(xn + " has " + std::to_string(x.dims[0]) + " rows, " + yn + " " +
             std::to_string(y.dims[0]));
  if (x.dims[0] == 0) src.fail(xn + " has no rows");
  hsize_t features = 1;
  for (std::size_t i = 1; i < x.dims.size(); ++i) features *= x.dims[i];
  if (features == 0) src.fail(xn + " has no features (" + shape_text(x.dims) + ")");
  if (features > static_cast<hsize_t>(std::numeric_limits<int>::max()))
    src.fail(xn + ": a row of " + std::to_string(features) + " values is too large");

  Dataset d;
  d.name = src.file;
  d.rows = static_cast<std::int64_t>(x.dims[0]);
  d.features = static_cast<int>(features);
  d.origin.kind = RowOrigin::Kind::kHdf5;
  d.origin.role = src.role;
  d.origin.file = src.file;
  d.origin.labels = y_name;
  d.x = to_floats(src, x.values, [&](std::size_t i) {
    return xn + "[" + std::to_string(i / features) + ", " + std::to_string(i % features) + "]";
  });
  d.y = to_floats(src, y.values, [&](std::size_t i) { return yn + "[" + std::to_string(i) + "]"; });
  return d;
}

}  // namespace trilo::nn
