#include "nn/dense_kernels.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <type_traits>
#include <vector>

namespace trilo::nn {

#if defined(__AVX512F__)

// GCC 12's AVX-512 intrinsics start some results from a vector initialised
// from itself (_mm512_undefined_ps), which -Wuninitialized reports at every
// inlined shuffle and extract: a false alarm, silenced for this file's
// kernels only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace {

// One AVX-512 register of T: its width, loads and stores under a lane mask
// (the last, partial vector of a row), broadcasts, fused multiply-adds and
// the sum of its lanes.
template <class T>
struct Lanes;

template <>
struct Lanes<float> {
  using V = __m512;
  using M = __mmask16;
  static constexpr int kWidth = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(M m, float* p, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static V splat(float v) { return _mm512_set1_ps(v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static float sum(V v) { return _mm512_reduce_add_ps(v); }
  static M mask(int n) { return n >= kWidth ? M(0xFFFF) : M((1u << n) - 1u); }
  // z(ii, 0..3) = b(0..3) + the lanes' sum of a[ii][jj], for a 4 x 4 block,
  // by a transposing tree: pairs of registers are halved and added until one
  // register holds the sixteen sums, row ii in its 128-bit quarter ii.
  [[gnu::always_inline]] static void sum_block(const V (&a)[4][4], const float* b, float* z, std::int64_t ldz) {
    const auto at = [&](int r) { return a[r % 4][r / 4]; };  // r = 4 jj + ii
    V c[8], e[4], g[2];
    #pragma GCC unroll 8
    for (int p = 0; p < 8; ++p)
      c[p] = _mm512_add_ps(_mm512_shuffle_f32x4(at(2 * p), at(2 * p + 1), 0x44),
                           _mm512_shuffle_f32x4(at(2 * p), at(2 * p + 1), 0xEE));
    #pragma GCC unroll 8
    for (int r = 0; r < 4; ++r)
      e[r] = _mm512_add_ps(_mm512_shuffle_f32x4(c[2 * r], c[2 * r + 1], 0x88),
                           _mm512_shuffle_f32x4(c[2 * r], c[2 * r + 1], 0xDD));
    #pragma GCC unroll 8
    for (int t = 0; t < 2; ++t) {
      const __m512d lo = _mm512_castps_pd(e[2 * t]), hi = _mm512_castps_pd(e[2 * t + 1]);
      g[t] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(lo, hi)), _mm512_castpd_ps(_mm512_unpackhi_pd(lo, hi)));
    }
    V s = _mm512_add_ps(_mm512_shuffle_ps(g[0], g[1], _MM_SHUFFLE(2, 0, 2, 0)),
                        _mm512_shuffle_ps(g[0], g[1], _MM_SHUFFLE(3, 1, 3, 1)));
    s = _mm512_add_ps(_mm512_broadcast_f32x4(_mm_loadu_ps(b)), s);
    _mm_storeu_ps(z, _mm512_extractf32x4_ps(s, 0));
    _mm_storeu_ps(z + ldz, _mm512_extractf32x4_ps(s, 1));
    _mm_storeu_ps(z + 2 * ldz, _mm512_extractf32x4_ps(s, 2));
    _mm_storeu_ps(z + 3 * ldz, _mm512_extractf32x4_ps(s, 3));
  }
  // r[k] = column k of the 16 x 16 block whose rows r held: 64 shuffles,
  // pairs of rows interleaved, then pairs of pairs, then the 128-bit
  // quarters moved by quarter_transpose.
  [[gnu::always_inline]] static void transpose(V (&r)[16]) {
    V t[16];
    #pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    const auto pd = [](V v) { return _mm512_castps_pd(v); };
    #pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {  // r[4 i + c]'s quarter q: column 4 q + c, rows 4 i .. 4 i + 3
      r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(t[4 * i]), pd(t[4 * i + 2])));
      r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(t[4 * i]), pd(t[4 * i + 2])));
      r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(pd(t[4 * i + 1]), pd(t[4 * i + 3])));
      r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(pd(t[4 * i + 1]), pd(t[4 * i + 3])));
    }
    #pragma GCC unroll 4
    for (int c = 0; c < 4; ++c) {
      const V p0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x44), p1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xEE);
      const V p2 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x44), p3 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xEE);
      t[c] = _mm512_shuffle_f32x4(p0, p2, 0x88);
      t[4 + c] = _mm512_shuffle_f32x4(p0, p2, 0xDD);
      t[8 + c] = _mm512_shuffle_f32x4(p1, p3, 0x88);
      t[12 + c] = _mm512_shuffle_f32x4(p1, p3, 0xDD);
    }
    #pragma GCC unroll 16
    for (int k = 0; k < 16; ++k) r[k] = t[k];
  }
};

