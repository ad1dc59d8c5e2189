// The dense layer's kernels (forward, backward and weight-gradient
// products) against products written out here in float64,
// over shapes that reach every remainder of their register blocks (rows not
// a multiple of 4, columns not a multiple of the vector width or of 4,
// more rows than one row block), and their sums' independence of where the
// operands lie in memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "nn/dense_kernels.hpp"

namespace {

using trilo::nn::dense_backward;
using trilo::nn::dense_column_sums;
using trilo::nn::dense_forward;
using trilo::nn::dense_kernels_available;
using trilo::nn::dense_weight_grad;

// Deterministic values in [-1, 1) with no common structure between arrays.
template <class T>
std::vector<T> values(std::size_t n, std::uint32_t salt) {
  std::vector<T> v(n);
  std::uint32_t s = 2463534242u ^ (salt * 2654435761u);
  for (auto& e : v) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    e = static_cast<T>(static_cast<double>(s % 2000001u) / 1000000.0 - 1.0);
  }
  return v;
}

struct Shape {
  std::int64_t rows;
  int in, out;
};

const Shape kShapes[] = {{1, 1, 1},    {3, 5, 2},     {4, 16, 4},    {5, 17, 3},   {7, 63, 5},
                         {8, 64, 4},   {9, 65, 6},    {32, 784, 16}, {33, 784, 10}, {2, 100, 9},
                         {130, 31, 7}, {257, 200, 5}, {128, 128, 8}, {12, 8, 13}, {33, 16, 16},
                         {9, 2, 16},   {40, 3, 31},   {17, 16, 8},   {5, 4, 40},   {37, 16, 1},
                         {50, 20, 1},  {16, 3, 1},    {300, 2, 16},  {70, 15, 16},  {25, 24, 20},
                         {19, 30, 33}};

// Tolerance of a sum of n products of values in [-1, 1]: a few roundings of
// each partial sum, at most n ulps of 1 in the working precision.
template <class T>
double tolerance(int n) {
  return 4.0 * n * std::numeric_limits<T>::epsilon();
}

template <class T>
void check_forward() {
  for (const Shape& s : kShapes) {
    const auto x = values<T>(static_cast<std::size_t>(s.rows) * s.in, 1);
    const auto W = values<T>(static_cast<std::size_t>(s.out) * s.in, 2);
    const auto b = values<T>(static_cast<std::size_t>(s.out), 3);
    std::vector<T> z(static_cast<std::size_t>(s.rows) * s.out, T(99));
    ASSERT_TRUE(dense_forward(x.data(), s.rows, s.in, W.data(), b.data(), s.out, z.data()));
    for (std::int64_t i = 0; i < s.rows; ++i)
      for (int j = 0; j < s.out; ++j) {
        double ref = b[j];
        for (int k = 0; k < s.in; ++k) ref += double(x[i * s.in + k]) * double(W[std::int64_t(j) * s.in + k]);
        ASSERT_NEAR(double(z[i * s.out + j]), ref, tolerance<T>(s.in + 1))
            << "rows " << s.rows << " in " << s.in << " out " << s.out << " at (" << i << ", " << j << ")";
      }
  }
}

template <class T>
void check_weight_grad() {
  for (const Shape& s : kShapes) {
    const auto d = values<T>(static_cast<std::size_t>(s.rows) * s.out, 4);
    const auto x = values<T>(static_cast<std::size_t>(s.rows) * s.in, 5);
    std::vector<T> gW(static_cast<std::size_t>(s.out) * s.in, T(99));
    const auto g0 = values<T>(gW.size(), 10);
    std::vector<T> gAcc = g0;  // accumulate: g0 + d^T x
    ASSERT_TRUE(dense_weight_grad(d.data(), x.data(), s.rows, s.in, s.out, gW.data()));
    ASSERT_TRUE(dense_weight_grad(d.data(), x.data(), s.rows, s.in, s.out, gAcc.data(), true));
    for (int j = 0; j < s.out; ++j)
      for (int k = 0; k < s.in; ++k) {
        double ref = 0;
        for (std::int64_t i = 0; i < s.rows; ++i) ref += double(d[i * s.out + j]) * double(x[i * s.in + k]);
        const std::int64_t at = std::int64_t(j) * s.in + k;
        ASSERT_NEAR(double(gW[at]), ref, tolerance<T>(int(s.rows)))
            << "rows " << s.rows << " in " << s.in << " out " << s.out << " at (" << j << ", " << k << ")";
        ASSERT_NEAR(double(gAcc[at]), double(g0[at]) + ref, tolerance<T>(int(s.rows) + 1))
            << "accumulating: rows " << s.rows << " in " << s.in << " out " << s.out << " at (" << j << ", " << k << ")";
      }
  }
}

