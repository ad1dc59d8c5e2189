// Edits that damage a valid result file the way corruption or a foreign
// writer would, driven by fuzz input (tests/fuzz/fuzz_result_file.cpp).
// Structure-aware on purpose: raw bytes of HDF5 mostly exercise libhdf5
// 1.10's own parser, whose crashes we cannot fix. The edits: objects and
// attributes deleted, attributes of another type or shape, datasets
// replaced by others of another type, rank or size (up to 2^40 elements,
// unwritten), single values set to NaN, infinities, huge, negative or
// out-of-range numbers, bytes flipped inside datasets' raw data, the file
// truncated.
//
// A target for another reader of HDF5 files (e.g. the --resume checkpoint
// reader) includes this header, makes its base files with
// make_result_file (e.g. a run interrupted at a checkpoint), and per input
// calls damage() and then its reader.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.hpp"
#include "fuzz_support.hpp"
#include "io/hdf5_util.hpp"

namespace trilo::fuzz {

namespace h5 = trilo::io::h5;
constexpr const char* kEditsName = "result_edits";



// The fuzz input, read front to back; zeros once it runs out.
class Input {
 public:
  Input(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
  bool empty() const { return n_ == 0; }
  std::uint8_t byte() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  // A value that tends to break readers: NaN, infinities, zero, -1, huge,
  // just past the usual ranges, or an arbitrary double.
  double special() {
    switch (byte() % 12) {
      case 0: return std::numeric_limits<double>::quiet_NaN();
      case 1: return std::numeric_limits<double>::infinity();
      case 2: return -std::numeric_limits<double>::infinity();
      case 3: return 0.0;
      case 4: return -1.0;
      case 5: return -2.0;
      case 6: return 1e300;
      case 7: return 9.2233720368547758e18;
      case 8: return 2147483648.0;
      case 9: return static_cast<double>(byte());
      case 10: return -static_cast<double>(u32());
      default: {
        const std::uint64_t bits = (std::uint64_t{u32()} << 32) | u32();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;
      }
    }
  }
  std::int64_t special_int() {
    switch (byte() % 8) {
      case 0: return -1;
      case 1: return 0;
      case 2: return std::numeric_limits<std::int64_t>::min();
      case 3: return std::numeric_limits<std::int64_t>::max();
      case 4: return std::int64_t{1} << 31;
      case 5: return -static_cast<std::int64_t>(u32());
      default: return static_cast<std::int64_t>(u32() % 64);
    }
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

// Every object path in the file ("/" first), and which are datasets.
struct Objects {
  std::vector<std::string> all;
  std::vector<std::string> datasets;
};

inline Objects list_objects(hid_t file) {
  Objects o;
  o.all.push_back("/");
  auto visit = [](hid_t root, const char* name, const H5L_info_t* info, void* out) -> herr_t {
    if (info->type != H5L_TYPE_HARD) return 0;
    auto& objs = *static_cast<Objects*>(out);
    const std::string path = std::string("/") + name;
    objs.all.push_back(path);
    H5O_info_t oi;
    if (H5Oget_info_by_name(root, name, &oi, H5P_DEFAULT) >= 0 && oi.type == H5O_TYPE_DATASET)
      objs.datasets.push_back(path);
    return 0;
  };
  H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, visit, &o);
  return o;
}

inline std::vector<std::string> attribute_names(hid_t obj) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
  };
  H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names);
  return names;
}

// The HDF5 calls below may fail on an already damaged file: that is fine,
// the edit is then skipped. Handles are closed by h5::Handle.
inline h5::Handle open_object(hid_t file, const std::string& path) {
  return h5::Handle(H5Oopen(file, path.c_str(), H5P_DEFAULT), H5Oclose);
}

inline hid_t pick_type(std::uint8_t b) {
  const hid_t types[] = {H5T_IEEE_F64LE, H5T_STD_I64LE, H5T_STD_I32LE, H5T_STD_I8LE,
                         H5T_IEEE_F32LE, H5T_STD_U64LE, H5T_STD_U8LE};
  return types[b % 7];
}

inline hsize_t pick_extent(Input& in) {
  const hsize_t extents[] = {0, 1, 2, 3, 7, 64, 4097, hsize_t{1} << 20, hsize_t{1} << 40};
  return extents[in.byte() % 9];
}

