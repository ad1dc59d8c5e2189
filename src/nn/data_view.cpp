#include "nn/data_view.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace trilo::nn {

namespace {

template <class T>
using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

template <class T>
Bits<T> bits_of(T v) {
  Bits<T> b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// The distinct values of x in order of first appearance, and each value's
// index among them; nothing once a 257th value turns up. Values are told
// apart by their bits (0 and -0 are two entries, each decoding to itself).
// An open-addressed table of 512 slots maps bits to indices; the previous
// value is checked first, since images repeat their background.
template <class T>
bool distinct_values(const std::vector<T>& x, std::vector<T>& palette, std::vector<std::uint8_t>& codes) {
  constexpr std::size_t kSlots = 512;
  std::array<std::int16_t, kSlots> slot;
  slot.fill(-1);
  palette.clear();
  codes.assign(x.size(), 0);
  Bits<T> last_bits = 0;
  std::uint8_t last_code = 0;
  bool have_last = false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const Bits<T> b = bits_of(x[i]);
    if (have_last && b == last_bits) {
      codes[i] = last_code;
      continue;
    }
    std::size_t h = static_cast<std::size_t>((static_cast<std::uint64_t>(b) * 0x9E3779B97F4A7C15ull) >> 55);
    while (slot[h] >= 0 && bits_of(palette[static_cast<std::size_t>(slot[h])]) != b) h = (h + 1) % kSlots;
    if (slot[h] < 0) {
      if (palette.size() == 256) return false;
      slot[h] = static_cast<std::int16_t>(palette.size());
      palette.push_back(x[i]);
    }
    last_bits = b;
    last_code = static_cast<std::uint8_t>(slot[h]);
    have_last = true;
    codes[i] = last_code;
  }
  return true;
}

// The byte each palette value is, divided by `divisor` (bitwise, through
// float as the data sets are read), or an empty vector if one is not.
template <class T>
std::vector<std::uint8_t> as_scaled_bytes(const std::vector<T>& palette, float divisor) {
  std::vector<std::uint8_t> q(palette.size());
  for (std::size_t k = 0; k < palette.size(); ++k) {
    const double guess = std::nearbyint(static_cast<double>(palette[k]) * static_cast<double>(divisor));
    if (!(guess >= 0 && guess <= 255)) return {};
    q[k] = static_cast<std::uint8_t>(guess);
    if (bits_of(static_cast<T>(static_cast<float>(q[k]) / divisor)) != bits_of(palette[k])) return {};  // -0 too
  }
  return q;
}

// q / d by the reciprocal: r = q r_d, then one correction of r by its
// residual q - r d (exact in a fused multiply-add). A multiply and two
// fused multiply-adds instead of a division, whose vector form has a fifth
// of a multiply's throughput and held the batch gather back.
inline float divide_by_reciprocal(float q, float d, float inv) {
  const float r = q * inv;
  return std::fma(std::fma(-r, d, q), inv, r);
}

// 1 / d when divide_by_reciprocal gives q / d bitwise for every byte q (each
// checked), else 0: the gather then divides. Also 0 where the build has no
// fused multiply-add instruction (std::fma would be a library call).
float exact_reciprocal(float d) {
#if !defined(__FMA__)
  if (d > 0) return 0;
#endif
  const float inv = 1.0f / d;
  for (int k = 0; k < 256; ++k) {
    const auto q = static_cast<float>(k);
    if (bits_of(divide_by_reciprocal(q, d, inv)) != bits_of(q / d)) return 0;
  }
  return inv;
}

// Codes for v.x: the bytes q of x = q / divisor where a divisor fits every
// value (1, 255, or the reciprocal of the smallest positive value), else
// indices into the palette of distinct values; none beyond 256 values.
template <class T>
void encode(DataView<T>& v) {
  std::vector<T> distinct;
  std::vector<std::uint8_t> index;
  if (!distinct_values(v.x, distinct, index)) return;
  std::vector<float> divisors = {1.0f, 255.0f};
  T smallest = 0;
  for (T p : distinct)
    if (p > 0 && (smallest == 0 || p < smallest)) smallest = p;
  if (smallest > 0) divisors.push_back(static_cast<float>(std::nearbyint(1.0 / static_cast<double>(smallest))));
  for (float d : divisors) {
    if (!(d >= 1)) continue;
    const std::vector<std::uint8_t> q = as_scaled_bytes(distinct, d);
    if (q.empty()) continue;
    for (std::uint8_t& c : index) c = q[c];
    v.palette.resize(256);
    for (int k = 0; k < 256; ++k) v.palette[static_cast<std::size_t>(k)] = static_cast<T>(static_cast<float>(k) / d);
    v.divisor = d;
    v.reciprocal = exact_reciprocal(d);
    v.codes = std::move(index);
    return;
  }
  v.palette = std::move(distinct);
  v.codes = std::move(index);
}

// One row's values from its codes. The table loads stay scalar: vectorised,
// they become AVX-512 gathers, which measured slower on an AMD EPYC than one
// load per value. Scaled bytes convert and divide in vectors, which is
// bitwise the scalar division.
// (A GCC attribute; other compilers take the loop as it is.)
#if defined(__GNUC__) && !defined(__clang__)
#define TRILO_NO_TREE_VECTORIZE __attribute__((optimize("no-tree-vectorize")))
#else
#define TRILO_NO_TREE_VECTORIZE
#endif
template <class T>
TRILO_NO_TREE_VECTORIZE void decode_table(const T* pal, const std::uint8_t* c, std::size_t n, T* out) {
  for (std::size_t k = 0; k < n; ++k) out[k] = pal[c[k]];
}
template <class T>
void decode_scaled(float divisor, float reciprocal, const std::uint8_t* c, std::size_t n, T* out) {
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
  // Sixteen bytes a vector, the row's last few under a mask: the compiler's
  // own vectorisation leaves a row's tail (784 = 12 x 64 + 16) to scalar
  // code, which took a quarter of the gather.
  if constexpr (std::is_same_v<T, float>) {
    if (reciprocal > 0) {
      const __m512 d = _mm512_set1_ps(divisor), inv = _mm512_set1_ps(reciprocal);
      for (std::size_t k = 0; k < n; k += 16) {
        const auto m = static_cast<__mmask16>(n - k >= 16 ? 0xFFFFu : (1u << (n - k)) - 1u);
        const __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, c + k)));
        const __m512 r = _mm512_mul_ps(q, inv);
        _mm512_mask_storeu_ps(out + k, m, _mm512_fmadd_ps(_mm512_fnmadd_ps(r, d, q), inv, r));
      }
      return;
    }
  }