template <class T>
void check_backward() {
  for (const Shape& s : kShapes) {
    const auto d = values<T>(static_cast<std::size_t>(s.rows) * s.out, 11);
    const auto W = values<T>(static_cast<std::size_t>(s.out) * s.in, 12);
    std::vector<T> back(static_cast<std::size_t>(s.rows) * s.in, T(99));
    ASSERT_TRUE(dense_backward(d.data(), s.rows, s.out, W.data(), s.in, back.data()));
    for (std::int64_t i = 0; i < s.rows; ++i)
      for (int k = 0; k < s.in; ++k) {
        double ref = 0;
        for (int j = 0; j < s.out; ++j) ref += double(d[i * s.out + j]) * double(W[std::int64_t(j) * s.in + k]);
        ASSERT_NEAR(double(back[i * s.in + k]), ref, tolerance<T>(s.out))
            << "rows " << s.rows << " in " << s.in << " out " << s.out << " at (" << i << ", " << k << ")";
      }
  }
}

TEST(NnDenseKernels, BackwardIsTheGradientTimesTheWeights) {
  if (!dense_kernels_available()) GTEST_SKIP() << "built without AVX-512: the layers use Eigen's products";
  check_backward<float>();
  check_backward<double>();
}

TEST(NnDenseKernels, ForwardIsTheProductPlusTheBias) {
  if (!dense_kernels_available()) GTEST_SKIP() << "built without AVX-512: the layers use Eigen's products";
  check_forward<float>();
  check_forward<double>();
}

TEST(NnDenseKernels, WeightGradientIsTheProductOverTheRows) {
  if (!dense_kernels_available()) GTEST_SKIP() << "built without AVX-512: the layers use Eigen's products";
  check_weight_grad<float>();
  check_weight_grad<double>();
}

// The weight gradient sums each entry over the rows in order, one row block
// after another, from zero or (accumulating) from the values already there:
// the float32 result must be the serial float32 sum bit for bit when every
// product is exact (small integers), for any row count straddling a block,
// in the blocked form (37 inputs) and in the form for layers of fewer
// inputs than a vector's lanes (2 and 5 inputs).
TEST(NnDenseKernels, WeightGradientSumsTheRowsInOrder) {
  if (!dense_kernels_available()) GTEST_SKIP() << "built without AVX-512: the layers use Eigen's products";
  const std::pair<int, int> layers[] = {{37, 6}, {2, 16}, {5, 21}};
  for (const auto& [in, out] : layers)
    for (std::int64_t rows : {127, 128, 129, 300})
      for (bool accumulate : {false, true}) {
        std::vector<float> d(static_cast<std::size_t>(rows) * out), x(static_cast<std::size_t>(rows) * in);
        // Products of these are exact in float32, but their sums round: a
        // different order would give different bits.
        for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<float>(1.0 + 1e-3 * double(i % 977));
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 13) * 0.5f - 3.0f;
        std::vector<float> start(static_cast<std::size_t>(out) * in);
        for (std::size_t i = 0; i < start.size(); ++i) start[i] = static_cast<float>(0.1 * double(i % 7) - 0.25);
        std::vector<float> gW = start;
        ASSERT_TRUE(dense_weight_grad(d.data(), x.data(), rows, in, out, gW.data(), accumulate));
        for (int j = 0; j < out; ++j)
          for (int k = 0; k < in; ++k) {
            float serial = accumulate ? start[std::int64_t(j) * in + k] : 0.0f;
            for (std::int64_t i = 0; i < rows; ++i) serial = std::fma(d[i * out + j], x[i * in + k], serial);
            ASSERT_EQ(gW[std::int64_t(j) * in + k], serial)
                << in << " inputs, " << out << " outputs, rows " << rows << (accumulate ? " accumulating" : "")
                << " at (" << j << ", " << k << ")";
          }
      }
}