// Replaces attribute `name` of `obj` by one of another type or shape.
inline void retype_attribute(hid_t obj, const std::string& name, Input& in) {
  H5Adelete(obj, name.c_str());
  const std::uint8_t kind = in.byte();
  if (kind % 4 == 0) {  // a string: variable or fixed length
    h5::Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
    const bool variable = (kind & 4) != 0;
    const std::string text = variable ? "trilobite" : std::string(in.byte() % 16, 'x');
    H5Tset_size(t.get(), variable ? H5T_VARIABLE : std::max<std::size_t>(1, text.size()));
    h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    h5::Handle a(H5Acreate2(obj, name.c_str(), t.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    const char* p = text.c_str();
    if (variable)
      H5Awrite(a.get(), t.get(), &p);
    else
      H5Awrite(a.get(), t.get(), text.data());
    return;
  }
  // Numbers: scalar, null, or 1-D / 2-D arrays of a few values.
  const std::uint8_t shape = in.byte() % 5;
  h5::Handle space;
  std::size_t n = 1;
  if (shape == 0) {
    space = h5::Handle(H5Screate(H5S_SCALAR), H5Sclose);
  } else if (shape == 1) {
    space = h5::Handle(H5Screate(H5S_NULL), H5Sclose);
    n = 0;
  } else {
    const hsize_t dims[2] = {hsize_t(in.byte() % 6), hsize_t(1 + in.byte() % 3)};
    const int rank = shape == 4 ? 2 : 1;
    space = h5::Handle(H5Screate_simple(rank, dims, nullptr), H5Sclose);
    n = dims[0] * (rank == 2 ? dims[1] : 1);
  }
  std::vector<double> values(n);
  for (double& v : values) v = in.special();
  h5::Handle a(H5Acreate2(obj, name.c_str(), pick_type(kind >> 2), space.get(), H5P_DEFAULT, H5P_DEFAULT),
               H5Aclose);
  if (n) H5Awrite(a.get(), H5T_NATIVE_DOUBLE, values.data());
}

// Replaces dataset `path` by another of some type, rank and extent; large
// ones are chunked and never written (their elements read as the fill
// value), small ones filled with special values.
inline void replace_dataset(hid_t file, const std::string& path, Input& in) {
  H5Ldelete(file, path.c_str(), H5P_DEFAULT);
  const int rank = in.byte() % 4;
  hsize_t dims[3] = {1, 1, 1}, chunk[3] = {1, 1, 1};
  bool big = false;
  std::uint64_t total = 1;
  for (int i = 0; i < rank; ++i) {
    dims[i] = pick_extent(in);
    chunk[i] = std::max<hsize_t>(1, std::min<hsize_t>(dims[i], 64));
    big = big || dims[i] > 4096;
    if (__builtin_mul_overflow(total, dims[i], &total)) total = UINT64_MAX;
  }
  h5::Handle space(rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, nullptr), H5Sclose);
  h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  const double fill = in.special();
  H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &fill);
  if (big) H5Pset_chunk(dcpl.get(), rank, chunk);
  h5::Handle ds(H5Dcreate2(file, path.c_str(), pick_type(in.byte()), space.get(), H5P_DEFAULT, dcpl.get(),
                           H5P_DEFAULT),
                H5Dclose);
  if (!big && total > 0 && total <= 4096) {
    std::vector<double> values(total);
    for (double& v : values) v = in.special();
    H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  }
}

// Sets one element of dataset `path` to a special value (numbers only).
inline void poke_dataset(hid_t file, const std::string& path, Input& in) {
  h5::Handle ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  h5::Handle space(H5Dget_space(ds.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  const int rank = H5Sget_simple_extent_ndims(space.get());
  // An earlier edit may have given the dataset an enormous extent: writing
  // into it would make HDF5 itself allocate the chunk index (gigabytes)
  // here, in the harness. The reader still meets the extent.
  if (n <= 0 || n > (hssize_t{1} << 24) || rank < 1 || rank > 3) return;
  hsize_t dims[3] = {0, 0, 0}, at[3] = {0, 0, 0};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  std::uint64_t flat = in.u32() % static_cast<std::uint64_t>(n);
  for (int i = rank; i-- > 0;) {
    at[i] = flat % dims[i];
    flat /= dims[i];
  }
  H5Sselect_elements(space.get(), H5S_SELECT_SET, 1, at);
  h5::Handle one(H5Screate(H5S_SCALAR), H5Sclose);
  h5::Handle type(H5Dget_type(ds.get()), H5Tclose);
  if (H5Tget_class(type.get()) == H5T_INTEGER) {
    const std::int64_t v = in.special_int();
    H5Dwrite(ds.get(), H5T_NATIVE_INT64, one.get(), space.get(), H5P_DEFAULT, &v);
  } else {
    const double v = in.special();
    H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, one.get(), space.get(), H5P_DEFAULT, &v);
  }
}

// Where a contiguous dataset's raw data lies in the file, or {0, 0}.
inline std::pair<std::uint64_t, std::uint64_t> raw_range(hid_t file, const std::string& path) {
  h5::Handle ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.valid()) return {0, 0};
  const haddr_t at = H5Dget_offset(ds.get());
  const hsize_t size = H5Dget_storage_size(ds.get());
  if (at == HADDR_UNDEF || size == 0) return {0, 0};
  return {at, size};
}

