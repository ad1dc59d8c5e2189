// The filters a dataset is stored with, read back from its creation
// property list: for the tests of --compression and h5::DeflateScope.
#pragma once

#include <hdf5.h>

#include <cstddef>

namespace trilo::test {

struct Filters {
  bool shuffle = false;
  int deflate = -1;  // the level, or -1 without deflate
};

inline Filters filters_of(hid_t dataset) {
  Filters r;
  const hid_t dcpl = H5Dget_create_plist(dataset);
  for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
    unsigned flags = 0, cd[4] = {};
    std::size_t n = 4;
    const H5Z_filter_t f =
        H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &n, cd, 0, nullptr, nullptr);
    if (f == H5Z_FILTER_SHUFFLE) r.shuffle = true;
    if (f == H5Z_FILTER_DEFLATE) r.deflate = static_cast<int>(cd[0]);
  }
  H5Pclose(dcpl);
  return r;
}

}  // namespace trilo::test