// A layer of one output takes sixteen rows at a time through one tree of
// lane sums: each row's value must be what the row alone gives, bit for bit.
TEST(NnDenseKernels, OneOutputGivesEachRowsOwnSum) {
  if (!dense_kernels_available()) GTEST_SKIP() << "built without AVX-512: the layers use Eigen's products";
  for (int in : {3, 16, 20, 100}) {
    const std::int64_t rows = 37;
    const auto xf = values<float>(static_cast<std::size_t>(rows) * in, 21);
    const auto Wf = values<float>(static_cast<std::size_t>(in), 22);
    const auto xd = values<double>(static_cast<std::size_t>(rows) * in, 21);
    const auto Wd = values<double>(static_cast<std::size_t>(in), 22);
    const float bf = 0.375f;
    const double bd = 0.375;
    std::vector<float> zf(rows);
    std::vector<double> zd(rows);
    ASSERT_TRUE(dense_forward(xf.data(), rows, in, Wf.data(), &bf, 1, zf.data()));
    ASSERT_TRUE(dense_forward(xd.data(), rows, in, Wd.data(), &bd, 1, zd.data()));
    for (std::int64_t i = 0; i < rows; ++i) {
      float one_f = 0;
      double one_d = 0;
      ASSERT_TRUE(dense_forward(xf.data() + i * in, 1, in, Wf.data(), &bf, 1, &one_f));
      ASSERT_TRUE(dense_forward(xd.data() + i * in, 1, in, Wd.data(), &bd, 1, &one_d));
      ASSERT_EQ(zf[i], one_f) << in << " inputs, row " << i;
      ASSERT_EQ(zd[i], one_d) << in << " inputs, row " << i;
    }
  }
}

// Column sums (bias gradients) are each column's rows added in order,
// bit for bit, from zero or from the values already there.
TEST(NnDenseKernels, ColumnSumsAddTheRowsInOrder) {
  if (!dense_kernels_available()) GTEST_SKIP() << "built without AVX-512: the layers use Eigen's products";
  for (const Shape& s : kShapes) {
    const auto d = values<float>(static_cast<std::size_t>(s.rows) * s.out, 13);
    const auto start = values<float>(static_cast<std::size_t>(s.out), 14);
    std::vector<float> fresh(static_cast<std::size_t>(s.out), 99.0f), added = start;
    ASSERT_TRUE(dense_column_sums(d.data(), s.rows, s.out, fresh.data(), false));
    ASSERT_TRUE(dense_column_sums(d.data(), s.rows, s.out, added.data(), true));
    for (int j = 0; j < s.out; ++j) {
      float from_zero = 0, from_start = start[j];
      for (std::int64_t i = 0; i < s.rows; ++i) {
        from_zero += d[i * s.out + j];
        from_start += d[i * s.out + j];
      }
      ASSERT_EQ(fresh[j], from_zero) << "rows " << s.rows << " cols " << s.out << " column " << j;
      ASSERT_EQ(added[j], from_start) << "rows " << s.rows << " cols " << s.out << " column " << j;
    }
  }
}

