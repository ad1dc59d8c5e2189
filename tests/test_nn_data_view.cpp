// The training view's byte codes: a mini-batch gathered from the codes must
// be bitwise the rows copied from the values themselves, whichever coding a
// data set gets (bytes over a divisor, a palette, none), and a training must
// end bitwise where it ends without codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "nn/data_view.hpp"
#include "nn/train.hpp"

namespace {

using namespace trilo::nn;

std::uint64_t lcg(std::uint64_t& s) {
  s = s * 6364136223846793005ULL + 1442695040888963407ULL;
  return s >> 33;
}

// A set of `rows` x `features` whose values are drawn from `values`.
Dataset set_of(const std::vector<float>& values, std::int64_t rows, int features, std::uint64_t seed) {
  Dataset d;
  d.rows = rows;
  d.features = features;
  d.x.resize(static_cast<std::size_t>(rows * features));
  for (float& v : d.x) v = values[lcg(seed) % values.size()];
  for (std::int64_t r = 0; r < rows; ++r) d.y.push_back(static_cast<float>(r % 3));
  return d;
}

// Gathers a scrambled selection of rows through the view and compares every
// value's bits, and every label, with the data set's own rows.
template <class T>
void expect_gather_is_the_rows(const DataView<T>& v, const Dataset& d) {
  std::vector<std::int64_t> idx;
  std::uint64_t s = 99;
  for (int i = 0; i < 37; ++i) idx.push_back(static_cast<std::int64_t>(lcg(s) % static_cast<std::uint64_t>(d.rows)));
  const auto F = static_cast<std::size_t>(d.features);
  std::vector<T> xb(idx.size() * F);
  std::vector<float> yb(idx.size());
  gather_rows(v, idx.data(), static_cast<std::int64_t>(idx.size()), xb.data(), yb.data());
  for (std::size_t r = 0; r < idx.size(); ++r) {
    const auto src = static_cast<std::size_t>(idx[r]);
    EXPECT_EQ(yb[r], d.y[src]);
    for (std::size_t k = 0; k < F; ++k) {
      const T want = static_cast<T>(d.x[src * F + k]), got = xb[r * F + k];
      ASSERT_EQ(std::memcmp(&want, &got, sizeof(T)), 0) << "row " << src << " feature " << k << ": " << got << " for " << want;
    }
  }
}

std::vector<float> bytes_over(float divisor, int count) {
  std::vector<float> v;
  for (int q = 0; q < count; ++q) v.push_back(static_cast<float>(q) / divisor);
  return v;
}

TEST(NnDataView, PixelsScaledFromBytesAreCodedAsTheBytes) {
  const Dataset d = set_of(bytes_over(255.0f, 256), 300, 50, 1);
  const DataView<float> v = view_of<float>(d, true);
  EXPECT_EQ(v.divisor, 255.0f);
  ASSERT_EQ(v.codes.size(), d.x.size());
  for (std::size_t i = 0; i < d.x.size(); i += 97) EXPECT_EQ(static_cast<float>(v.codes[i]) / 255.0f, d.x[i]);
  expect_gather_is_the_rows(v, d);
  const DataView<double> v64 = view_of<double>(d, true);
  EXPECT_EQ(v64.divisor, 255.0f);
  expect_gather_is_the_rows(v64, d);
}

// Bytes over divisors whose quotients a multiply by the reciprocal alone
// rounds differently (255: 126 of the 256; 7: 140): the gather's corrected
// multiply must give every quotient's bits, on rows whose length leaves a
// partial vector.
TEST(NnDataView, BytesOverAnyDivisorDecodeToTheirQuotients) {
  for (float divisor : {255.0f, 100.0f, 10.0f, 7.0f, 3.0f}) {
    const Dataset d = set_of(bytes_over(divisor, 256), 64, 37, 11);
    const DataView<float> v = view_of<float>(d, true);
    ASSERT_EQ(v.divisor, divisor);
    EXPECT_TRUE(v.reciprocal == 0.0f || v.reciprocal == 1.0f / divisor) << divisor;
    expect_gather_is_the_rows(v, d);
    expect_gather_is_the_rows(view_of<double>(d, true), d);
  }
}

TEST(NnDataView, IntegersAndHalvesFindTheirDivisor) {
  const Dataset counts = set_of({0, 1, 2, 7, 200}, 40, 9, 2);
  const DataView<float> c = view_of<float>(counts, true);
  EXPECT_EQ(c.divisor, 1.0f);
  expect_gather_is_the_rows(c, counts);
  const Dataset halves = set_of({0, 0.5f, 1, 1.5f, 3}, 40, 9, 3);
  const DataView<float> h = view_of<float>(halves, true);
  EXPECT_EQ(h.divisor, 2.0f);
  expect_gather_is_the_rows(h, halves);
}

TEST(NnDataView, OtherFewValuedSetsUseAPaletteOfTheirValues) {
  std::vector<float> values;
  std::uint64_t s = 5;
  for (int i = 0; i < 200; ++i) values.push_back(static_cast<float>(lcg(s) % 100000) * 1e-3f - 50.0f);
  values.push_back(-0.0f);
  values.push_back(0.0f);
  const Dataset d = set_of(values, 500, 30, 4);
  const DataView<float> v = view_of<float>(d, true);
  EXPECT_EQ(v.divisor, 0.0f);
  ASSERT_FALSE(v.codes.empty());
  EXPECT_LE(v.palette.size(), 202u);
  expect_gather_is_the_rows(v, d);
  expect_gather_is_the_rows(view_of<double>(d, true), d);
}

TEST(NnDataView, ANegativeZeroKeepsItsSign) {
  // -0 is the byte 0 over any divisor in value but not in bits: the set must
  // not be coded as bytes, or -0 would come back as +0.
  std::vector<float> values = bytes_over(255.0f, 10);
  values.push_back(-0.0f);
  const Dataset d = set_of(values, 200, 20, 6);
  const DataView<float> v = view_of<float>(d, true);
  EXPECT_EQ(v.divisor, 0.0f);
  expect_gather_is_the_rows(v, d);
}

TEST(NnDataView, SetsOfManyValuesAndUncodedViewsCopyTheirRows) {
  const Dataset d = set_of(bytes_over(1000.0f, 257), 400, 40, 7);
  std::size_t distinct = 0;
  {
    std::vector<float> seen(d.x);
    std::sort(seen.begin(), seen.end());
    distinct = static_cast<std::size_t>(std::unique(seen.begin(), seen.end()) - seen.begin());
  }
  ASSERT_EQ(distinct, 257u);  // the draw reached every value
  const DataView<float> many = view_of<float>(d, true);
  EXPECT_TRUE(many.codes.empty());
  expect_gather_is_the_rows(many, d);
  const DataView<float> plain = view_of<float>(set_of(bytes_over(255.0f, 20), 50, 8, 8));
  EXPECT_TRUE(plain.codes.empty());
}

TEST(NnDataView, AMiniBatchTrainingEndsWhereItEndsWithoutCodes) {
  const Dataset d = set_of(bytes_over(255.0f, 256), 90, 12, 9);
  Model m = parse_model("mlp:12-6-3");
  m.activation = Activation::kSigmoid;
  m.loss = LossKind::kXent;
  TrainParams tp;
  tp.opt.kind = trilo::OptimizerKind::kMomentum;
  tp.opt.lr = 0.2;
  tp.batch = 16;
  tp.epochs = 3;
  const DataView<float> coded = view_of<float>(d, true);
  ASSERT_EQ(coded.divisor, 255.0f);
  DataView<float> plain = coded;
  plain.codes.clear();
  const std::size_t P = static_cast<std::size_t>(m.params());
  std::vector<double> s1(P), e1(P), s2(P), e2(P);
  const TrainOutcome a = train_one(m, tp, coded, static_cast<const DataView<float>*>(nullptr), 3, s1.data(), e1.data());
  const TrainOutcome b = train_one(m, tp, plain, static_cast<const DataView<float>*>(nullptr), 3, s2.data(), e2.data());
  EXPECT_EQ(a.steps, 18);
  EXPECT_EQ(std::memcmp(&a.loss, &b.loss, sizeof a.loss), 0);
  EXPECT_EQ(e1, e2);
  EXPECT_NE(e1, s1);
}

}  // namespace