#endif
  if (reciprocal > 0) {
    for (std::size_t k = 0; k < n; ++k)
      out[k] = static_cast<T>(divide_by_reciprocal(static_cast<float>(c[k]), divisor, reciprocal));
    return;
  }
  for (std::size_t k = 0; k < n; ++k) out[k] = static_cast<T>(static_cast<float>(c[k]) / divisor);
}

}  // namespace

template <class T>
DataView<T> view_of(const Dataset& d, bool coded) {
  DataView<T> v;
  v.x.assign(d.x.begin(), d.x.end());
  v.y = d.y;
  v.rows = d.rows;
  v.features = d.features;
  v.scored = d.integer_labels;
  if (coded) encode(v);
  return v;
}

template <class T>
DataView<T> rows_of(const Dataset& d, const std::vector<std::int64_t>& rows) {
  DataView<T> v;
  v.rows = static_cast<std::int64_t>(rows.size());
  v.features = d.features;
  v.scored = d.integer_labels;
  const auto F = static_cast<std::size_t>(d.features);
  v.x.reserve(rows.size() * F);
  for (std::int64_t r : rows) {
    const auto at = d.x.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(r) * F);
    v.x.insert(v.x.end(), at, at + static_cast<std::ptrdiff_t>(F));
    v.y.push_back(d.y[static_cast<std::size_t>(r)]);
  }
  return v;
}

template <class T>
void gather_rows(const DataView<T>& d, const std::int64_t* idx, std::int64_t rows, T* xb, float* yb) {
  const auto F = static_cast<std::size_t>(d.features);
  if (d.codes.empty()) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto src = static_cast<std::size_t>(idx[r]);
      std::copy_n(d.x.data() + src * F, F, xb + static_cast<std::size_t>(r) * F);
      yb[r] = d.y[src];
    }
    return;
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto src = static_cast<std::size_t>(idx[r]);
    const std::uint8_t* c = d.codes.data() + src * F;
    T* out = xb + static_cast<std::size_t>(r) * F;
    if (d.divisor > 0)
      decode_scaled(d.divisor, d.reciprocal, c, F, out);
    else
      decode_table(d.palette.data(), c, F, out);
    yb[r] = d.y[src];
  }
}

// A set this small stays in a core's cache between steps: nothing to fetch.
constexpr std::size_t kCachedBytes = std::size_t{1} << 20;

template <class T>
void prefetch_rows(const DataView<T>& d, const std::int64_t* idx, std::int64_t rows) {
  const bool coded = !d.codes.empty();
  const std::size_t bytes = static_cast<std::size_t>(d.features) * (coded ? 1 : sizeof(T));
  if (bytes * static_cast<std::size_t>(d.rows) <= kCachedBytes) return;
  const char* base = coded ? reinterpret_cast<const char*>(d.codes.data()) : reinterpret_cast<const char*>(d.x.data());
  for (std::int64_t r = 0; r < rows; ++r) {
    const char* row = base + static_cast<std::size_t>(idx[r]) * bytes;
    for (std::size_t o = 0; o < bytes; o += 64) __builtin_prefetch(row + o, 0, 2);
  }
}

template DataView<float> view_of<float>(const Dataset&, bool);
template DataView<double> view_of<double>(const Dataset&, bool);
template DataView<float> rows_of<float>(const Dataset&, const std::vector<std::int64_t>&);
template DataView<double> rows_of<double>(const Dataset&, const std::vector<std::int64_t>&);
template void gather_rows<float>(const DataView<float>&, const std::int64_t*, std::int64_t, float*, float*);
template void prefetch_rows<float>(const DataView<float>&, const std::int64_t*, std::int64_t);
template void prefetch_rows<double>(const DataView<double>&, const std::int64_t*, std::int64_t);
template void gather_rows<double>(const DataView<double>&, const std::int64_t*, std::int64_t, double*, float*);

}  // namespace trilo::nn
