#include "io/hdf5_util.hpp"

#include "io/chunk_writer.hpp"

#include <cstdlib>
#include <cstring>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include <unistd.h>

namespace trilo::io::h5 {

namespace {

constexpr hsize_t kContiguousMax = 4096;
constexpr hsize_t kChunkElements = 65536;
// Per-dataset chunk cache: room for a few dozen 512 KiB chunks, so tiles
// that arrive out of order rarely force a compressed chunk to be re-read.
constexpr std::size_t kChunkCacheBytes = std::size_t{2} << 20;
constexpr std::size_t kChunkCacheSlots = 12421;  // prime, as HDF5 advises

// HDF5 closes every file still open when the process exits. A file whose
// close failed (the disk filled up) stays registered half torn down, and
// HDF5 1.10 crashes closing it again at exit; every file here is closed
// explicitly, so the exit hook is switched off, before HDF5 initialises.
const bool kNoExitHook = [] {
  H5dont_atexit();
  return true;
}();

herr_t innermost_error(unsigned n, const H5E_error2_t* e, void* out) {
  if (n != 0) return 0;
  auto& text = *static_cast<std::string*>(out);
  if (e->desc && *e->desc) {
    text = e->desc;
  } else {
    char buf[256] = {};
    if (H5Eget_msg(e->min_num, nullptr, buf, sizeof buf) > 0) text = buf;
  }
  return 0;
}

// The errno of a failed system call, as the sec2 driver writes it into its
// message ("file write failed: ..., errno = 28, error message = '...'"):
// HDF5 keeps the system's reason nowhere else (the global errno may have
// been overwritten by the calls that unwind after the failure).
herr_t system_errno(unsigned, const H5E_error2_t* e, void* out) {
  const char* p = e->desc ? std::strstr(e->desc, "errno = ") : nullptr;
  if (p) *static_cast<int*>(out) = std::atoi(p + 8);
  return 0;
}

// HDF5 wraps the system's reason in a long line; keep just the reason.
std::string tidy(const std::string& desc) {
  const std::string key = "error message = '";
  const auto at = desc.find(key);
  if (at == std::string::npos) return desc;
  const auto end = desc.find('\'', at + key.size());
  return desc.substr(at + key.size(), end == std::string::npos ? end : end - at - key.size());
}

std::uint64_t physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? std::uint64_t(pages) * std::uint64_t(page) : std::uint64_t{1} << 34;
}

std::uint64_t g_read_limit = physical_memory();

Handle plist(hid_t cls) { return owned(H5Pcreate(cls), H5Pclose, "cannot create a property list"); }

}  // namespace

std::string object_name(hid_t obj) {
  char buf[512] = {};
  return H5Iget_name(obj, buf, sizeof buf) > 0 ? buf : "a dataset";
}

void set_read_limit(std::uint64_t bytes) { g_read_limit = bytes; }

std::size_t readable_count(const Shape& dims, std::size_t element_size, const std::string& object) {
  std::uint64_t n = 1, bytes = 0;
  bool over = false;
  for (hsize_t d : dims) over = over || __builtin_mul_overflow(n, std::uint64_t{d}, &n);
  over = over || __builtin_mul_overflow(n, std::uint64_t{element_size}, &bytes) || bytes > g_read_limit;
  if (over) {
    std::string shape;
    for (hsize_t d : dims) shape += (shape.empty() ? "" : " x ") + std::to_string(d);
    throw std::runtime_error(object + " declares " + shape + " elements, more than can be read into " +
                             std::to_string(g_read_limit >> 20) + " MiB of memory");
  }
  return static_cast<std::size_t>(n);
}

Handle simple_space(const Shape& dims) {
  return owned(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
               "cannot create a dataspace");
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && close_) close_(id_);
  id_ = -1;
}

void Handle::close(const char* what) {
  if (id_ < 0) return;
  const hid_t id = id_;
  id_ = -1;
  check_ok(close_(id), what);
}

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace {

// The error stack of the call that failed, taken before any other HDF5 call
// (each one clears it on entry).
struct Stack {
  std::string detail;
  int sys_errno = 0;
};

Stack take_stack() {
  Stack st;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error, &st.detail);
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, system_errno, &st.sys_errno);
  H5Eclear2(H5E_DEFAULT);
  return st;
}

[[noreturn]] void raise(const std::string& what, const Stack& st) {
  if (is_no_room(st.sys_errno)) throw DiskFull(what + ": " + std::strerror(st.sys_errno));
  throw std::runtime_error(st.detail.empty() ? what : what + ": " + tidy(st.detail));
}

}  // namespace

