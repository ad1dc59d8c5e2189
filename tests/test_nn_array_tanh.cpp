// The vectorised float64 tanh of hidden layers against the C library's
// long-double tanhl, over the whole range its two formulas cover and the
// points where they meet, and its special values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <limits>
#include <vector>

#include "nn/array_tanh.hpp"

namespace {

using trilo::nn::tanh_array;

// |got - want| in units of the last place of the double nearest to want.
double ulps(double got, long double want) {
  const double w = static_cast<double>(want);
  const double ulp = std::nextafter(std::fabs(w), std::numeric_limits<double>::infinity()) - std::fabs(w);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / ulp);
}

TEST(NnArrayTanh, WithinTwoUnitsInTheLastPlaceEverywhere) {
  std::vector<double> x;
  for (int i = -300000; i <= 300000; ++i) x.push_back(i * 1e-4);               // [-30, 30], step 1e-4
  for (double t = 1e-300; t < 1; t *= 1.37) x.insert(x.end(), {t, -t});        // tiny to one, geometric
  for (double c : {0.625, 22.0})                                                // where the branches meet
    for (int k = -40; k <= 40; ++k) x.insert(x.end(), {c + k * 1e-15 * c, -(c + k * 1e-15 * c)});
  std::uint64_t s = 88172645463325252ull;  // xorshift: scattered points in [-3, 3]
  for (int i = 0; i < 200000; ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    x.push_back(6.0 * static_cast<double>(s >> 11) / 9007199254740992.0 - 3.0);
  }
  std::vector<double> t(x.size());
  tanh_array(x.data(), static_cast<std::int64_t>(x.size()), t.data());
  double worst = 0, at = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double e = ulps(t[i], std::tanh(static_cast<long double>(x[i])));
    if (e > worst) worst = e, at = x[i];
  }
  EXPECT_LE(worst, 2.0) << "worst at x = " << at;
  std::printf("worst %.3f ulp at %.17g\n", worst, at);
}

TEST(NnArrayTanh, OddAndSpecialValues) {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> x = {0.0, -0.0, inf, -inf, nan, 1e308, -1e308, 0.3, -0.3, 5.0, -5.0};
  std::vector<double> t(x.size());
  tanh_array(x.data(), static_cast<std::int64_t>(x.size()), t.data());
  EXPECT_EQ(t[0], 0.0);
  EXPECT_EQ(t[1], 0.0);
  EXPECT_EQ(t[2], 1.0);
  EXPECT_EQ(t[3], -1.0);
  EXPECT_TRUE(std::isnan(t[4]));
  EXPECT_EQ(t[5], 1.0);
  EXPECT_EQ(t[6], -1.0);
  EXPECT_EQ(t[8], -t[7]);
  EXPECT_EQ(t[10], -t[9]);
}

TEST(NnArrayTanh, InPlaceAndAnyLengthGiveTheSameValues) {
  std::vector<double> x(37);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.17 * static_cast<double>(i) - 3.1;
  std::vector<double> whole(x.size());
  tanh_array(x.data(), static_cast<std::int64_t>(x.size()), whole.data());
  for (std::size_t i = 0; i < x.size(); ++i) {  // one element at a time, at every offset
    double one = 0;
    tanh_array(&x[i], 1, &one);
    EXPECT_EQ(one, whole[i]) << i;
  }
  std::vector<double> y = x;
  tanh_array(y.data(), static_cast<std::int64_t>(y.size()), y.data());
  EXPECT_EQ(y, whole);
}

}  // namespace
