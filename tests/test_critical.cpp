// The critical-point census against references derived independently in
// this file: the polynomial systems of Himmelblau and the six-hump camel
// reduced by hand to one variable and solved by bisection, Rastrigin's 1-D
// derivative bisected and tensored. Hessian signs from hand-derived second
// derivatives.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "analysis/critical.hpp"
#include "jobs/critical_job.hpp"

namespace {

using trilo::analysis::CriticalTable;
using trilo::analysis::PointKind;
using trilo::config::RunConfig;

constexpr double kPi = 3.14159265358979323846;

struct RefPoint {
  double x, y, value;
  int index;  // negative Hessian eigenvalues
};

trilo::jobs::CriticalJobResult census(const char* landscape, int dim = 0) {
  RunConfig c;
  c.job = "critical";
  c.landscape = landscape;
  c.dim = dim;
  c.output = "/tmp/unused.h5";  // validated only
  trilo::jobs::apply_critical_defaults(c, false, false);
  trilo::config::Resolved r = trilo::config::validate(c);
  auto be = trilo::backend::make_cpu_backend(2);
  return trilo::jobs::execute_critical(c, r, *be, nullptr);
}

// Roots of h on [lo, hi]: sign changes on a fine scan, each bisected to
// machine precision. `ok` masks where h is defined.
std::vector<double> roots(const std::function<double(double)>& h,
                          const std::function<bool(double)>& ok, double lo, double hi, int cells) {
  std::vector<double> out;
  for (int k = 0; k < cells; ++k) {
    double a = lo + (hi - lo) * k / cells, b = lo + (hi - lo) * (k + 1) / cells;
    if (!ok(a) || !ok(b)) continue;
    double fa = h(a), fb = h(b);
    if (fa == 0) out.push_back(a);
    if (fa * fb >= 0) continue;
    for (int it = 0; it < 200 && b - a > 1e-15 * std::max(1.0, std::abs(a)); ++it) {
      const double m = 0.5 * (a + b), fm = h(m);
      if ((fm < 0) == (fa < 0)) {
        a = m;
        fa = fm;
      } else {
        b = m;
      }
    }
    out.push_back(0.5 * (a + b));
  }
  return out;
}

// Index of a 2x2 symmetric Hessian from its determinant and trace.
int index_2x2(double hxx, double hxy, double hyy) {
  const double det = hxx * hyy - hxy * hxy, tr = hxx + hyy;
  if (det < 0) return 1;
  return tr > 0 ? 0 : 2;
}

// Every reference point is a row of the table (position to 1e-6, value to
// 1e-8, the same Morse index), and the table has no other rows.
void expect_matches(const CriticalTable& t, const std::vector<RefPoint>& ref) {
  ASSERT_EQ(t.dim, 2);
  ASSERT_EQ(t.n_points, static_cast<std::int64_t>(ref.size()));
  for (const RefPoint& p : ref) {
    std::int64_t row = -1;
    for (std::int64_t r = 0; r < t.n_points; ++r)
      if (std::hypot(t.position[2 * r] - p.x, t.position[2 * r + 1] - p.y) <= 1e-6) row = r;
    ASSERT_GE(row, 0) << "no critical point found at (" << p.x << ", " << p.y << ")";
    EXPECT_NEAR(t.loss[row], p.value, 1e-8) << "at (" << p.x << ", " << p.y << ")";
    EXPECT_EQ(t.morse_index[row], p.index) << "at (" << p.x << ", " << p.y << ")";
    const PointKind want = p.index == 0 ? PointKind::kMinimum
                           : p.index == 2 ? PointKind::kMaximum
                                          : PointKind::kSaddle;
    EXPECT_EQ(t.kind[row], static_cast<std::int8_t>(want));
  }
}

std::vector<RefPoint> himmelblau_reference() {
  // dC/dy = 0 is quadratic in x: x^2 + 2 y x + (2 y^3 - 13 y - 11) = 0, so
  // x = -y +/- sqrt(y^2 - 2 y^3 + 13 y + 11); then dC/dx = 0 along each branch.
  auto disc = [](double y) { return y * y - 2 * y * y * y + 13 * y + 11; };
  auto value = [](double x, double y) {
    const double a = x * x + y - 11, b = x + y * y - 7;
    return a * a + b * b;
  };
  std::vector<RefPoint> ref;
  for (int sign : {-1, 1}) {
    auto x_of = [&](double y) { return -y + sign * std::sqrt(disc(y)); };
    auto gx = [&](double y) {
      const double x = x_of(y);
      return 4 * x * (x * x + y - 11) + 2 * (x + y * y - 7);
    };
    for (double y : roots(gx, [&](double y) { return disc(y) >= 0; }, -5, 5, 20000)) {
      const double x = x_of(y);
      if (x < -5 || x > 5) continue;
      ref.push_back({x, y, value(x, y),
                     index_2x2(12 * x * x + 4 * y - 42, 4 * x + 4 * y, 4 * x + 12 * y * y - 26)});
    }
  }
  return ref;
}

TEST(CriticalCensus, HimmelblauHasFourMinimaFourSaddlesAndOneMaximum) {
  const auto res = census("himmelblau");
  const CriticalTable& t = res.census.table;
  EXPECT_EQ(t.n_minima, 4);
  EXPECT_EQ(t.n_saddles, 4);
  EXPECT_EQ(t.n_maxima, 1);
  EXPECT_EQ(t.n_degenerate, 0);
  EXPECT_EQ(t.euler_characteristic, 1);
  const auto ref = himmelblau_reference();
  ASSERT_EQ(ref.size(), 9u);
  expect_matches(t, ref);
  // The maximum from the literature (Himmelblau 1972): (-0.270845, -0.923039), 181.617.
  const std::int64_t top = t.n_points - 1;
  EXPECT_NEAR(t.position[2 * top], -0.270845, 1e-6);
  EXPECT_NEAR(t.position[2 * top + 1], -0.923039, 1e-6);
  EXPECT_NEAR(t.loss[top], 181.617, 1e-3);
}

TEST(CriticalCensus, SixHumpCamelHasSixMinimaSevenSaddlesAndTwoMaxima) {
  // dC/dy = x - 8 y + 16 y^3 = 0 gives x = 8 y - 16 y^3; then dC/dx = 0 in y.
  auto x_of = [](double y) { return 8 * y - 16 * y * y * y; };
  auto gx = [&](double y) {
    const double x = x_of(y), x2 = x * x;
    return 8 * x - 8.4 * x2 * x + 2 * x2 * x2 * x + y;
  };
  std::vector<RefPoint> ref;
  for (double y : roots(gx, [&](double y) { return std::abs(x_of(y)) <= 3; }, -2, 2, 40000)) {
    const double x = x_of(y), x2 = x * x, y2 = y * y;
    const double v = (4 - 2.1 * x2 + x2 * x2 / 3) * x2 + x * y + (-4 + 4 * y2) * y2;
    ref.push_back({x, y, v, index_2x2(8 - 25.2 * x2 + 10 * x2 * x2, 1, -8 + 48 * y2)});
  }
  ASSERT_EQ(ref.size(), 15u);
  const auto res = census("six-hump-camel");
  const CriticalTable& t = res.census.table;
  EXPECT_EQ(t.n_minima, 6);
  EXPECT_EQ(t.n_saddles, 7);
  EXPECT_EQ(t.n_maxima, 2);
  EXPECT_EQ(t.euler_characteristic, 1);
  expect_matches(t, ref);
}

TEST(CriticalCensus, Rastrigin2DHas121Minima220SaddlesAnd100Maxima) {
  // 1-D: C'(x) = 2 x + 20 pi sin(2 pi x), C''(x) = 2 + 40 pi^2 cos(2 pi x).
  auto d1 = [](double x) { return 2 * x + 20 * kPi * std::sin(2 * kPi * x); };
  auto d2 = [](double x) { return 2 + 40 * kPi * kPi * std::cos(2 * kPi * x); };
  auto c1 = [](double x) { return x * x - 10 * std::cos(2 * kPi * x); };
  const auto xs = roots(d1, [](double) { return true; }, -5.12, 5.12, 10240);
  ASSERT_EQ(xs.size(), 21u);
  std::vector<RefPoint> ref;
  for (double x : xs)
    for (double y : xs)
      ref.push_back({x, y, 20 + c1(x) + c1(y), int(d2(x) < 0) + int(d2(y) < 0)});
  const auto res = census("rastrigin", 2);
  const CriticalTable& t = res.census.table;
  EXPECT_EQ(t.n_minima, 121);
  EXPECT_EQ(t.n_saddles, 220);
  EXPECT_EQ(t.n_maxima, 100);
  EXPECT_EQ(t.euler_characteristic, 1);
  expect_matches(t, ref);
}

TEST(CriticalCensus, EverySearchIsCountedOnceAndRowsAreSortedByLoss) {
  const auto res = census("himmelblau");
  const CriticalTable& t = res.census.table;
  std::int64_t counted = 0;
  for (std::int64_t k : t.count) counted += k;
  std::int64_t labelled = 0;
  for (std::int32_t l : res.census.labels) labelled += l >= 0;
  EXPECT_EQ(counted, labelled);
  EXPECT_EQ(t.n_starts, trilo::jobs::kCriticalStarts);
  for (std::int64_t r = 1; r < t.n_points; ++r) EXPECT_LE(t.loss[r - 1], t.loss[r] + 1e-9);
}

}  // namespace
