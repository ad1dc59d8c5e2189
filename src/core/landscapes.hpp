// The built-in landscapes. Each is one small struct with
//   value<S>(x)         the cost, templated on the scalar so that dual numbers
//                       give exact derivatives (used for Hessians and tests);
//   value_grad<T>(x, g) the cost and its exact gradient, hand-derived where it
//                       is short, forward-mode duals where it is not.
// Formulas, default boxes and known minima: docs/landscapes.md and
// src/core/catalog.cpp.
#pragma once

#include "core/dual.hpp"
#include "core/hd.hpp"

namespace trilo {

// Gradient through Dual<T, 2> for the fixed two-dimensional landscapes whose
// hand-derived gradient would be long and error-prone.
template <class L, class T>
TRILO_HD T value_grad_by_dual2(const L& land, const T* x, T* g) {
  Dual<T, 2> xd[2] = {Dual<T, 2>(x[0], 0), Dual<T, 2>(x[1], 1)};
  Dual<T, 2> f = land.value(xd);
  g[0] = f.d[0];
  g[1] = f.d[1];
  return f.v;
}

struct QuarticDimple {
  static constexpr int kFixedDim = 2;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    const S &x = w[0], &y = w[1];
    S x2 = x * x, dx = x - S(1.5), dy = y + S(0.5);
    return S(0.4) * x2 * x2 - S(2.0) * x2 + S(0.5) * y * y + S(0.1) * x * y -
           S(0.5) * exp(-(dx * dx + dy * dy));
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    T x = w[0], y = w[1];
    T x2 = x * x, dx = x - T(1.5), dy = y + T(0.5);
    T bump = exp(-(dx * dx + dy * dy));
    g[0] = T(1.6) * x2 * x - T(4) * x + T(0.1) * y + dx * bump;
    g[1] = y + T(0.1) * x + dy * bump;
    return T(0.4) * x2 * x2 - T(2) * x2 + T(0.5) * y * y + T(0.1) * x * y - T(0.5) * bump;
  }
};

struct Bowl {
  static constexpr int kFixedDim = 0;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    S s(0.0);
    for (int i = 0; i < dim; ++i) s += w[i] * w[i];
    return s;
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    T s(0);
    for (int i = 0; i < dim; ++i) {
      s += w[i] * w[i];
      g[i] = T(2) * w[i];
    }
    return s;
  }
};

struct DoubleWell {
  static constexpr int kFixedDim = 2;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    S x2 = w[0] * w[0];
    return x2 * x2 - S(4.0) * x2 + S(1.0) + w[1] * w[1];
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    T x = w[0], y = w[1], x2 = x * x;
    g[0] = T(4) * x2 * x - T(8) * x;
    g[1] = T(2) * y;
    return x2 * x2 - T(4) * x2 + T(1) + y * y;
  }
};

struct Himmelblau {
  static constexpr int kFixedDim = 2;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    S a = w[0] * w[0] + w[1] - S(11.0), b = w[0] + w[1] * w[1] - S(7.0);
    return a * a + b * b;
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    T x = w[0], y = w[1];
    T a = x * x + y - T(11), b = x + y * y - T(7);
    g[0] = T(4) * x * a + T(2) * b;
    g[1] = T(2) * a + T(4) * y * b;
    return a * a + b * b;
  }
};

struct SixHumpCamel {
  static constexpr int kFixedDim = 2;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    const S &x = w[0], &y = w[1];
    S x2 = x * x, y2 = y * y;
    return (S(4.0) - S(2.1) * x2 + x2 * x2 / S(3.0)) * x2 + x * y + (S(-4.0) + S(4.0) * y2) * y2;
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    T x = w[0], y = w[1], x2 = x * x, y2 = y * y;
    g[0] = T(8) * x - T(8.4) * x2 * x + T(2) * x2 * x2 * x + y;
    g[1] = x - T(8) * y + T(16) * y2 * y;
    return (T(4) - T(2.1) * x2 + x2 * x2 / T(3)) * x2 + x * y + (T(-4) + T(4) * y2) * y2;
  }
};

struct Rosenbrock {
  static constexpr int kFixedDim = 0;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    S s(0.0);
    for (int i = 0; i + 1 < dim; ++i) {
      S a = w[i + 1] - w[i] * w[i], b = S(1.0) - w[i];
      s += S(100.0) * a * a + b * b;
    }
    return s;
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    T s(0);
    for (int i = 0; i < dim; ++i) g[i] = T(0);
    for (int i = 0; i + 1 < dim; ++i) {
      T a = w[i + 1] - w[i] * w[i], b = T(1) - w[i];
      s += T(100) * a * a + b * b;
      g[i] += T(-400) * w[i] * a - T(2) * b;
      g[i + 1] += T(200) * a;
    }
    return s;
  }
};