void fail(const std::string& what) { raise(what, take_stack()); }

void fail_on(const std::string& what, hid_t obj) {
  const Stack st = take_stack();
  raise(what + object_name(obj), st);
}

hid_t check_id(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return id;
}

void check_ok(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

Handle owned(hid_t id, Handle::Closer close, const std::string& what) {
  return Handle(check_id(id, what), close);
}

Shape chunk_shape(const Shape& dims) {
  const hsize_t total =
      std::accumulate(dims.begin(), dims.end(), hsize_t{1}, std::multiplies<hsize_t>());
  if (dims.empty() || total <= kContiguousMax) return {};
  Shape chunk(dims.size(), 1);
  hsize_t size = 1;
  // Whole trailing dimensions while they fit; the first that does not is
  // cut, and every dimension before it gets extent 1.
  for (std::size_t i = dims.size(); i-- > 0;) {
    if (size * dims[i] <= kChunkElements) {
      chunk[i] = dims[i];
      size *= dims[i];
    } else {
      chunk[i] = std::max<hsize_t>(1, kChunkElements / size);
      break;
    }
  }
  return chunk;
}

Handle create_group(hid_t parent, const std::string& name) {
  if (exists(parent, name)) throw std::runtime_error("group '" + name + "' was already written");
  Handle gcpl = plist(H5P_GROUP_CREATE);
  // Creation order, as netCDF-4 keeps it: readers list things as written.
  H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_attr_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  return owned(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
               "cannot create group '" + name + "'");
}

Handle open_group(hid_t parent, const std::string& name) {
  return owned(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose,
               "cannot open group '" + name + "'");
}

Handle open_dataset(hid_t group, const std::string& name) {
  return owned(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose,
               "cannot open dataset '" + name + "'");
}

bool exists(hid_t group, const std::string& name) {
  return H5Lexists(group, name.c_str(), H5P_DEFAULT) > 0;
}

namespace {
thread_local int t_deflate = kDefaultDeflate;
}  // namespace

DeflateScope::DeflateScope(int level) : saved_(t_deflate) {
  if (level < 0 || level > 9) throw std::invalid_argument("deflate level outside 0..9");
  t_deflate = level;
}
DeflateScope::~DeflateScope() { t_deflate = saved_; }

Handle create_dataset_raw(hid_t group, const std::string& name, hid_t file_type, hid_t mem_type,
                          const Shape& dims, const void* fill) {
  const std::string what = "cannot create dataset '" + name + "'";
  Handle space = simple_space(dims);
  Handle dcpl = plist(H5P_DATASET_CREATE);
  Handle dapl = plist(H5P_DATASET_ACCESS);
  check_ok(H5Pset_attr_creation_order(dcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
           what);
  if (fill) check_ok(H5Pset_fill_value(dcpl.get(), mem_type, fill), what);
  const Shape chunk = chunk_shape(dims);
  if (!chunk.empty()) {
    check_ok(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), what);
    if (t_deflate > 0) {  // shuffling only pays with compression after it
      check_ok(H5Pset_shuffle(dcpl.get()), what);
      check_ok(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(t_deflate)), what);
    }
    check_ok(H5Pset_chunk_cache(dapl.get(), kChunkCacheSlots, kChunkCacheBytes, 1.0), what);
  }
  return owned(
      H5Dcreate2(group, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), dapl.get()),
      H5Dclose, what);
}

Shape shape(hid_t dataset) {
  Handle space = owned(H5Dget_space(dataset), H5Sclose, "cannot get a dataspace");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail("cannot get a dataset's rank");
  Shape dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

void write_slab(hid_t dataset, hid_t mem_type, const Shape& offset, const Shape& count,
                const void* data) {
  hsize_t n = 1;
  for (hsize_t c : count) n *= c;
  if (n == 0) return;
  Handle file_space = owned(H5Dget_space(dataset), H5Sclose, "cannot get a dataspace");
  if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, offset.data(), nullptr, count.data(),
                          nullptr) < 0)
    fail_on("block outside ", dataset);
  // Memory of the block's own shape: HDF5 then moves whole runs (against a
  // flat memory space it walks a multi-dimensional selection point by point).
  Handle mem_space = simple_space(count);
  if (H5Dwrite(dataset, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, data) < 0)
    fail_on("cannot write ", dataset);
}

