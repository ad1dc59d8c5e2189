// libFuzzer target for result files as `trilobite info` and `render` read
// them (io::read_result, io::describe_result, io::stored_config,
// render::render_file).
//
// Structure-aware: raw bytes of HDF5 mostly exercise libhdf5 1.10's own
// parser (whose crashes we cannot fix), so the input instead drives edits to
// a valid result file made at start-up by the real jobs (run, critical,
// sweep: every group of docs/format.md). The edits are what damage or a
// foreign writer produces: objects and attributes deleted, attributes of
// another type or shape, datasets replaced by others of another type,
// rank or size (up to 2^40 elements, unwritten), single values set to NaN,
// infinities, huge, negative or out-of-range numbers, bytes flipped inside
// datasets' raw data, and the file truncated.
//
// Input layout: byte 0 picks the file (bits 0-1) and whether to render it
// (bit 2); then up to 8 edits, each an opcode byte and its operands (see
// apply_edit). Every input must either read, describe (and render) or
// throw std::runtime_error (render: config::BadInput) with one line, and
// leave no HDF5 object open. Any other exception, a crash, a hang, a leak
// or a sanitizer report is a finding.
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
#include <vector>

#include "cli/commands.hpp"
#include "config/run_config.hpp"
#include "fuzz_support.hpp"
#include "io/hdf5_util.hpp"
#include "io/result_reader.hpp"
#include "render/render.hpp"

namespace {

namespace h5 = trilo::io::h5;
constexpr const char* kName = "fuzz_result_file";

std::vector<std::string> g_bases;  // the valid files' bytes

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

Objects list_objects(hid_t file) {
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

std::vector<std::string> attribute_names(hid_t obj) {
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
h5::Handle open_object(hid_t file, const std::string& path) {
  return h5::Handle(H5Oopen(file, path.c_str(), H5P_DEFAULT), H5Oclose);
}

hid_t pick_type(std::uint8_t b) {
  const hid_t types[] = {H5T_IEEE_F64LE, H5T_STD_I64LE, H5T_STD_I32LE, H5T_STD_I8LE,
                         H5T_IEEE_F32LE, H5T_STD_U64LE, H5T_STD_U8LE};
  return types[b % 7];
}

hsize_t pick_extent(Input& in) {
  const hsize_t extents[] = {0, 1, 2, 3, 7, 64, 4097, hsize_t{1} << 20, hsize_t{1} << 40};
  return extents[in.byte() % 9];
}

// Replaces attribute `name` of `obj` by one of another type or shape.
void retype_attribute(hid_t obj, const std::string& name, Input& in) {
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
void replace_dataset(hid_t file, const std::string& path, Input& in) {
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
void poke_dataset(hid_t file, const std::string& path, Input& in) {
  h5::Handle ds(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  h5::Handle space(H5Dget_space(ds.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (n <= 0 || rank < 1 || rank > 3) return;
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
std::pair<std::uint64_t, std::uint64_t> raw_range(hid_t file, const std::string& path) {
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

void apply_edit(hid_t file, const Objects& objs, Input& in, ByteEdits& bytes) {
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

void edit_bytes(const std::string& path, const ByteEdits& e) {
  const int fd = ::open(path.c_str(), O_RDWR);
  if (fd < 0) trilo::fuzz::fail(kName, "cannot reopen the scratch file");
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

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void make_base(const std::string& dir, const std::string& name, std::vector<std::string> args) {
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
    trilo::fuzz::fail(kName, "cannot make the base file " + name + ": " + e.what());
  }
  g_bases.push_back(slurp(path));
  std::remove(path.c_str());
  std::remove((dir + "/" + name + ".xmf").c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("TRILOBITE_CACHE_DIR", "/proc/trilobite-fuzz-no-cache", 1);  // formulas interpreted
  const std::string dir = trilo::fuzz::scratch_path(".base");
  ::mkdir(dir.c_str(), 0700);
  make_base(dir, "run", {"run", "-l", "himmelblau", "--grid-res", "9", "--basin-res", "7", "--starts", "24",
                         "--steps", "400", "--trace", "0,1,2"});
  make_base(dir, "critical", {"critical", "-l", "himmelblau", "--starts", "120", "--grid-res", "6"});
  make_base(dir, "sweep", {"sweep", "--vary", "lr=0.01:0.2:3", "--starts", "16", "--steps", "300",
                           "--expr", "x^4-2*x^2+y^2", "--box", "-2:2"});
  ::rmdir(dir.c_str());
  // Datasets that declare more than this are refused before they are read
  // (libFuzzer's own limit is 2 GiB for the whole process).
  h5::set_read_limit(std::uint64_t{16} << 20);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::uint8_t head = in.byte();
  const std::string& base = g_bases[(head & 3u) % g_bases.size()];
  const bool render = (head & 4u) != 0;
  static const std::string path = trilo::fuzz::scratch_path(".h5");
  static const std::string png = trilo::fuzz::scratch_path(".png");
  trilo::fuzz::write_file(path, reinterpret_cast<const std::uint8_t*>(base.data()), base.size());

  ByteEdits bytes;
  {
    h5::silence_errors();
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    if (!file.valid()) trilo::fuzz::fail(kName, "cannot open the base file");
    const Objects objs = list_objects(file.get());
    for (int k = 0; k < 8 && !in.empty(); ++k) apply_edit(file.get(), objs, in, bytes);
    H5Eclear2(H5E_DEFAULT);
  }
  edit_bytes(path, bytes);
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) trilo::fuzz::fail(kName, "the harness left HDF5 objects open");

  try {
    const trilo::io::ResultData r = trilo::io::read_result(path);
    (void)trilo::io::describe_result(r);
    try {
      (void)trilo::io::stored_config(r);
    } catch (const std::runtime_error&) {
    }
  } catch (const std::runtime_error& e) {
    if (!trilo::fuzz::one_line(e.what())) trilo::fuzz::fail(kName, std::string("message of several lines: ") + e.what());
  } catch (const std::exception& e) {
    trilo::fuzz::fail(kName, std::string("not std::runtime_error: ") + e.what());
  }
  if (render) {
    trilo::render::RenderOptions opt;
    opt.input = path;
    opt.output = png;
    opt.size = "160x120";
    opt.contour_levels = 4;
    try {
      (void)trilo::render::render_file(opt);
    } catch (const trilo::config::BadInput& e) {
      if (!trilo::fuzz::one_line(e.what())) trilo::fuzz::fail(kName, std::string("render: message of several lines: ") + e.what());
    } catch (const std::exception& e) {
      trilo::fuzz::fail(kName, std::string("render: not config::BadInput: ") + e.what());
    }
  }
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) trilo::fuzz::fail(kName, "the reader left HDF5 objects open");
  return 0;
}