template <>
struct Lanes<double> {
  using V = __m512d;
  using M = __mmask8;
  static constexpr int kWidth = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(M m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  static void store(M m, double* p, V v) { _mm512_mask_storeu_pd(p, m, v); }
  static V splat(double v) { return _mm512_set1_pd(v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V add(V a, V b) { return _mm512_add_pd(a, b); }
  static double sum(V v) { return _mm512_reduce_add_pd(v); }
  static M mask(int n) { return n >= kWidth ? M(0xFF) : M((1u << n) - 1u); }
  // As Lanes<float>::sum_block: the sums end in two registers, row ii's
  // columns 0, 1 in the first one's quarter ii and 2, 3 in the second's.
  [[gnu::always_inline]] static void sum_block(const V (&a)[4][4], const double* b, double* z, std::int64_t ldz) {
    const auto at = [&](int r) { return a[r % 4][r / 4]; };  // r = 4 jj + ii
    V c[8], e[4], g[2];
    #pragma GCC unroll 8
    for (int p = 0; p < 8; ++p)
      c[p] = _mm512_add_pd(_mm512_shuffle_f64x2(at(2 * p), at(2 * p + 1), 0x44),
                           _mm512_shuffle_f64x2(at(2 * p), at(2 * p + 1), 0xEE));
    #pragma GCC unroll 8
    for (int r = 0; r < 4; ++r)
      e[r] = _mm512_add_pd(_mm512_shuffle_f64x2(c[2 * r], c[2 * r + 1], 0x88),
                           _mm512_shuffle_f64x2(c[2 * r], c[2 * r + 1], 0xDD));
    #pragma GCC unroll 8
    for (int t = 0; t < 2; ++t) {
      const V bias = _mm512_castpd128_pd512(_mm_loadu_pd(b + 2 * t));
      g[t] = _mm512_add_pd(_mm512_shuffle_f64x2(bias, bias, 0),
                           _mm512_add_pd(_mm512_unpacklo_pd(e[2 * t], e[2 * t + 1]),
                                         _mm512_unpackhi_pd(e[2 * t], e[2 * t + 1])));
    }
    _mm_storeu_pd(z, _mm_castps_pd(_mm512_extractf32x4_ps(_mm512_castpd_ps(g[0]), 0)));
    _mm_storeu_pd(z + 2, _mm_castps_pd(_mm512_extractf32x4_ps(_mm512_castpd_ps(g[1]), 0)));
    _mm_storeu_pd(z + ldz, _mm_castps_pd(_mm512_extractf32x4_ps(_mm512_castpd_ps(g[0]), 1)));
    _mm_storeu_pd(z + ldz + 2, _mm_castps_pd(_mm512_extractf32x4_ps(_mm512_castpd_ps(g[1]), 1)));
    _mm_storeu_pd(z + 2 * ldz, _mm_castps_pd(_mm512_extractf32x4_ps(_mm512_castpd_ps(g[0]), 2)));
    _mm_storeu_pd(z + 2 * ldz + 2, _mm_castps_pd(_mm512_extractf32x4_ps(_mm512_castpd_ps(g[1]), 2)));
    _mm_storeu_pd(z + 3 * ldz, _mm_castps_pd(_mm512_extractf32x4_ps(_mm512_castpd_ps(g[0]), 3)));
    _mm_storeu_pd(z + 3 * ldz + 2, _mm_castps_pd(_mm512_extractf32x4_ps(_mm512_castpd_ps(g[1]), 3)));
  }
  // r[k] = column k of the 8 x 8 block whose rows r held: pairs of rows
  // interleaved, then the 128-bit quarters moved as in Lanes<float>.
  [[gnu::always_inline]] static void transpose(V (&r)[8]) {
    V t[8];
    #pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {  // t[2 i + c]'s quarter q: column 2 q + c, rows 2 i, 2 i + 1
      t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
    }
    #pragma GCC unroll 2
    for (int c = 0; c < 2; ++c) {
      const V p0 = _mm512_shuffle_f64x2(t[c], t[2 + c], 0x44), p1 = _mm512_shuffle_f64x2(t[c], t[2 + c], 0xEE);
      const V p2 = _mm512_shuffle_f64x2(t[4 + c], t[6 + c], 0x44), p3 = _mm512_shuffle_f64x2(t[4 + c], t[6 + c], 0xEE);
      r[c] = _mm512_shuffle_f64x2(p0, p2, 0x88);
      r[2 + c] = _mm512_shuffle_f64x2(p0, p2, 0xDD);
      r[4 + c] = _mm512_shuffle_f64x2(p1, p3, 0x88);
      r[6 + c] = _mm512_shuffle_f64x2(p1, p3, 0xDD);
    }
  }
};

// z's block of IB rows and JB columns: IB x JB accumulators, each a
// vector of partial dot products over the lanes, summed at the end.
template <class T, int IB, int JB>
void forward_block(const T* x, int in, const T* W, const T* b, int out, std::int64_t i0, int j0, T* z) {
  using L = Lanes<T>;
  typename L::V acc[IB][JB];
  #pragma GCC unroll 4
  for (int ii = 0; ii < IB; ++ii)
    #pragma GCC unroll 4
    for (int jj = 0; jj < JB; ++jj) acc[ii][jj] = L::zero();
  const T* xr[IB];
  const T* wr[JB];
  #pragma GCC unroll 4
  for (int ii = 0; ii < IB; ++ii) xr[ii] = x + (i0 + ii) * in;
  #pragma GCC unroll 4
  for (int jj = 0; jj < JB; ++jj) wr[jj] = W + static_cast<std::int64_t>(j0 + jj) * in;
  for (int k = 0; k < in; k += L::kWidth) {
    const auto m = L::mask(in - k);
    typename L::V xv[IB], wv[JB];
    #pragma GCC unroll 4
    for (int ii = 0; ii < IB; ++ii) xv[ii] = L::load(m, xr[ii] + k);
    #pragma GCC unroll 4
    for (int jj = 0; jj < JB; ++jj) wv[jj] = L::load(m, wr[jj] + k);
    #pragma GCC unroll 4
    for (int ii = 0; ii < IB; ++ii)
      #pragma GCC unroll 4
      for (int jj = 0; jj < JB; ++jj) acc[ii][jj] = L::fma(xv[ii], wv[jj], acc[ii][jj]);
  }
  if constexpr (IB == 4 && JB == 4) {
    L::sum_block(acc, b + j0, z + i0 * out + j0, out);
  } else {
    #pragma GCC unroll 4
    for (int ii = 0; ii < IB; ++ii)
      #pragma GCC unroll 4
      for (int jj = 0; jj < JB; ++jj) z[(i0 + ii) * out + j0 + jj] = b[j0 + jj] + L::sum(acc[ii][jj]);
  }
}

// z's rows i0 .. i0 + 15 of a layer with one output: sixteen accumulators,
// one a row, each a vector of partial dot products of the row with W's only
// row, their lane sums taken by sum_block's transposing tree (row 4 ii + jj
// in its place ii, jj, the bias repeated four times, z's rows four to a
// "row" of the block). The same sums, in the same order, as
// forward_block<T, 1, 1> on each row alone, a tree instead of sixteen
// reductions.
template <class T>
void forward_column16(const T* x, int in, const T* W, const T* b, std::int64_t i0, T* z) {
  using L = Lanes<T>;
  typename L::V acc[4][4];
  #pragma GCC unroll 4
  for (int ii = 0; ii < 4; ++ii)
    #pragma GCC unroll 4
    for (int jj = 0; jj < 4; ++jj) acc[ii][jj] = L::zero();
  const T* xr = x + i0 * in;
  for (int k = 0; k < in; k += L::kWidth) {
    const auto m = L::mask(in - k);
    const typename L::V wv = L::load(m, W + k);
    #pragma GCC unroll 4
    for (int ii = 0; ii < 4; ++ii)
      #pragma GCC unroll 4
      for (int jj = 0; jj < 4; ++jj)
        acc[ii][jj] = L::fma(L::load(m, xr + static_cast<std::int64_t>(4 * ii + jj) * in + k), wv, acc[ii][jj]);
  }
  const T bias[4] = {b[0], b[0], b[0], b[0]};
  L::sum_block(acc, bias, z + i0, 4);
}

template <class T, int IB>
void forward_rows(const T* x, int in, const T* W, const T* b, int out, std::int64_t i0, int j0, int jb, T* z) {
  switch (jb) {
    case 4: forward_block<T, IB, 4>(x, in, W, b, out, i0, j0, z); return;
    case 3: forward_block<T, IB, 3>(x, in, W, b, out, i0, j0, z); return;
    case 2: forward_block<T, IB, 2>(x, in, W, b, out, i0, j0, z); return;
    default: forward_block<T, IB, 1>(x, in, W, b, out, i0, j0, z); return;
  }
}

// gW's block of JB rows and NV vectors of columns: JB x NV accumulators,
// each summing d(i, j) x(i, k..) over the rows in order.
// With gb (a layer of at most a vector of outputs), the block also sums d's
// rows into the bias gradient gb, in order, in the same loop: a chain of
// additions that would otherwise run alone after the products.
template <class T, int JB, int NV>
void grad_block(const T* d, const T* x, std::int64_t rows, int in, int out, int j0, int k0, bool resume, T* gW,
                T* gb) {
  using L = Lanes<T>;
  const auto bm = L::mask(out);
  typename L::V bacc = gb && resume ? L::load(bm, gb) : L::zero();
  typename L::V acc[JB][NV];
  typename L::M m[NV];
  #pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) m[v] = L::mask(in - k0 - v * L::kWidth);
  #pragma GCC unroll 4
  for (int jj = 0; jj < JB; ++jj)
    #pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      acc[jj][v] = resume ? L::load(m[v], gW + static_cast<std::int64_t>(j0 + jj) * in + k0 + v * L::kWidth) : L::zero();
  for (std::int64_t i = 0; i < rows; ++i) {
    const T* xr = x + i * in + k0;
    const T* dr = d + i * out + j0;
    typename L::V xv[NV];
    if (gb) bacc = L::add(bacc, L::load(bm, d + i * out));
    #pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) xv[v] = L::load(m[v], xr + v * L::kWidth);
    #pragma GCC unroll 4
    for (int jj = 0; jj < JB; ++jj) {
      const typename L::V dv = L::splat(dr[jj]);
      #pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[jj][v] = L::fma(dv, xv[v], acc[jj][v]);
    }
  }
  #pragma GCC unroll 4
  for (int jj = 0; jj < JB; ++jj)
    #pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      L::store(m[v], gW + static_cast<std::int64_t>(j0 + jj) * in + k0 + v * L::kWidth, acc[jj][v]);
  if (gb) L::store(bm, gb, bacc);
}

template <class T, int JB>
void grad_rows(const T* d, const T* x, std::int64_t rows, int in, int out, int j0, int k0, int nv, bool resume,
               T* gW, T* gb) {
  switch (nv) {
    case 4: grad_block<T, JB, 4>(d, x, rows, in, out, j0, k0, resume, gW, gb); return;
    case 3: grad_block<T, JB, 3>(d, x, rows, in, out, j0, k0, resume, gW, gb); return;
    case 2: grad_block<T, JB, 2>(d, x, rows, in, out, j0, k0, resume, gW, gb); return;
    default: grad_block<T, JB, 1>(d, x, rows, in, out, j0, k0, resume, gW, gb); return;
  }
}

// gW = d^T x for a layer of IN inputs, fewer than a vector's lanes: a row
// of x would fill only IN lanes of grad_block's vectors, so here the vectors
// run along the outputs instead. IN accumulators, one an input k, each hold
// gW's column k for a vector of outputs and take x(i, k) times d's row i,
// row by row in order: the same sums as grad_block's, in the same order,
// transposed into gW through a small buffer at the end.
template <class T, int IN>
void narrow_grad(const T* d, const T* x, std::int64_t rows, int out, T* gW, T* gb, bool accumulate) {
  using L = Lanes<T>;
  alignas(64) T col[IN][L::kWidth];
  for (int c0 = 0; c0 < out; c0 += L::kWidth) {
    const int w = std::min(L::kWidth, out - c0);
    const auto m = L::mask(w);
    typename L::V bacc = gb && accumulate ? L::load(m, gb + c0) : L::zero();
    typename L::V acc[IN];
    if (accumulate)
      for (int j = 0; j < w; ++j)
        for (int k = 0; k < IN; ++k) col[k][j] = gW[static_cast<std::int64_t>(c0 + j) * IN + k];
    #pragma GCC unroll 16
    for (int k = 0; k < IN; ++k) acc[k] = accumulate ? L::load(m, col[k]) : L::zero();
    for (std::int64_t i = 0; i < rows; ++i) {
      const typename L::V dv = L::load(m, d + i * out + c0);
      if (gb) bacc = L::add(bacc, dv);
      #pragma GCC unroll 16
      for (int k = 0; k < IN; ++k) acc[k] = L::fma(L::splat(x[i * IN + k]), dv, acc[k]);
    }
    #pragma GCC unroll 16
    for (int k = 0; k < IN; ++k) L::store(m, col[k], acc[k]);
    for (int j = 0; j < w; ++j)
      for (int k = 0; k < IN; ++k) gW[static_cast<std::int64_t>(c0 + j) * IN + k] = col[k][j];
    if (gb) L::store(m, gb + c0, bacc);
  }
}

// narrow_grad for the layer's number of inputs, 1 .. a vector's lanes - 1.
template <class T, int IN = 1>
void narrow_grad_for(int in, const T* d, const T* x, std::int64_t rows, int out, T* gW, T* gb, bool accumulate) {
  if constexpr (IN < Lanes<T>::kWidth) {
    if (in == IN) return narrow_grad<T, IN>(d, x, rows, out, gW, gb, accumulate);
    narrow_grad_for<T, IN + 1>(in, d, x, rows, out, gW, gb, accumulate);
  }
}

// wt (in x out, row-major) = W^T, W out x in row-major: tiles of a
// vector's width of rows, loaded under masks, turned in registers and
// stored as columns.
template <class T>
void transpose_weights(const T* W, int out, int in, T* wt) {
  using L = Lanes<T>;
  constexpr int K = L::kWidth;
  for (int j0 = 0; j0 < out; j0 += K)
    for (int k0 = 0; k0 < in; k0 += K) {
      const auto m = L::mask(in - k0);
      typename L::V r[K];
      #pragma GCC unroll 16
      for (int jj = 0; jj < K; ++jj)
        r[jj] = j0 + jj < out ? L::load(m, W + static_cast<std::int64_t>(j0 + jj) * in + k0) : L::zero();
      L::transpose(r);
      const auto mo = L::mask(out - j0);
      const int kn = std::min(K, in - k0);
      for (int kk = 0; kk < kn; ++kk) L::store(mo, wt + static_cast<std::int64_t>(k0 + kk) * out + j0, r[kk]);
    }
}

// c's rows i0 .. i0 + RB, columns c0 .. c0 + width (one vector, the last
// one under a mask) = init (or zero) + sum over k, in order, of a(i, k) B(k, :):
// the broadcast form of a product whose result rows are a vector or two
// wide. B is K x n row-major.
template <class T, int RB>
void broadcast_block(const T* a, std::int64_t lda, const T* B, int K, int n, const T* init, std::int64_t i0, int c0,
                     T* c, std::int64_t ldc) {
  using L = Lanes<T>;
  const auto m = L::mask(n - c0);
  typename L::V acc[RB];
  #pragma GCC unroll 8
  for (int r = 0; r < RB; ++r) acc[r] = init ? L::load(m, init + c0) : L::zero();
  const T* ar = a + i0 * lda;
  for (int k = 0; k < K; ++k) {
    const typename L::V bv = L::load(m, B + static_cast<std::int64_t>(k) * n + c0);
    #pragma GCC unroll 8
    for (int r = 0; r < RB; ++r) acc[r] = L::fma(L::splat(ar[r * lda + k]), bv, acc[r]);
  }
  #pragma GCC unroll 8
  for (int r = 0; r < RB; ++r) L::store(m, c + (i0 + r) * ldc + c0, acc[r]);
}

// c (rows x n) = init + a (rows x K) B (K x n), all row-major, each entry
// summed over k in order, in blocks of 8 rows by one vector of columns.
template <class T>
void broadcast_product(const T* a, std::int64_t rows, int K, const T* B, int n, const T* init, T* c) {
  for (int c0 = 0; c0 < n; c0 += Lanes<T>::kWidth) {
    std::int64_t i0 = 0;
    for (; i0 + 8 <= rows; i0 += 8) broadcast_block<T, 8>(a, K, B, K, n, init, i0, c0, c, n);
    for (; i0 < rows; ++i0) broadcast_block<T, 1>(a, K, B, K, n, init, i0, c0, c, n);
  }
}

}  // namespace

bool dense_kernels_available() { return true; }

template <class T>
bool dense_forward(const T* x, std::int64_t rows, int in, const T* W, const T* b, int out, T* z) {
  if (in <= 2 * Lanes<T>::kWidth && 2 * out >= Lanes<T>::kWidth) {
    // At most two vectors of inputs and half a vector of outputs or more
    // (the hidden layers of small networks): dot products this short would
    // spend more on their sums across the lanes than on the products, so W^T
    // (in x out) is made once a call, in registers, and each row of z is the
    // bias plus x(i, k) times W^T's row k, k in order. Wider layers take the
    // dot products.
    thread_local std::vector<T> wt;
    wt.resize(static_cast<std::size_t>(in) * out);
    transpose_weights(W, out, in, wt.data());
    broadcast_product(x, rows, in, wt.data(), out, b, z);
    return true;
  }
  // Row blocks outside, column blocks inside: a block's rows of x (4 x in)
  // stay in the L1 cache while every row of W passes them, so x is read
  // from memory once however many rows it has (W is small: it stays in L2).
  const auto columns = [&](std::int64_t i0, auto rows_block) {
    constexpr int kRows = decltype(rows_block)::value;
    for (int j0 = 0; j0 < out; j0 += 4) forward_rows<T, kRows>(x, in, W, b, out, i0, j0, std::min(4, out - j0), z);
  };
  std::int64_t i0 = 0;
  if (out == 1)
    for (; i0 + 16 <= rows; i0 += 16) forward_column16(x, in, W, b, i0, z);
  for (; i0 + 4 <= rows; i0 += 4) columns(i0, std::integral_constant<int, 4>{});
  for (; i0 < rows; ++i0) columns(i0, std::integral_constant<int, 1>{});
  return true;
}

template <class T>
bool dense_weight_grad(const T* d, const T* x, std::int64_t rows, int in, int out, T* gW, bool accumulate, T* gb) {
  if (in < Lanes<T>::kWidth && std::min(out, Lanes<T>::kWidth) > in) {
    narrow_grad_for<T>(in, d, x, rows, out, gW, gb, accumulate);
    return true;
  }
  // Row blocks outside, then column slices (4 vectors of x's columns over a
  // block's rows: 32 KB of float32, kept in the L1 cache while every block
  // of gW's rows uses them). A row block after the first resumes the sums
  // where the one before stored them, so every entry is still one sum over
  // the rows in order, whatever the number of rows. The bias sums ride in
  // the first block of each row block where they fit a vector.
  constexpr std::int64_t kRowBlock = 128;
  constexpr int kSlice = 4 * Lanes<T>::kWidth;
  T* fused = gb && out <= Lanes<T>::kWidth ? gb : nullptr;
  for (std::int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const std::int64_t R = std::min(kRowBlock, rows - r0);
    const T* dr = d + r0 * out;
    const T* xr = x + r0 * in;
    const bool resume = accumulate || r0 > 0;
    for (int k0 = 0; k0 < in; k0 += kSlice) {
      const int nv = std::min(4, (in - k0 + Lanes<T>::kWidth - 1) / Lanes<T>::kWidth);
      int j0 = 0;
      for (; j0 + 4 <= out; j0 += 4)
        grad_rows<T, 4>(dr, xr, R, in, out, j0, k0, nv, resume, gW, k0 == 0 && j0 == 0 ? fused : nullptr);
      for (; j0 < out; ++j0)
        grad_rows<T, 1>(dr, xr, R, in, out, j0, k0, nv, resume, gW, k0 == 0 && j0 == 0 ? fused : nullptr);
    }
  }
  if (gb && !fused) dense_column_sums(d, rows, out, gb, accumulate);
  return true;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

template <class T>
bool dense_backward(const T* d, std::int64_t rows, int out, const T* W, int in, T* back) {
  broadcast_product(d, rows, out, W, in, static_cast<const T*>(nullptr), back);
  return true;
}

template <class T>
bool dense_column_sums(const T* d, std::int64_t rows, int cols, T* out, bool accumulate) {
  using L = Lanes<T>;
  for (int c0 = 0; c0 < cols; c0 += L::kWidth) {
    const auto m = L::mask(cols - c0);
    typename L::V acc = accumulate ? L::load(m, out + c0) : L::zero();
    for (std::int64_t i = 0; i < rows; ++i) acc = L::add(acc, L::load(m, d + i * cols + c0));
    L::store(m, out + c0, acc);
  }
  return true;
}

#else

bool dense_kernels_available() { return false; }

template <class T>
bool dense_backward(const T*, std::int64_t, int, const T*, int, T*) {
  return false;
}

template <class T>
bool dense_column_sums(const T*, std::int64_t, int, T*, bool) {
  return false;
}

template <class T>
bool dense_forward(const T*, std::int64_t, int, const T*, const T*, int, T*) {
  return false;
}

template <class T>
bool dense_weight_grad(const T*, const T*, std::int64_t, int, int, T*, bool, T*) {
  return false;
}

#endif

template bool dense_forward<float>(const float*, std::int64_t, int, const float*, const float*, int, float*);
template bool dense_forward<double>(const double*, std::int64_t, int, const double*, const double*, int, double*);
template bool dense_column_sums<float>(const float*, std::int64_t, int, float*, bool);
template bool dense_column_sums<double>(const double*, std::int64_t, int, double*, bool);
template bool dense_backward<float>(const float*, std::int64_t, int, const float*, int, float*);
template bool dense_backward<double>(const double*, std::int64_t, int, const double*, int, double*);
template bool dense_weight_grad<float>(const float*, const float*, std::int64_t, int, int, float*, bool, float*);
template bool dense_weight_grad<double>(const double*, const double*, std::int64_t, int, int, double*, bool, double*);

}  // namespace trilo::nn
