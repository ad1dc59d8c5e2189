// The landscapes and their catalog: hand-derived gradients against dual
// numbers and finite differences, Hessians against differences of gradients,
// float against double, and every documented minimum against its defining
// properties (zero gradient, positive definite Hessian, listed value) and the
// literature.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/catalog.hpp"

namespace trilo {
namespace {

using Vec = std::vector<double>;

struct Case {
  LandscapeId id;
  int dim;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << landscape_info(c.id).name << " in " << c.dim << "-D";
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string s = landscape_info(info.param.id).name;
  std::replace(s.begin(), s.end(), '-', '_');
  return s + "_dim" + std::to_string(info.param.dim);
}

// Every catalog landscape: fixed ones at their dimension, the others at the
// given dimensions.
std::vector<Case> cases(std::initializer_list<int> any_dims) {
  std::vector<Case> out;
  for (const auto& info : landscape_catalog()) {
    if (info.fixed_dim != 0) {
      out.push_back({info.id, info.fixed_dim});
    } else {
      for (int d : any_dims) {
        if (info.id == LandscapeId::kRosenbrock && d < 2) continue;  // one term needs two axes
        out.push_back({info.id, d});
      }
    }
  }
  return out;
}

// Uniform points in the default box from a fixed-seed mt19937_64 (whose
// output is fixed by the standard, unlike std::uniform_real_distribution's).
std::vector<Vec> random_points(const Case& c, int count, std::uint64_t seed) {
  std::mt19937_64 rng(seed + 1000 * static_cast<std::uint64_t>(c.id) + c.dim);
  auto box = default_box(c.id, c.dim);
  std::vector<Vec> pts(count, Vec(c.dim));
  for (auto& p : pts) {
    for (int i = 0; i < c.dim; ++i) {
      double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
      p[i] = box[i].first + u * (box[i].second - box[i].first);
    }
  }
  return pts;
}

double max_abs(const Vec& v) {
  double m = 0;
  for (double a : v) m = std::max(m, std::fabs(a));
  return m;
}

// The pieces below take the concrete landscape through with_landscape, so a
// single test body covers all of them.
double value_of(const Case& c, const Vec& x) {
  return with_builtin_landscape({c.id, c.dim}, [&](auto land) { return land.value(x.data()); });
}
double value_grad_of(const Case& c, const Vec& x, Vec& g) {
  g.assign(c.dim, 0.0);
  return with_builtin_landscape({c.id, c.dim},
                        [&](auto land) { return land.value_grad(x.data(), g.data()); });
}
float value_grad_float(const Case& c, const std::vector<float>& x, std::vector<float>& g) {
  g.assign(c.dim, 0.0f);
  return with_builtin_landscape({c.id, c.dim},
                        [&](auto land) { return land.value_grad(x.data(), g.data()); });
}

// Gradient by forward-mode duals through value<>, independent of the
// hand-derived value_grad.
constexpr int kSlots = 8;
Vec dual_gradient(const Case& c, const Vec& x) {
  if (c.dim > kSlots) throw std::logic_error("dual_gradient: dimension above kSlots");
  using D = Dual<double, kSlots>;
  D xd[kSlots];
  for (int i = 0; i < c.dim; ++i) xd[i] = D(x[i], i);
  D f = with_builtin_landscape({c.id, c.dim}, [&](auto land) { return land.value(xd); });
  return Vec(f.d, f.d + c.dim);
}

Vec hessian_of(const Case& c, const Vec& x) {
  Vec h(c.dim * c.dim);
  with_builtin_landscape({c.id, c.dim}, [&](auto land) { hessian(land, x.data(), h.data()); });
  return h;
}

// d^2 f / dx_j dx_i with the seeds the other way round from hessian() (outer
// direction j, inner direction i), so comparing the two tests the symmetry of
// mixed partials through a different sequence of dual operations.
double swapped_second_partial(const Case& c, const Vec& x, int i, int j) {
  using D1 = Dual<double, 1>;
  using D2 = Dual<D1, 1>;
  D2 xs[kMaxDim];
  for (int k = 0; k < c.dim; ++k) {
    xs[k].v = D1(x[k], k == j ? 0 : -1);
    xs[k].d[0] = D1(k == i ? 1.0 : 0.0);
  }
  D2 f = with_builtin_landscape({c.id, c.dim}, [&](auto land) { return land.value(xs); });
  return f.d[0].d[0];
}

// Cholesky factor (lower, in place) of a symmetric n x n matrix; false when
// the matrix is not positive definite, which is exactly when this fails.
bool cholesky(Vec& a, int n) {
  for (int j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (int k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    a[j * n + j] = std::sqrt(d);
    for (int i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (int k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / a[j * n + j];
    }
  }
  return true;
}

// The Newton step H^-1 g: at a nondegenerate minimum, its length is the
// distance to the true minimum up to second-order terms.
Vec newton_step(Vec h, Vec g, int n) {
  if (!cholesky(h, n)) return Vec(n, std::numeric_limits<double>::infinity());
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < i; ++k) g[i] -= h[i * n + k] * g[k];
    g[i] /= h[i * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    for (int k = i + 1; k < n; ++k) g[i] -= h[k * n + i] * g[k];
    g[i] /= h[i * n + i];
  }
  return g;
}

constexpr int kPoints = 50;
constexpr std::uint64_t kSeed = 20240611;

// ---- derivatives at random points -------------------------------------------

class LandscapeAtRandomPoints : public testing::TestWithParam<Case> {};

TEST_P(LandscapeAtRandomPoints, ValueGradReturnsTheSameValueAsValue) {
  Vec g;
  for (const Vec& x : random_points(GetParam(), kPoints, kSeed)) {
    double v = value_of(GetParam(), x);
    EXPECT_NEAR(value_grad_of(GetParam(), x, g), v, 1e-13 * std::max(1.0, std::fabs(v)));
  }
}

TEST_P(LandscapeAtRandomPoints, GradientMatchesDualNumbers) {
  Vec g;
  for (const Vec& x : random_points(GetParam(), kPoints, kSeed)) {
    value_grad_of(GetParam(), x, g);
    Vec gd = dual_gradient(GetParam(), x);
    double tol = 1e-12 * std::max(1.0, max_abs(gd));
    for (int i = 0; i < GetParam().dim; ++i) EXPECT_NEAR(g[i], gd[i], tol) << "component " << i;
  }
}

TEST_P(LandscapeAtRandomPoints, GradientMatchesCentralDifferences) {
  Vec g;
  for (const Vec& x : random_points(GetParam(), kPoints, kSeed + 1)) {
    double f = value_grad_of(GetParam(), x, g);
    // Rounding in the difference is about 1e-16 |f| / h, hence the |f| term.
    double tol = 1e-6 * std::max(1.0, max_abs(g)) + 1e-9 * std::fabs(f);
    for (int i = 0; i < GetParam().dim; ++i) {
      Vec xp = x, xm = x;
      double h = 1e-6 * std::max(1.0, std::fabs(x[i]));
      xp[i] += h;
      xm[i] -= h;
      double fd = (value_of(GetParam(), xp) - value_of(GetParam(), xm)) / (xp[i] - xm[i]);
      EXPECT_NEAR(g[i], fd, tol) << "component " << i;
    }
  }
}

TEST_P(LandscapeAtRandomPoints, HessianMatchesDifferencesOfGradient) {
  const int n = GetParam().dim;
  Vec g, gp, gm;
  for (const Vec& x : random_points(GetParam(), kPoints, kSeed + 2)) {
    value_grad_of(GetParam(), x, g);
    Vec h = hessian_of(GetParam(), x);
    double tol = 1e-5 * std::max(1.0, max_abs(h)) + 1e-9 * max_abs(g);
    for (int i = 0; i < n; ++i) {
      Vec xp = x, xm = x;
      double step = 1e-5 * std::max(1.0, std::fabs(x[i]));
      xp[i] += step;
      xm[i] -= step;
      value_grad_of(GetParam(), xp, gp);
      value_grad_of(GetParam(), xm, gm);
      for (int j = 0; j < n; ++j) {
        EXPECT_NEAR(h[i * n + j], (gp[j] - gm[j]) / (xp[i] - xm[i]), tol) << i << "," << j;
      }
    }
  }
}

TEST_P(LandscapeAtRandomPoints, HessianIsSymmetric) {
  const int n = GetParam().dim;
  for (const Vec& x : random_points(GetParam(), 10, kSeed + 3)) {
    Vec h = hessian_of(GetParam(), x);
    double tol = 1e-12 * std::max(1.0, max_abs(h));
    for (int i = 0; i < n; ++i) {
      for (int j = i; j < n; ++j) {
        EXPECT_NEAR(h[j * n + i], h[i * n + j], tol);
        EXPECT_NEAR(swapped_second_partial(GetParam(), x, i, j), h[i * n + j], tol)
            << i << "," << j;
      }
    }
  }
}

TEST_P(LandscapeAtRandomPoints, FloatAgreesWithDoubleToFloatPrecision) {
  Vec g;
  std::vector<float> gf;
  for (const Vec& x : random_points(GetParam(), kPoints, kSeed + 4)) {
    // Same float point for both, so only the arithmetic differs.
    std::vector<float> xf(x.begin(), x.end());
    Vec xd(xf.begin(), xf.end());
    double v = value_grad_of(GetParam(), xd, g);
    float vf = value_grad_float(GetParam(), xf, gf);
    EXPECT_NEAR(vf, v, 1e-4 * std::max(1.0, std::fabs(v)));
    double tol = 1e-4 * std::max(1.0, max_abs(g));
    for (int i = 0; i < GetParam().dim; ++i) EXPECT_NEAR(gf[i], g[i], tol) << "component " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Catalog, LandscapeAtRandomPoints, testing::ValuesIn(cases({2, 3, 7})),
                         case_name);

// ---- documented minima --------------------------------------------------------

class DocumentedMinima : public testing::TestWithParam<Case> {};

TEST_P(DocumentedMinima, GradientVanishes) {
  Vec g;
  for (const auto& m : known_minima(GetParam().id, GetParam().dim)) {
    double f = value_grad_of(GetParam(), m.x, g);
    EXPECT_LT(max_abs(g), 1e-9 * std::max(1.0, std::fabs(f))) << "minimum of value " << m.value;
  }
}

// Minima where the landscape is smooth: all but Ackley's, a cusp where the
// Hessian does not exist (the duals give NaN); KnownMinima.AckleyOriginIsACuspMinimum
// checks that one instead.
class SmoothDocumentedMinima : public testing::TestWithParam<Case> {};

std::vector<Case> smooth_cases(std::initializer_list<int> any_dims) {
  std::vector<Case> out;
  for (const Case& c : cases(any_dims))
    if (c.id != LandscapeId::kAckley) out.push_back(c);
  return out;
}

TEST_P(SmoothDocumentedMinima, HessianIsPositiveDefinite) {
  for (const auto& m : known_minima(GetParam().id, GetParam().dim)) {
    Vec h = hessian_of(GetParam(), m.x);
    EXPECT_TRUE(cholesky(h, GetParam().dim)) << "minimum of value " << m.value;
  }
}

TEST_P(SmoothDocumentedMinima, PositionIsAccurateTo1e10) {
  Vec g;
  for (const auto& m : known_minima(GetParam().id, GetParam().dim)) {
    value_grad_of(GetParam(), m.x, g);
    Vec step = newton_step(hessian_of(GetParam(), m.x), g, GetParam().dim);
    EXPECT_LT(max_abs(step), 1e-10) << "minimum of value " << m.value;
  }
}

TEST_P(DocumentedMinima, ValueIsTheListedValue) {
  for (const auto& m : known_minima(GetParam().id, GetParam().dim)) {
    EXPECT_NEAR(value_of(GetParam(), m.x), m.value, 1e-10 * std::max(1.0, std::fabs(m.value)));
  }
}

TEST_P(DocumentedMinima, LieInTheDefaultBox) {
  auto box = default_box(GetParam().id, GetParam().dim);
  for (const auto& m : known_minima(GetParam().id, GetParam().dim)) {
    ASSERT_EQ(static_cast<int>(m.x.size()), GetParam().dim);
    for (int i = 0; i < GetParam().dim; ++i) {
      EXPECT_GE(m.x[i], box[i].first);
      EXPECT_LE(m.x[i], box[i].second);
    }
  }
}

TEST_P(DocumentedMinima, AreDistinct) {
  auto ms = known_minima(GetParam().id, GetParam().dim);
  for (std::size_t a = 0; a < ms.size(); ++a) {
    for (std::size_t b = a + 1; b < ms.size(); ++b) {
      double d2 = 0;
      for (int i = 0; i < GetParam().dim; ++i) {
        d2 += (ms[a].x[i] - ms[b].x[i]) * (ms[a].x[i] - ms[b].x[i]);
      }
      EXPECT_GT(std::sqrt(d2), 1e-3) << "minima " << a << " and " << b;
    }
  }
}

TEST_P(DocumentedMinima, GlobalFlagMarksExactlyTheLowest) {
  auto ms = known_minima(GetParam().id, GetParam().dim);
  ASSERT_FALSE(ms.empty());
  double lowest = ms[0].value;
  for (const auto& m : ms) lowest = std::min(lowest, m.value);
  for (const auto& m : ms) {
    EXPECT_EQ(m.global, m.value <= lowest + 1e-9 * std::max(1.0, std::fabs(lowest)));
  }
}

INSTANTIATE_TEST_SUITE_P(Catalog, DocumentedMinima, testing::ValuesIn(cases({1, 2, 3, 4, 5, 6, 7})),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Catalog, SmoothDocumentedMinima,
                         testing::ValuesIn(smooth_cases({1, 2, 3, 4, 5, 6, 7})), case_name);

// ---- minima against the literature ------------------------------------------

std::size_t count_minima(LandscapeId id, int dim) { return known_minima(id, dim).size(); }

TEST(KnownMinima, CountsMatchTheLiterature) {
  EXPECT_EQ(count_minima(LandscapeId::kQuarticDimple, 2), 2u);
  EXPECT_EQ(count_minima(LandscapeId::kDoubleWell, 2), 2u);
  EXPECT_EQ(count_minima(LandscapeId::kHimmelblau, 2), 4u);
  EXPECT_EQ(count_minima(LandscapeId::kSixHumpCamel, 2), 6u);
  EXPECT_EQ(count_minima(LandscapeId::kBeale, 2), 1u);
  EXPECT_EQ(count_minima(LandscapeId::kGoldsteinPrice, 2), 4u);
  // Extended Rosenbrock: one minimum for n = 2, 3; two for 4 <= n <= 7.
  EXPECT_EQ(count_minima(LandscapeId::kRosenbrock, 3), 1u);
  for (int n = 4; n <= 7; ++n) EXPECT_EQ(count_minima(LandscapeId::kRosenbrock, n), 2u) << n;
  // Styblinski-Tang: the full 2^n lattice up to n = 6, the global one above.
  for (int n = 1; n <= 6; ++n) EXPECT_EQ(count_minima(LandscapeId::kStyblinskiTang, n), 1u << n);
  EXPECT_EQ(count_minima(LandscapeId::kStyblinskiTang, 7), 1u);
}

// The documented minimum within `tol` (max norm) of `near`, if any.
std::optional<KnownMinimum> find_near(LandscapeId id, const Vec& near, double tol) {
  for (const auto& m : known_minima(id, static_cast<int>(near.size()))) {
    double d = 0;
    for (std::size_t i = 0; i < near.size(); ++i) d = std::max(d, std::fabs(m.x[i] - near[i]));
    if (d <= tol) return m;
  }
  return std::nullopt;
}

TEST(KnownMinima, PositionsAndValuesMatchTheLiterature) {
  struct Lit {
    LandscapeId id;
    Vec x;
    double x_tol, value, value_tol;
    bool global;
  };
  // Locations and values to the digits printed in Himmelblau 1972, Molga &
  // Smutnicki 2005, Jamil & Yang 2013 and Kok & Sandrock 2009; exact ones
  // (integers, rationals, sqrt 2) to double precision.
  const Lit lit[] = {
      {LandscapeId::kHimmelblau, {3.0, 2.0}, 0.0, 0.0, 1e-20, true},
      {LandscapeId::kHimmelblau, {-2.805118, 3.131312}, 1e-6, 0.0, 1e-20, true},
      {LandscapeId::kHimmelblau, {-3.779310, -3.283186}, 1e-6, 0.0, 1e-20, true},
      {LandscapeId::kHimmelblau, {3.584428, -1.848126}, 1e-6, 0.0, 1e-20, true},
      {LandscapeId::kSixHumpCamel, {0.0898, -0.7126}, 1e-4, -1.0316, 1e-4, true},
      {LandscapeId::kSixHumpCamel, {-0.0898, 0.7126}, 1e-4, -1.0316, 1e-4, true},
      {LandscapeId::kBeale, {3.0, 0.5}, 0.0, 0.0, 1e-20, true},
      {LandscapeId::kGoldsteinPrice, {0.0, -1.0}, 0.0, 3.0, 0.0, true},
      {LandscapeId::kGoldsteinPrice, {-0.6, -0.4}, 0.0, 30.0, 0.0, false},
      {LandscapeId::kGoldsteinPrice, {1.8, 0.2}, 0.0, 84.0, 0.0, false},
      {LandscapeId::kGoldsteinPrice, {1.2, 0.8}, 0.0, 840.0, 0.0, false},
      {LandscapeId::kDoubleWell, {-std::sqrt(2.0), 0.0}, 0.0, -3.0, 0.0, true},
      {LandscapeId::kDoubleWell, {std::sqrt(2.0), 0.0}, 0.0, -3.0, 0.0, true},
      {LandscapeId::kRosenbrock, {1.0, 1.0, 1.0, 1.0, 1.0}, 0.0, 0.0, 0.0, true},
      {LandscapeId::kRosenbrock, {-0.7757, 0.6131, 0.3821, 0.1460}, 1e-4, 3.7014, 1e-4, false},
      {LandscapeId::kAckley, {0.0, 0.0, 0.0}, 0.0, 0.0, 0.0, true},
      {LandscapeId::kRastrigin, {0.0, 0.0, 0.0}, 0.0, 0.0, 0.0, true},
  };
  for (const auto& l : lit) {
    const char* name = landscape_info(l.id).name;
    auto m = find_near(l.id, l.x, l.x_tol);
    ASSERT_TRUE(m.has_value()) << name << " near (" << l.x[0] << ", " << l.x[1] << ", ...)";
    EXPECT_NEAR(m->value, l.value, l.value_tol) << name;
    EXPECT_EQ(m->global, l.global) << name;
  }
}

TEST(KnownMinima, AckleyOriginIsACuspMinimum) {
  // Along every axis the value rises linearly (slope 4 / sqrt(n) from the
  // first term), which a smooth minimum could not do.
  for (int n : {1, 2, 7}) {
    Case c{LandscapeId::kAckley, n};
    Vec origin(n, 0.0);
    EXPECT_NEAR(value_of(c, origin), 0.0, 1e-14);
    for (int i = 0; i < n; ++i) {
      for (double t : {1e-6, -1e-6}) {
        Vec x = origin;
        x[i] = t;
        EXPECT_NEAR(value_of(c, x) / std::fabs(t), 4.0 / std::sqrt(double(n)), 1e-3);
      }
    }
  }
}

// Styblinski-Tang's 1-D roots, found here by long double Newton on
// 2 t^3 - 16 t + 2.5 rather than read from the catalog.
long double styblinski_tang_root(long double t) {
  for (int k = 0; k < 50; ++k) t -= (2 * t * t * t - 16 * t + 2.5L) / (6 * t * t - 16);
  return t;
}

TEST(KnownMinima, StyblinskiTangLatticeIsEveryCombinationOfTheTwoRoots) {
  const long double lo = styblinski_tang_root(-3), hi = styblinski_tang_root(3);
  const long double per_lo = (lo * lo * lo * lo - 16 * lo * lo + 5 * lo) / 2;
  // Surveys print -39.16599 n (Jamil & Yang 2013) or -39.16617 n; 60-digit
  // Newton gives -39.166165703771415... per coordinate.
  EXPECT_NEAR(static_cast<double>(per_lo), -39.166165703771415, 1e-12);
  for (int n : {1, 3, 6, 7}) {
    auto ms = known_minima(LandscapeId::kStyblinskiTang, n);
    EXPECT_TRUE(ms[0].global);
    EXPECT_NEAR(ms[0].value, static_cast<double>(n * per_lo), 1e-11 * n);
    std::vector<unsigned> seen;
    for (const auto& m : ms) {
      unsigned mask = 0;
      for (int i = 0; i < n; ++i) {
        bool at_lo = std::fabs(m.x[i] - static_cast<double>(lo)) < 1e-14;
        bool at_hi = std::fabs(m.x[i] - static_cast<double>(hi)) < 1e-14;
        ASSERT_TRUE(at_lo || at_hi) << "coordinate " << m.x[i];
        if (at_hi) mask |= 1u << i;
      }
      seen.push_back(mask);
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_TRUE(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
    EXPECT_EQ(seen.size(), n <= 6 ? (std::size_t{1} << n) : std::size_t{1});
  }
}

// ---- the catalog ---------------------------------------------------------------

TEST(Catalog, ListsTheElevenLandscapesByName) {
  const char* names[] = {"quartic-dimple",  "bowl",       "double-well",    "himmelblau",
                         "six-hump-camel",  "rosenbrock", "rastrigin",      "ackley",
                         "styblinski-tang", "beale",      "goldstein-price"};
  const auto& cat = landscape_catalog();
  ASSERT_EQ(cat.size(), 11u);
  for (std::size_t i = 0; i < cat.size(); ++i) {
    EXPECT_STREQ(cat[i].name, names[i]);
    EXPECT_EQ(&landscape_info(names[i]), &cat[i]);
    EXPECT_EQ(&landscape_info(cat[i].id), &cat[i]);
    EXPECT_NE(std::string(cat[i].formula), "");
    EXPECT_NE(std::string(cat[i].reference), "");
  }
}

TEST(Catalog, FixedDimensionAgreesWithTheStruct) {
  for (const auto& info : landscape_catalog()) {
    int dim = info.fixed_dim != 0 ? info.fixed_dim : 3;
    int struct_dim =
        with_builtin_landscape({info.id, dim}, [](auto land) { return decltype(land)::kFixedDim; });
    EXPECT_EQ(struct_dim, info.fixed_dim) << info.name;
  }
}

TEST(Catalog, DefaultBoxesAreTheDocumentedOnes) {
  auto camel = default_box(LandscapeId::kSixHumpCamel, 2);
  EXPECT_EQ(camel[0], std::make_pair(-3.0, 3.0));
  EXPECT_EQ(camel[1], std::make_pair(-2.0, 2.0));
  auto rastrigin = default_box(LandscapeId::kRastrigin, 5);
  ASSERT_EQ(rastrigin.size(), 5u);
  for (const auto& axis : rastrigin) EXPECT_EQ(axis, std::make_pair(-5.12, 5.12));
  EXPECT_EQ(default_box(LandscapeId::kBeale, 2)[1], std::make_pair(-4.5, 4.5));
  EXPECT_EQ(default_box(LandscapeId::kGoldsteinPrice, 2)[0], std::make_pair(-2.0, 2.0));
  for (const auto& info : landscape_catalog()) {
    EXPECT_EQ(std::isnan(info.box_lo_y), info.id != LandscapeId::kSixHumpCamel) << info.name;
  }
}

TEST(Catalog, BadDimensionsAreRejected) {
  EXPECT_THROW(default_box(LandscapeId::kHimmelblau, 3), std::invalid_argument);
  EXPECT_THROW(known_minima(LandscapeId::kBeale, 1), std::invalid_argument);
  EXPECT_THROW(default_box(LandscapeId::kRosenbrock, 1), std::invalid_argument);
  EXPECT_THROW(default_box(LandscapeId::kBowl, 0), std::invalid_argument);
  EXPECT_THROW(known_minima(LandscapeId::kBowl, kMaxDim + 1), std::invalid_argument);
  EXPECT_EQ(known_minima(LandscapeId::kBowl, kMaxDim).at(0).x.size(), std::size_t(kMaxDim));
}

std::string unknown_name_message(const std::string& name) {
  try {
    landscape_info(name);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

TEST(Catalog, UnknownNameThrowsAndSuggestsTheClosest) {
  EXPECT_EQ(unknown_name_message("himelblau"),
            "unknown landscape 'himelblau' (did you mean 'himmelblau'?)");
  EXPECT_NE(unknown_name_message("Rosenbrok").find("'rosenbrock'"), std::string::npos);
  EXPECT_NE(unknown_name_message("styblinski_tang").find("'styblinski-tang'"), std::string::npos);
  EXPECT_NE(unknown_name_message("six-hump-camle").find("'six-hump-camel'"), std::string::npos);
  EXPECT_EQ(unknown_name_message("").find('\n'), std::string::npos);
  EXPECT_THROW(landscape_info(std::string("Bowl")), std::invalid_argument);  // names are exact
}

}  // namespace
}  // namespace trilo
