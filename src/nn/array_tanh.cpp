#include "nn/array_tanh.hpp"

#include <Eigen/Core>

namespace trilo::nn {

void tanh_array(const double* x, std::int64_t n, double* out) {
  using A = Eigen::Array<double, Eigen::Dynamic, 1>;
  const Eigen::Map<const A> v(x, n);
  Eigen::Map<A> t(out, n);
  // Cephes' P (x^2) and Q (x^2), Q monic; see the header.
  constexpr double P0 = -9.64399179425052238628e-1, P1 = -9.92877231001918586564e1,
                   P2 = -1.61468768441708447952e3;
  constexpr double Q1 = 1.12811678491632931402e2, Q2 = 2.23548839060100448583e3, Q3 = 4.84406305325125486048e3;
  // One division serves both branches: r = v x^2 P / Q below the threshold,
  // 2 / (exp(2|x|) + 1) above it.
  const auto x2 = v.square();
  const auto below = v.abs() < 0.625;
  const auto clamped = (v.abs() > 22.0).select(22.0, v.abs());  // NaN stays NaN
  const auto num = below.select(v * x2 * ((x2 * P0 + P1) * x2 + P2), 2.0);
  const auto den = below.select(((x2 + Q1) * x2 + Q2) * x2 + Q3, (2.0 * clamped).exp() + 1.0);
  const auto r = num / den;
  t = below.select(v + r, (v < 0.0).select(r - 1.0, 1.0 - r));
}

}  // namespace trilo::nn
