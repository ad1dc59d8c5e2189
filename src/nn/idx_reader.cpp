// IDX files (the MNIST format), gzipped or not: two zero bytes, a type code,
// the rank, one big-endian 32-bit size per dimension, then the values
// big-endian in row-major order. zlib reads plain and gzipped files alike.
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "nn/data_sources.hpp"

namespace trilo::nn {
namespace {

struct IdxType {
  unsigned char code;
  int bytes;
  const char* name;
};
constexpr IdxType kTypes[] = {{0x08, 1, "unsigned byte"}, {0x09, 1, "signed byte"},
                              {0x0B, 2, "short"},         {0x0C, 4, "int"},
                              {0x0D, 4, "float"},         {0x0E, 8, "double"}};

struct IdxArray {
  IdxType type{};
  std::vector<std::uint64_t> dims;
  std::vector<unsigned char> raw;  // the values, big-endian as stored
};

class GzFile {
 public:
  explicit GzFile(const DataSource& src) : src_(src) {
    std::error_code ec;
    if (std::filesystem::is_directory(src.file, ec)) src.fail("is a directory, not a file");
    errno = 0;
    f_ = gzopen(src.file.c_str(), "rb");
    if (!f_)
      src.fail(std::string("cannot read (") + (errno ? std::strerror(errno) : "out of memory") + ")");
    gzbuffer(f_, 1 << 18);
  }
  ~GzFile() { gzclose(f_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Up to `n` bytes into `out`; fewer only at the end of the data.
  std::size_t read(void* out, std::size_t n) {
    std::size_t got = 0;
    auto* p = static_cast<unsigned char*>(out);
    while (got < n) {
      const unsigned want = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 30));
      const int r = gzread(f_, p + got, want);
      if (r < 0) {
        int code = 0;
        const char* why = gzerror(f_, &code);
        src_.fail(code == Z_ERRNO ? std::string("read error (") + std::strerror(errno) + ")"
                                  : std::string("damaged gzip data (") + why + ")");
      }
      if (r == 0) {
        int code = 0;
        const char* why = gzerror(f_, &code);
        if (code != Z_OK) src_.fail(std::string("damaged gzip data (") + why + ")");
        break;
      }
      got += static_cast<std::size_t>(r);
    }
    return got;
  }

 private:
  const DataSource& src_;
  gzFile f_ = nullptr;
};

std::string shape_text(const std::vector<std::uint64_t>& dims) {
  std::string s;
  for (std::uint64_t d : dims) s += (s.empty() ? "" : " x ") + std::to_string(d);
  return s;
}

// The largest IDX array read: 2^36 bytes (64 GiB); a larger size in a header
// is damage, not data.
constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 36;

IdxArray read_idx(const DataSource& src) {
  GzFile in(src);
  unsigned char magic[4];
  const std::size_t got = in.read(magic, 4);
  if (got == 0) src.fail("empty (an IDX file starts with a 4-byte magic number)");
  if (got < 4) src.fail("truncated inside the 4-byte IDX magic number");
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%02x%02x%02x%02x", magic[0], magic[1], magic[2], magic[3]);
  IdxArray a;
  const IdxType* type = nullptr;
  for (const IdxType& t : kTypes)
    if (t.code == magic[2]) type = &t;
  if (magic[0] != 0 || magic[1] != 0 || !type || magic[3] == 0)
    src.fail(std::string("not an IDX file (magic number ") + hex +
             "; IDX starts with two zero bytes, a type code 0x08-0x0e and the rank)");
  a.type = *type;
  const int rank = magic[3];
  std::vector<unsigned char> header(static_cast<std::size_t>(4 * rank));
  if (in.read(header.data(), header.size()) < header.size())
    src.fail("truncated inside the header (rank " + std::to_string(rank) + " needs " +
             std::to_string(4 * rank) + " bytes of sizes)");
  std::uint64_t count = 1;  // saturates just above kMaxBytes
  bool zero = false;
  for (int i = 0; i < rank; ++i) {
    const unsigned char* b = &header[static_cast<std::size_t>(4 * i)];
    const std::uint64_t d = (std::uint64_t{b[0]} << 24) | (std::uint64_t{b[1]} << 16) |
                            (std::uint64_t{b[2]} << 8) | b[3];
    a.dims.push_back(d);
    zero = zero || d == 0;
    count = d != 0 && count > kMaxBytes / d ? kMaxBytes + 1 : count * d;
  }
  if (zero) src.fail("holds no values (its header declares " + shape_text(a.dims) + ")");
  const std::uint64_t bytes = count * static_cast<std::uint64_t>(type->bytes);
  if (count > kMaxBytes || bytes > kMaxBytes)
    src.fail("its header declares " + shape_text(a.dims) + " values, more than 64 GiB");
  // Grown as the data arrives, so a damaged header cannot demand memory the
  // file does not back.
  const std::size_t step = std::size_t{1} << 26;
  std::size_t have = 0;
  while (have < bytes) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(bytes - have, step));
    a.raw.resize(have + want);
    const std::size_t r = in.read(a.raw.data() + have, want);
    have += r;
    if (r < want)
      src.fail("truncated: the header declares " + shape_text(a.dims) + " " + type->name +
               " values (" + std::to_string(bytes) + " bytes of data), the file holds " +
               std::to_string(have));
  }
  unsigned char extra;
  if (in.read(&extra, 1) == 1)
    src.fail("more bytes than its header declares (" + shape_text(a.dims) + " " + type->name +
             " values): damaged, or not the header of this data");
  return a;
}

