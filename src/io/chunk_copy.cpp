#include "io/chunk_copy.hpp"

#include <cstring>
#include <vector>

namespace trilo::io {

namespace {

using h5::Handle;
using h5::Shape;

Handle create_plist_of(hid_t ds) {
  return h5::owned(H5Dget_create_plist(ds), H5Pclose, "cannot get a dataset's creation properties");
}

// The chunk shape of a chunked dataset of rank `rank`; empty when it is not chunked.
Shape chunk_of(hid_t dcpl, int rank) {
  if (H5Pget_layout(dcpl) != H5D_CHUNKED) return {};
  Shape c(static_cast<std::size_t>(rank));
  if (H5Pget_chunk(dcpl, rank, c.data()) != rank) return {};
  return c;
}

bool same_filters(hid_t a, hid_t b) {
  const int n = H5Pget_nfilters(a);
  if (n < 0 || n != H5Pget_nfilters(b)) return false;
  for (int i = 0; i < n; ++i) {
    unsigned fa = 0, fb = 0, ca[16] = {}, cb[16] = {};
    std::size_t na = 16, nb = 16;
    const H5Z_filter_t ia = H5Pget_filter2(a, static_cast<unsigned>(i), &fa, &na, ca, 0, nullptr, nullptr);
    const H5Z_filter_t ib = H5Pget_filter2(b, static_cast<unsigned>(i), &fb, &nb, cb, 0, nullptr, nullptr);
    if (ia < 0 || ia != ib || fa != fb || na != nb || na > 16 || std::memcmp(ca, cb, na * sizeof(unsigned)) != 0)
      return false;
  }
  return true;
}

bool same_fill(hid_t a, hid_t b, hid_t native) {
  H5D_fill_value_t da = H5D_FILL_VALUE_ERROR, db = H5D_FILL_VALUE_ERROR;
  if (H5Pfill_value_defined(a, &da) < 0 || H5Pfill_value_defined(b, &db) < 0 || da != db) return false;
  if (da != H5D_FILL_VALUE_USER_DEFINED) return true;
  std::vector<unsigned char> va(H5Tget_size(native)), vb(va.size());
  return H5Pget_fill_value(a, native, va.data()) >= 0 && H5Pget_fill_value(b, native, vb.data()) >= 0 &&
         va == vb;
}

// Chunks along each dimension.
Shape chunk_grid(const Shape& dims, const Shape& chunk) {
  Shape g(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) g[i] = (dims[i] + chunk[i] - 1) / chunk[i];
  return g;
}

hsize_t product(const Shape& s) {
  hsize_t n = 1;
  for (hsize_t v : s) n *= v;
  return n;
}

}  // namespace

bool same_layout(hid_t from, hid_t to) {
  const Shape dims = h5::shape(from);
  if (dims.empty() || dims != h5::shape(to)) return false;
  const Handle pa = create_plist_of(from), pb = create_plist_of(to);
  const int rank = static_cast<int>(dims.size());
  const Shape chunk = chunk_of(pa.get(), rank);
  if (chunk.empty() || chunk != chunk_of(pb.get(), rank)) return false;
  const Handle ta = h5::owned(H5Dget_type(from), H5Tclose, "cannot get a datatype");
  const Handle tb = h5::owned(H5Dget_type(to), H5Tclose, "cannot get a datatype");
  if (H5Tequal(ta.get(), tb.get()) <= 0) return false;
  const Handle native = h5::owned(H5Tget_native_type(ta.get(), H5T_DIR_DEFAULT), H5Tclose,
                                  "cannot get a native datatype");
  return same_filters(pa.get(), pb.get()) && same_fill(pa.get(), pb.get(), native.get());
}

bool same_chunks(hid_t from, hid_t to) {
  if (!same_layout(from, to)) return false;
  const Shape dims = h5::shape(from);
  const Handle dcpl = create_plist_of(from);
  const Shape chunk = chunk_of(dcpl.get(), static_cast<int>(dims.size()));
  // (HDF5 1.10 counts over a dataspace given: H5S_ALL is refused.)
  const Handle space = h5::owned(H5Dget_space(from), H5Sclose, "cannot get a dataspace");
  hsize_t written = 0;
  return H5Dget_num_chunks(from, space.get(), &written) >= 0 && written == product(chunk_grid(dims, chunk));
}

bool copy_chunk(hid_t from, hid_t to, const hsize_t* offset) {
  unsigned mask = 0;
  haddr_t addr = HADDR_UNDEF;
  hsize_t size = 0;
  if (H5Dget_chunk_info_by_coord(from, offset, &mask, &addr, &size) < 0 || addr == HADDR_UNDEF) return false;
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  if (H5Dread_chunk(from, H5P_DEFAULT, offset, &mask, bytes.data()) < 0) return false;
  if (H5Dwrite_chunk(to, H5P_DEFAULT, mask, offset, bytes.size(), bytes.data()) < 0)
    h5::fail_on("cannot write a chunk of ", to);
  return true;
}

std::int64_t copy_chunks(hid_t from, hid_t to) {
  const Shape dims = h5::shape(from);
  const Handle dcpl = create_plist_of(from);
  const Shape chunk = chunk_of(dcpl.get(), static_cast<int>(dims.size()));
  if (chunk.empty()) throw std::logic_error("copy_chunks: not a chunked dataset");
  const Shape grid = chunk_grid(dims, chunk);
  const hsize_t n = product(grid);
  Shape at(dims.size(), 0), offset(dims.size());
  for (hsize_t k = 0; k < n; ++k) {
    for (std::size_t i = 0; i < dims.size(); ++i) offset[i] = at[i] * chunk[i];
    if (!copy_chunk(from, to, offset.data())) h5::fail_on("cannot read a chunk of ", from);
    for (std::size_t i = dims.size(); i-- > 0;) {  // the next chunk, row-major
      if (++at[i] < grid[i]) break;
      at[i] = 0;
    }
  }
  return static_cast<std::int64_t>(n);
}

std::int64_t copy_result_chunks(const CheckpointReader& from, const StreamSpec& stream, ResultWriter& to,
                                const std::string& group) {
  const hid_t ck = static_cast<hid_t>(from.file_id());
  const std::string kept = std::string(kResultChunksGroup) + "/" + stream.name;
  if (!h5::exists(ck, kResultChunksGroup) || !h5::exists(ck, kept)) return -1;
  const Handle src_group = h5::open_group(ck, kept);
  const Handle dst_group = h5::open_group(static_cast<hid_t>(to.file_id()), group);
  std::vector<std::pair<Handle, Handle>> pairs;
  for (const Column& c : stream.columns) {
    if (!c.in_result) continue;
    if (!h5::exists(src_group.get(), c.name) || !h5::exists(dst_group.get(), c.name)) return -1;
    Handle a = h5::open_dataset(src_group.get(), c.name), b = h5::open_dataset(dst_group.get(), c.name);
    if (!same_chunks(a.get(), b.get())) return -1;
    pairs.emplace_back(std::move(a), std::move(b));
  }
  if (pairs.empty()) return -1;
  std::int64_t copied = 0;
  for (const auto& [a, b] : pairs) copied += copy_chunks(a.get(), b.get());
  return copied;
}

}  // namespace trilo::io