struct Rastrigin {
  static constexpr int kFixedDim = 0;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    S s(10.0 * dim);
    for (int i = 0; i < dim; ++i) s += w[i] * w[i] - S(10.0) * cos(S(2.0 * kPi) * w[i]);
    return s;
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    T s = T(10) * T(dim);
    for (int i = 0; i < dim; ++i) {
      T a = T(2.0 * kPi) * w[i];
      s += w[i] * w[i] - T(10) * cos(a);
      g[i] = T(2) * w[i] + T(20.0 * kPi) * sin(a);
    }
    return s;
  }
};

// Ackley (a = 20, b = 0.2, c = 2 pi). The global minimum at the origin is a
// cusp: there the gradient is taken as 0 (the minimal-norm subgradient).
struct Ackley {
  static constexpr int kFixedDim = 0;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    S sq(0.0), cs(0.0);
    for (int i = 0; i < dim; ++i) {
      sq += w[i] * w[i];
      cs += cos(S(2.0 * kPi) * w[i]);
    }
    return S(-20.0) * exp(S(-0.2) * sqrt(sq / S(double(dim)))) - exp(cs / S(double(dim))) +
           S(20.0 + kE);
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    T sq(0), cs(0);
    for (int i = 0; i < dim; ++i) {
      sq += w[i] * w[i];
      cs += cos(T(2.0 * kPi) * w[i]);
    }
    T n = T(dim), r = sqrt(sq / n);
    T e1 = exp(T(-0.2) * r), e2 = exp(cs / n);
    T k1 = r > T(0) ? T(4) * e1 / (n * r) : T(0);
    T k2 = T(2.0 * kPi) * e2 / n;
    for (int i = 0; i < dim; ++i) g[i] = k1 * w[i] + k2 * sin(T(2.0 * kPi) * w[i]);
    return T(-20) * e1 - e2 + T(20.0 + kE);
  }
};

struct StyblinskiTang {
  static constexpr int kFixedDim = 0;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    S s(0.0);
    for (int i = 0; i < dim; ++i) {
      S x2 = w[i] * w[i];
      s += x2 * x2 - S(16.0) * x2 + S(5.0) * w[i];
    }
    return S(0.5) * s;
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    T s(0);
    for (int i = 0; i < dim; ++i) {
      T x = w[i], x2 = x * x;
      s += x2 * x2 - T(16) * x2 + T(5) * x;
      g[i] = T(2) * x2 * x - T(16) * x + T(2.5);
    }
    return T(0.5) * s;
  }
};

struct Beale {
  static constexpr int kFixedDim = 2;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    const S &x = w[0], &y = w[1];
    S y2 = y * y;
    S a = S(1.5) - x + x * y, b = S(2.25) - x + x * y2, c = S(2.625) - x + x * y2 * y;
    return a * a + b * b + c * c;
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    return value_grad_by_dual2(*this, w, g);
  }
};

struct GoldsteinPrice {
  static constexpr int kFixedDim = 2;
  int dim = 2;
  template <class S>
  TRILO_HD S value(const S* w) const {
    const S &x = w[0], &y = w[1];
    S p = x + y + S(1.0), q = S(2.0) * x - S(3.0) * y;
    S a = S(1.0) + p * p *
                       (S(19.0) - S(14.0) * x + S(3.0) * x * x - S(14.0) * y + S(6.0) * x * y +
                        S(3.0) * y * y);
    S b = S(30.0) + q * q *
                        (S(18.0) - S(32.0) * x + S(12.0) * x * x + S(48.0) * y - S(36.0) * x * y +
                         S(27.0) * y * y);
    return a * b;
  }
  template <class T>
  TRILO_HD T value_grad(const T* w, T* g) const {
    return value_grad_by_dual2(*this, w, g);
  }
};

// Exact Hessian (row-major n x n): column j is the derivative of the exact
// gradient along coordinate j, from value_grad over Dual<double, 1>. That is
// n gradient evaluations, O(n^2) for the separable landscapes, against
// O(n^3) for nested duals over value<> (which the tests use as the
// independent reference). Host-side analysis uses it in float64.
template <class L>
TRILO_HD void hessian(const L& land, const double* x, double* h) {
  using D1 = Dual<double, 1>;
  const int n = land.dim;
  D1 xs[kMaxDim], gs[kMaxDim];
  for (int j = 0; j < n; ++j) {
    for (int k = 0; k < n; ++k) xs[k] = D1(x[k], k == j ? 0 : -1);
    land.value_grad(xs, gs);
    for (int i = 0; i < n; ++i) h[i * n + j] = gs[i].d[0];
  }
  // Exact up to rounding; make it exactly symmetric for the eigensolver.
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) h[i * n + j] = h[j * n + i] = 0.5 * (h[i * n + j] + h[j * n + i]);
}

}  // namespace trilo