void read_slab(hid_t dataset, hid_t mem_type, const Shape& offset, const Shape& count, void* data) {
  hsize_t n = 1;
  for (hsize_t c : count) n *= c;
  if (n == 0) return;
  Handle file_space = owned(H5Dget_space(dataset), H5Sclose, "cannot get a dataspace");
  if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, offset.data(), nullptr, count.data(),
                          nullptr) < 0)
    fail("block outside " + object_name(dataset));
  Handle mem_space = simple_space(count);
  if (H5Dread(dataset, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, data) < 0)
    fail("cannot read " + object_name(dataset));
}

void write_flat(hid_t dataset, hid_t mem_type, std::int64_t first, std::int64_t count,
                const void* data) {
  if (count <= 0) return;
  const Shape dims = shape(dataset);
  if (dims.size() == 1)
    return write_slab(dataset, mem_type, {hsize_t(first)}, {hsize_t(count)}, data);
  if (dims.size() != 2) throw std::runtime_error("write_flat: rank must be 1 or 2");
  // The range covers a partial first row, whole rows, and a partial last
  // row: one write_slab per block (a union of blocks against a flat memory
  // space made HDF5 visit the selection point by point: most of the time of
  // writing a large grid).
  const hsize_t cols = dims[1], begin = hsize_t(first), end = begin + hsize_t(count);
  const hsize_t r0 = begin / cols, c0 = begin % cols, r1 = end / cols, c1 = end % cols;
  const hsize_t esize = H5Tget_size(mem_type);
  if (esize == 0) fail_on("cannot size the memory type of ", dataset);
  const char* at = static_cast<const char*>(data);
  auto block = [&](hsize_t row, hsize_t col, hsize_t rows, hsize_t ncols) {
    write_slab(dataset, mem_type, {row, col}, {rows, ncols}, at);
    at += rows * ncols * esize;
  };
  if (r0 == r1) {
    block(r0, c0, 1, c1 - c0);
  } else {
    hsize_t full = r0;
    if (c0 > 0) block(r0, c0, 1, cols - c0), full = r0 + 1;
    if (r1 > full) block(full, 0, r1 - full, cols);
    if (c1 > 0) block(r1, 0, 1, c1);
  }
}

void write_all_raw(hid_t dataset, hid_t mem_type, const void* data) {
  if (H5Dwrite(dataset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail_on("cannot write ", dataset);
}

void read_all_raw(hid_t dataset, hid_t mem_type, void* data) {
  if (H5Dread(dataset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail_on("cannot read ", dataset);
}

Handle create_index_scale(hid_t group, const std::string& name, std::int64_t n, std::int64_t step) {
  Handle ds = create_dataset<std::int64_t>(group, name, Shape{hsize_t(n)});
  // Deflated on every core (10^7 descents: 80 MB of indices, a third of a
  // second on one core), in the bytes HDF5's own pipeline would store.
  ChunkWriter chunks;
  const int k = chunks.add(ds.get());
  const std::int64_t block = std::int64_t{1} << 20;
  std::vector<std::int64_t> values;
  for (std::int64_t first = 0; first < n; first += block) {
    values.resize(static_cast<std::size_t>(std::min(block, n - first)));
    for (std::size_t j = 0; j < values.size(); ++j) values[j] = (first + std::int64_t(j)) * step;
    if (k >= 0)
      chunks.write(k, H5T_NATIVE_INT64, first, static_cast<std::int64_t>(values.size()), values.data());
    else
      write_slab(ds.get(), H5T_NATIVE_INT64, {hsize_t(first)}, {values.size()}, values.data());
  }
  chunks.flush();
  check_ok(H5DSset_scale(ds.get(), name.c_str()), "cannot make '" + name + "' a dimension scale");
  return ds;
}

void attach_scales(hid_t dataset, const std::vector<hid_t>& scales) {
  for (std::size_t i = 0; i < scales.size(); ++i)
    check_ok(H5DSattach_scale(dataset, scales[i], static_cast<unsigned>(i)),
             "cannot attach a dimension scale");
}

std::string scale_name(hid_t dataset, unsigned dim) {
  std::string path;
  auto visit = [](hid_t, unsigned, hid_t scale, void* out) -> herr_t {
    char buf[1024] = {};
    if (H5Iget_name(scale, buf, sizeof buf) <= 0) return -1;
    *static_cast<std::string*>(out) = buf;
    return 1;  // the first scale is the one that names the dimension
  };
  if (H5DSiterate_scales(dataset, dim, nullptr, visit, &path) != 1 || path.empty())
    fail("a dataset has no dimension scale on dimension " + std::to_string(dim));
  return path.substr(path.rfind('/') + 1);
}

}  // namespace trilo::io::h5