// Value i of the array as a double (big-endian decoding).
double value(const IdxArray& a, std::size_t i) {
  const unsigned char* p = &a.raw[i * static_cast<std::size_t>(a.type.bytes)];
  std::uint64_t u = 0;
  for (int b = 0; b < a.type.bytes; ++b) u = (u << 8) | p[b];
  switch (a.type.code) {
    case 0x08: return static_cast<double>(p[0]);
    case 0x09: return static_cast<double>(static_cast<std::int8_t>(p[0]));
    case 0x0B: return static_cast<double>(static_cast<std::int16_t>(static_cast<std::uint16_t>(u)));
    case 0x0C: return static_cast<double>(static_cast<std::int32_t>(static_cast<std::uint32_t>(u)));
    case 0x0D: {
      const auto bits = static_cast<std::uint32_t>(u);
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    default: {
      double d;
      std::memcpy(&d, &u, 8);
      return d;
    }
  }
}

// Every value as a float: unsigned bytes scaled to [0, 1] when `scale_bytes`,
// everything else as stored. `what(i)` names value i in messages.
template <class Name>
std::vector<float> to_floats(const DataSource& src, const IdxArray& a, bool scale_bytes, Name what) {
  const std::size_t n = a.raw.size() / static_cast<std::size_t>(a.type.bytes);
  std::vector<float> out(n);
  if (a.type.code == 0x08) {
    const float div = scale_bytes ? 255.0f : 1.0f;
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(a.raw[i]) / div;
    return out;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const double v = value(a, i);
    if (std::isnan(v)) src.fail(what(i) + " is NaN");
    if (std::fabs(v) > std::numeric_limits<float>::max()) src.fail(what(i) + " is not a finite float");
    out[i] = static_cast<float>(v);
  }
  return out;
}

}  // namespace

Dataset read_idx_pair(const DataSource& src, const std::string& images, const std::string& labels) {
  const DataSource img_src{src.role, images}, lab_src{src.role, labels};
  const IdxArray img = read_idx(img_src);
  const IdxArray lab = read_idx(lab_src);
  if (lab.dims.size() != 1)
    lab_src.fail("labels must be a 1-D IDX array; this one is " + shape_text(lab.dims));
  const std::uint64_t items = img.dims[0];
  if (lab.dims[0] != items)
    src.fail(std::to_string(items) + " images but " + std::to_string(lab.dims[0]) + " labels");
  std::uint64_t features = 1;
  for (std::size_t i = 1; i < img.dims.size(); ++i) features *= img.dims[i];
  if (features > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
    img_src.fail("an item of " + shape_text({img.dims.begin() + 1, img.dims.end()}) +
                 " values is too large for one row");

  Dataset d;
  d.name = src.file;
  d.rows = static_cast<std::int64_t>(items);
  d.features = static_cast<int>(features);
  d.origin.kind = RowOrigin::Kind::kIdx;
  d.origin.role = src.role;
  d.origin.file = labels;
  d.x = to_floats(img_src, img, true, [&](std::size_t i) {
    return "item " + std::to_string(i / features) + ", value " + std::to_string(i % features);
  });
  d.y = to_floats(lab_src, lab, false, [](std::size_t i) { return "label " + std::to_string(i); });
  return d;
}

}  // namespace trilo::nn