struct ByteEdits {
  std::vector<std::pair<std::uint64_t, std::uint8_t>> flips;  // offset, xor mask
  std::uint32_t truncate_at = 0;
  bool truncate = false;
};

inline void apply_edit(hid_t file, const Objects& objs, Input& in, ByteEdits& bytes) {
  const std::uint8_t op = in.byte() % 8;
  const std::uint32_t pick = in.u32();
  const std::string& obj = objs.all[pick % objs.all.size()];
  const std::string& ds = objs.datasets.empty() ? obj : objs.datasets[pick % objs.datasets.size()];
  switch (op) {
    case 0:  // delete an object (not the root)
      if (obj != "/") H5Ldelete(file, obj.c_str(), H5P_DEFAULT);
      break;
    case 1:
    case 2: {  // delete or retype an attribute
      h5::Handle o = open_object(file, obj);
      const std::vector<std::string> names = attribute_names(o.get());
      if (names.empty()) break;
      const std::string& name = names[in.byte() % names.size()];
      if (op == 1)
        H5Adelete(o.get(), name.c_str());
      else
        retype_attribute(o.get(), name, in);
      break;
    }
    case 3:  // replace a dataset by one of another type, rank or size
      replace_dataset(file, ds, in);
      break;
    case 4:
    case 5:  // one value set to NaN, infinity, -1, huge, ...
      poke_dataset(file, ds, in);
      break;
    case 6: {  // flip bits inside a dataset's raw data
      const auto [at, size] = raw_range(file, ds);
      if (size) bytes.flips.emplace_back(at + in.u32() % size, static_cast<std::uint8_t>(in.byte() | 1));
      break;
    }
    default:  // truncate the file
      bytes.truncate = true;
      bytes.truncate_at = in.u32();
      break;
  }
}

inline void edit_bytes(const std::string& path, const ByteEdits& e) {
  const int fd = ::open(path.c_str(), O_RDWR);
  if (fd < 0) fail(kEditsName, "cannot reopen the scratch file");
  for (const auto& [at, mask] : e.flips) {
    std::uint8_t b = 0;
    if (::pread(fd, &b, 1, static_cast<off_t>(at)) == 1) {
      b ^= mask;
      (void)!::pwrite(fd, &b, 1, static_cast<off_t>(at));
    }
  }
  if (e.truncate) {
    const off_t size = ::lseek(fd, 0, SEEK_END);
    if (size > 0) (void)!::ftruncate(fd, static_cast<off_t>(e.truncate_at % static_cast<std::uint64_t>(size)));
  }
  ::close(fd);
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs `trilobite ARGS... --backend cpu --threads 1 -q -o DIR/NAME.h5` and
// returns the file's bytes (the file itself is removed).
inline std::string make_result_file(const std::string& dir, const std::string& name,
                                    std::vector<std::string> args) {
  const std::string path = dir + "/" + name + ".h5";
  args.insert(args.begin(), "trilobite");
  for (const char* a : {"--backend", "cpu", "--threads", "1", "-q", "-o"}) args.emplace_back(a);
  args.push_back(path);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::ostringstream out, err;
  try {
    trilo::cli::main_with_args(static_cast<int>(args.size()), argv.data(), out, err);
  } catch (const std::exception& e) {
    fail(kEditsName, "cannot make the base file " + name + ": " + e.what());
  }
  const std::string bytes = slurp(path);
  std::remove(path.c_str());
  std::remove((dir + "/" + name + ".xmf").c_str());
  return bytes;
}

// Writes `base` to `path` and applies the edits the input asks for: up to
// 8 structural edits through HDF5, then the byte edits. Leaves no HDF5
// object open.
inline void damage(const std::string& path, const std::string& base, Input& in) {
  write_file(path, reinterpret_cast<const std::uint8_t*>(base.data()), base.size());
  ByteEdits bytes;
  {
    h5::silence_errors();
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) fail(kEditsName, "cannot open the base file");
    const Objects objs = list_objects(file.get());
    for (int k = 0; k < 8 && !in.empty(); ++k) apply_edit(file.get(), objs, in, bytes);
    H5Eclear2(H5E_DEFAULT);
  }
  edit_bytes(path, bytes);
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) fail(kEditsName, "the harness left HDF5 objects open");
}

}  // namespace trilo::fuzz
