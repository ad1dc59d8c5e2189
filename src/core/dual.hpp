// Forward-mode dual numbers: a value and N first derivatives. Nesting
// (Dual<Dual<double,1>,1>) gives exact second derivatives, which is how every
// landscape's Hessian is computed from its one templated `value` function.
#pragma once

#include "core/hd.hpp"

namespace trilo {

template <class T, int N>
struct Dual {
  T v{};
  T d[N]{};

  // No TRILO_HD: nvcc ignores (and warns about) execution-space annotations on
  // a function defaulted at its first declaration; it is host-device anyway.
  Dual() = default;
  TRILO_HD Dual(double c) : v(T(c)) {  // NOLINT: constants promote implicitly
    for (int i = 0; i < N; ++i) d[i] = T(0);
  }
  TRILO_HD Dual(const T& value, int seed_slot) : v(value) {
    for (int i = 0; i < N; ++i) d[i] = T(i == seed_slot ? 1 : 0);
  }
};

template <class T, int N>
TRILO_HD Dual<T, N> operator+(const Dual<T, N>& a, const Dual<T, N>& b) {
  Dual<T, N> r;
  r.v = a.v + b.v;
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] + b.d[i];
  return r;
}
template <class T, int N>
TRILO_HD Dual<T, N> operator-(const Dual<T, N>& a, const Dual<T, N>& b) {
  Dual<T, N> r;
  r.v = a.v - b.v;
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] - b.d[i];
  return r;
}
template <class T, int N>
TRILO_HD Dual<T, N> operator-(const Dual<T, N>& a) {
  Dual<T, N> r;
  r.v = -a.v;
  for (int i = 0; i < N; ++i) r.d[i] = -a.d[i];
  return r;
}
template <class T, int N>
TRILO_HD Dual<T, N> operator*(const Dual<T, N>& a, const Dual<T, N>& b) {
  Dual<T, N> r;
  r.v = a.v * b.v;
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] * b.v + a.v * b.d[i];
  return r;
}
template <class T, int N>
TRILO_HD Dual<T, N> operator/(const Dual<T, N>& a, const Dual<T, N>& b) {
  Dual<T, N> r;
  r.v = a.v / b.v;
  for (int i = 0; i < N; ++i) r.d[i] = (a.d[i] - r.v * b.d[i]) / b.v;
  return r;
}
// Mixed with plain constants (double), which the landscapes write as literals.
template <class T, int N>
TRILO_HD Dual<T, N> operator+(const Dual<T, N>& a, double c) { return a + Dual<T, N>(c); }
template <class T, int N>
TRILO_HD Dual<T, N> operator+(double c, const Dual<T, N>& a) { return Dual<T, N>(c) + a; }
template <class T, int N>
TRILO_HD Dual<T, N> operator-(const Dual<T, N>& a, double c) { return a - Dual<T, N>(c); }
template <class T, int N>
TRILO_HD Dual<T, N> operator-(double c, const Dual<T, N>& a) { return Dual<T, N>(c) - a; }
template <class T, int N>
TRILO_HD Dual<T, N> operator*(const Dual<T, N>& a, double c) { return a * Dual<T, N>(c); }
template <class T, int N>
TRILO_HD Dual<T, N> operator*(double c, const Dual<T, N>& a) { return Dual<T, N>(c) * a; }
template <class T, int N>
TRILO_HD Dual<T, N> operator/(const Dual<T, N>& a, double c) { return a / Dual<T, N>(c); }
template <class T, int N>
TRILO_HD Dual<T, N> operator/(double c, const Dual<T, N>& a) { return Dual<T, N>(c) / a; }
template <class T, int N>
TRILO_HD Dual<T, N>& operator+=(Dual<T, N>& a, const Dual<T, N>& b) { return a = a + b; }

// Comparisons look at the value only (branches in value_grad, e.g. Ackley's
// guard at the cusp, then differentiate the branch taken).
template <class T, int N>
TRILO_HD bool operator>(const Dual<T, N>& a, const Dual<T, N>& b) { return a.v > b.v; }
template <class T, int N>
TRILO_HD bool operator<(const Dual<T, N>& a, const Dual<T, N>& b) { return a.v < b.v; }

// Chain rule for a unary function with value fv and derivative dfv at a.v.
template <class T, int N>
TRILO_HD Dual<T, N> chain(const Dual<T, N>& a, const T& fv, const T& dfv) {
  Dual<T, N> r;
  r.v = fv;
  for (int i = 0; i < N; ++i) r.d[i] = dfv * a.d[i];
  return r;
}
template <class T, int N>
TRILO_HD Dual<T, N> exp(const Dual<T, N>& a) {
  T e = exp(a.v);
  return chain(a, e, e);
}
template <class T, int N>
TRILO_HD Dual<T, N> log(const Dual<T, N>& a) {
  return chain(a, log(a.v), T(1.0) / a.v);
}
template <class T, int N>
TRILO_HD Dual<T, N> sqrt(const Dual<T, N>& a) {
  T s = sqrt(a.v);
  return chain(a, s, T(0.5) / s);
}
template <class T, int N>
TRILO_HD Dual<T, N> sin(const Dual<T, N>& a) {
  return chain(a, sin(a.v), cos(a.v));
}
template <class T, int N>
TRILO_HD Dual<T, N> cos(const Dual<T, N>& a) {
  return chain(a, cos(a.v), -sin(a.v));
}

// The plain value under any nesting of duals.
TRILO_HD_INLINE double primal(double a) { return a; }
TRILO_HD_INLINE float primal(float a) { return a; }
template <class T, int N>
TRILO_HD auto primal(const Dual<T, N>& a) { return primal(a.v); }

}  // namespace trilo
