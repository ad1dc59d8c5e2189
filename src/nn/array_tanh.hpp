// tanh over an array of float64, vectorised.
//
// Eigen 3.4 has no vectorised tanh for double (its packet traits leave
// HasTanh off), so `array().tanh()` calls the C library once an element:
// about 28 cycles each here, four times a small network's matrix products.
// This one evaluates every element by the same branch-free formula, a
// vector at a time:
//   |x| < 0.625:  x + x^3 P(x^2) / Q(x^2), the rational approximation of
//                 Cephes' tanh (S. L. Moshier, Cephes Math Library, tanh.c,
//                 coefficients of its double version);
//   otherwise:    sign(x) (1 - 2 / (exp(2 min(|x|, 22)) + 1)), exp being
//                 Eigen's vectorised one (above 22, tanh rounds to 1).
// Both branches are computed and one is chosen per element. The error is
// at most a few units in the last place (tests/test_nn_array_tanh.cpp);
// NaN stays NaN, infinities give +-1.
#pragma once

#include <cstdint>

namespace trilo::nn {

// out[i] = tanh(x[i]) for i < n; out may be x.
void tanh_array(const double* x, std::int64_t n, double* out);

}  // namespace trilo::nn
