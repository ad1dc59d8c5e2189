// Whole datasets of a result file, read back by the tests with HDF5's C API
// and converted by HDF5 to the type asked for (double or int).
#pragma once

#include <gtest/gtest.h>
#include <hdf5.h>

#include <string>
#include <type_traits>
#include <vector>

namespace trilo::test {

// Dataset `name` of the open file `file`, whole; `dims` (when not null)
// receives its shape.
template <class T>
std::vector<T> read_dataset(hid_t file, const std::string& name, std::vector<hsize_t>* dims = nullptr) {
  static_assert(std::is_same_v<T, double> || std::is_same_v<T, int>, "doubles or ints");
  const hid_t d = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  EXPECT_GE(d, 0) << name;
  const hid_t s = H5Dget_space(d);
  if (dims) {
    dims->resize(static_cast<std::size_t>(H5Sget_simple_extent_ndims(s)));
    H5Sget_simple_extent_dims(s, dims->data(), nullptr);
  }
  std::vector<T> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(s)));
  H5Dread(d, std::is_same_v<T, double> ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
          v.data());
  H5Sclose(s);
  H5Dclose(d);
  return v;
}

// The same from the file at `path`.
template <class T>
std::vector<T> read_dataset(const std::string& path, const std::string& name, std::vector<hsize_t>* dims = nullptr) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT_GE(f, 0) << path;
  std::vector<T> v = read_dataset<T>(f, name, dims);
  H5Fclose(f);
  return v;
}

}  // namespace trilo::test
