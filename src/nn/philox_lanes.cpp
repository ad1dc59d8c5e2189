#include "nn/philox_lanes.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace trilo::nn {

namespace {

std::uint64_t scalar_bits(const Philox& rng, std::uint64_t index, RngStream stream, std::uint32_t step,
                          std::uint32_t block) {
  const auto w = rng.words(index, stream, step, block);
  return static_cast<std::uint64_t>(w[0]) << 32 | w[1];
}

#if defined(__AVX512F__)
// The high and low 32 bits of m times each lane of a.
inline void mulhilo(__m512i a, __m512i m, __m512i& hi, __m512i& lo) {
  lo = _mm512_mullo_epi32(a, m);
  const __m512i even = _mm512_mul_epu32(a, m);                         // lanes 0, 2, ...: 64-bit products
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);  // lanes 1, 3, ...
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}
#endif

}  // namespace

void philox_block_bits(const Philox& rng, std::uint64_t index, RngStream stream, std::uint32_t step,
                       std::uint32_t first, std::int64_t n, std::uint64_t* bits) {
  std::int64_t k = 0;
#if defined(__AVX512F__)
  // Random123's Philox4x32-10: ten rounds, the key bumped before every
  // round after the first; a round maps (c0, c1, c2, c3) to
  // (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1, lo(M0 c0)).
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(0xCD9E8D57u));
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const std::uint32_t tag = static_cast<std::uint32_t>(stream) << 24;
  for (; k + 16 <= n; k += 16) {
    __m512i c0 = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(index)));
    __m512i c1 = _mm512_set1_epi32(static_cast<int>(static_cast<std::uint32_t>(index >> 32)));
    __m512i c2 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(tag | (first + static_cast<std::uint32_t>(k)))), lane);
    __m512i c3 = _mm512_set1_epi32(static_cast<int>(step));
    std::uint32_t k0 = static_cast<std::uint32_t>(rng.seed), k1 = static_cast<std::uint32_t>(rng.seed >> 32);
    for (int r = 0; r < 10; ++r) {
      if (r > 0) k0 += 0x9E3779B9u, k1 += 0xBB67AE85u;
      __m512i hi0, lo0, hi1, lo1;
      mulhilo(c0, m0, hi0, lo0);
      mulhilo(c2, m1, hi1, lo1);
      c0 = _mm512_xor_si512(_mm512_xor_si512(hi1, c1), _mm512_set1_epi32(static_cast<int>(k0)));
      c1 = lo1;
      c2 = _mm512_xor_si512(_mm512_xor_si512(hi0, c3), _mm512_set1_epi32(static_cast<int>(k1)));
      c3 = lo0;
    }
    alignas(64) std::uint32_t w0[16], w1[16];
    _mm512_store_si512(w0, c0);
    _mm512_store_si512(w1, c1);
    for (int l = 0; l < 16; ++l) bits[k + l] = static_cast<std::uint64_t>(w0[l]) << 32 | w1[l];
  }
#endif
  for (; k < n; ++k) bits[k] = scalar_bits(rng, index, stream, step, first + static_cast<std::uint32_t>(k));
}

}  // namespace trilo::nn