// The weight gradient's bias sums (gb) are the columns' rows added in
// order, bit for bit, from zero or from the values already there, and
// asking for them leaves gW's bits as they are, on every path (layers of
// few inputs, of outputs within a vector, wider; rows past a row block).
TEST(NnDenseKernels, WeightGradientSumsTheBiasInOrderToo) {
  if (!dense_kernels_available()) GTEST_SKIP() << "built without AVX-512: the layers use Eigen's products";
  std::vector<Shape> shapes(std::begin(kShapes), std::end(kShapes));
  shapes.push_back({300, 40, 16});
  shapes.push_back({260, 3, 40});
  for (const Shape& s : shapes)
    for (bool accumulate : {false, true}) {
      const auto d = values<float>(static_cast<std::size_t>(s.rows) * s.out, 15);
      const auto x = values<float>(static_cast<std::size_t>(s.rows) * s.in, 16);
      const auto start = values<float>(static_cast<std::size_t>(s.out) * (s.in + 1), 17);
      std::vector<float> g_alone = start, g_with = start;
      std::vector<float> gb(start.begin() + static_cast<std::ptrdiff_t>(s.out) * s.in, start.end());
      ASSERT_TRUE(dense_weight_grad(d.data(), x.data(), s.rows, s.in, s.out, g_alone.data(), accumulate));
      ASSERT_TRUE(dense_weight_grad(d.data(), x.data(), s.rows, s.in, s.out, g_with.data(), accumulate, gb.data()));
      ASSERT_EQ(g_with, g_alone) << "rows " << s.rows << " in " << s.in << " out " << s.out;
      for (int j = 0; j < s.out; ++j) {
        float serial = accumulate ? start[static_cast<std::size_t>(s.out) * s.in + j] : 0.0f;
        for (std::int64_t i = 0; i < s.rows; ++i) serial += d[i * s.out + j];
        ASSERT_EQ(gb[j], serial) << "rows " << s.rows << " in " << s.in << " out " << s.out << " column " << j
                                 << (accumulate ? " accumulating" : "");
      }
    }
}

// The same operands at every offset within a cache line give the same bits.
void expect_same_bits_at_every_offset(const Shape& s) {
  const std::int64_t rows = s.rows;
  const int in = s.in, out = s.out;
  const auto x0 = values<float>(static_cast<std::size_t>(rows) * in, 6);
  const auto W0 = values<float>(static_cast<std::size_t>(out) * in, 7);
  const auto b0 = values<float>(static_cast<std::size_t>(out), 8);
  const auto d0 = values<float>(static_cast<std::size_t>(rows) * out, 9);
  std::vector<float> z_ref, g_ref, k_ref;
  for (int off = 0; off < 16; ++off) {
    std::vector<float> buf(x0.size() + W0.size() + b0.size() + d0.size() + 2 * 16 * 4);
    float* x = buf.data() + off;
    float* W = x + x0.size() + off;
    float* b = W + W0.size() + off;
    float* d = b + b0.size() + off;
    std::copy(x0.begin(), x0.end(), x);
    std::copy(W0.begin(), W0.end(), W);
    std::copy(b0.begin(), b0.end(), b);
    std::copy(d0.begin(), d0.end(), d);
    std::vector<float> zbuf(static_cast<std::size_t>(rows) * out + 16), gbuf(static_cast<std::size_t>(out) * in + 16);
    ASSERT_TRUE(dense_forward(x, rows, in, W, b, out, zbuf.data() + off));
    ASSERT_TRUE(dense_weight_grad(d, x, rows, in, out, gbuf.data() + off));
    std::vector<float> kbuf(static_cast<std::size_t>(rows) * in + 16);
    ASSERT_TRUE(dense_backward(d, rows, out, W, in, kbuf.data() + off));
    std::vector<float> z(zbuf.begin() + off, zbuf.begin() + off + rows * out);
    std::vector<float> g(gbuf.begin() + off, gbuf.begin() + off + std::int64_t(out) * in);
    std::vector<float> k(kbuf.begin() + off, kbuf.begin() + off + rows * in);
    if (off == 0) {
      z_ref = z;
      g_ref = g;
      k_ref = k;
    } else {
      ASSERT_EQ(z, z_ref) << "forward at offset " << off;
      ASSERT_EQ(g, g_ref) << "weight gradient at offset " << off;
      ASSERT_EQ(k, k_ref) << "backward at offset " << off;
    }
  }
}

TEST(NnDenseKernels, ResultsDoNotDependOnWhereTheOperandsLie) {
  if (!dense_kernels_available()) GTEST_SKIP() << "built without AVX-512: the layers use Eigen's products";
  for (const Shape& s : {Shape{33, 100, 10}, Shape{21, 12, 19}, Shape{40, 3, 31}, Shape{37, 20, 1}})
    expect_same_bits_at_every_offset(s);
}

}  // namespace
