// First and second partial derivatives of every operation, in one place so
// the forward-mode evaluator (and later the batched and generated code) use
// the same conventions.
//
// Conventions where the math is undefined or non-smooth:
// - abs'(0) = 0 (the subgradient nearest zero), abs'' = 0 everywhere.
// - min(a, b) is a when a <= b, max(a, b) is a when a >= b: ties pick the
//   first argument, and the derivative is that argument's. NaN propagates.
// - u^v with v constant (a number, n, a sum counter, a parameter) uses the
//   power rule, so x^2 and x^3 are smooth for negative x and x^1, x^0 have
//   exact derivatives at 0. With v depending on w the v-derivatives are
//   u^v log(u): NaN for u < 0; at u = 0 where u^v = 0 they are taken as 0.
// - Domain errors follow <cmath> and give NaN or +-inf, never an exception:
//   log(-1) = NaN, log(0) = -inf, sqrt(-1) = NaN, sqrt'(0) = +inf, 1/0 = inf.
// - Where the value is NaN, all partials are NaN as well.
// - sigmoid and softplus are evaluated in overflow-free forms.
#pragma once

#include <cmath>

#include "expr/program.hpp"

namespace trilo::expr {

struct Partials {
  double f = 0, fa = 0, fb = 0, faa = 0, fab = 0, fbb = 0;
};

inline double stable_sigmoid(double a) {
  if (a >= 0) return 1.0 / (1.0 + std::exp(-a));
  double ea = std::exp(a);
  return ea / (1.0 + ea);
}

inline double stable_softplus(double a) {
  return (a > 0 ? a : 0.0) + std::log1p(std::exp(-std::fabs(a)));
}

// The value only: the fast path and the reference for every test.
inline double apply(Op op, double a, double b) {
  switch (op) {
    case Op::kNeg: return -a;
    case Op::kExp: return std::exp(a);
    case Op::kLog: return std::log(a);
    case Op::kLog1p: return std::log1p(a);
    case Op::kSqrt: return std::sqrt(a);
    case Op::kSin: return std::sin(a);
    case Op::kCos: return std::cos(a);
    case Op::kTan: return std::tan(a);
    case Op::kTanh: return std::tanh(a);
    case Op::kSinh: return std::sinh(a);
    case Op::kCosh: return std::cosh(a);
    case Op::kAtan: return std::atan(a);
    case Op::kAbs: return std::fabs(a);
    case Op::kSigmoid: return stable_sigmoid(a);
    case Op::kSoftplus: return stable_softplus(a);
    case Op::kAdd: return a + b;
    case Op::kSub: return a - b;
    case Op::kMul: return a * b;
    case Op::kDiv: return a / b;
    case Op::kPow: return std::pow(a, b);
    case Op::kAtan2: return std::atan2(a, b);
    case Op::kMin: return (a <= b || std::isnan(a)) ? a : b;
    case Op::kMax: return (a >= b || std::isnan(a)) ? a : b;
    default: return std::nan("");
  }
}

// With order 1 only f, fa, fb are filled. b_varying says whether the second
// operand depends on w (it selects the power rule for ^).
inline Partials partials(Op op, double a, double b, bool b_varying, int order) {
  Partials p;
  p.f = apply(op, a, b);
  const bool second = order >= 2;
  switch (op) {
    case Op::kNeg: p.fa = -1; break;
    case Op::kExp: p.fa = p.f; p.faa = p.f; break;
    case Op::kLog: p.fa = 1 / a; p.faa = -1 / (a * a); break;
    case Op::kLog1p: p.fa = 1 / (1 + a); p.faa = -p.fa * p.fa; break;
    case Op::kSqrt: p.fa = 0.5 / p.f; p.faa = -0.25 / (p.f * p.f * p.f); break;
    case Op::kSin: p.fa = std::cos(a); p.faa = -p.f; break;
    case Op::kCos: p.fa = -std::sin(a); p.faa = -p.f; break;
    case Op::kTan: p.fa = 1 + p.f * p.f; p.faa = 2 * p.f * p.fa; break;
    case Op::kTanh: p.fa = 1 - p.f * p.f; p.faa = -2 * p.f * p.fa; break;
    case Op::kSinh: p.fa = std::cosh(a); p.faa = p.f; break;
    case Op::kCosh: p.fa = std::sinh(a); p.faa = p.f; break;
    case Op::kAtan: p.fa = 1 / (1 + a * a); p.faa = -2 * a * p.fa * p.fa; break;
    case Op::kAbs: p.fa = a > 0 ? 1.0 : (a < 0 ? -1.0 : (std::isnan(a) ? a : 0.0)); break;
    case Op::kSigmoid: p.fa = p.f * (1 - p.f); p.faa = p.fa * (1 - 2 * p.f); break;
    case Op::kSoftplus: {
      double s = stable_sigmoid(a);
      p.fa = s;
      p.faa = s * (1 - s);
      break;
    }
    case Op::kAdd: p.fa = 1; p.fb = 1; break;
    case Op::kSub: p.fa = 1; p.fb = -1; break;
    case Op::kMul: p.fa = b; p.fb = a; p.fab = 1; break;
    case Op::kDiv:
      p.fa = 1 / b;
      p.fb = -a / (b * b);
      p.fab = -1 / (b * b);
      p.fbb = 2 * a / (b * b * b);
      break;
    case Op::kPow: {
      // b == 0 and b == 1 avoid 0 * inf at a == 0.
      p.fa = b == 0 ? 0.0 : b * std::pow(a, b - 1);
      if (second) p.faa = (b == 0 || b == 1) ? 0.0 : b * (b - 1) * std::pow(a, b - 2);
      if (b_varying) {
        double la = std::log(a);
        p.fb = p.f == 0 ? 0.0 : p.f * la;
        if (second) {
          p.fbb = p.f == 0 ? 0.0 : p.fb * la;
          // d/db (b a^(b-1)) = a^(b-1) (1 + b log a)
          p.fab = p.f == 0 ? 0.0 : std::pow(a, b - 1) * (1 + b * la);
        }
      }
      break;
    }
    case Op::kAtan2: {
      double r2 = a * a + b * b;
      p.fa = b / r2;
      p.fb = -a / r2;
      p.faa = -2 * a * b / (r2 * r2);
      p.fbb = -p.faa;
      p.fab = (a * a - b * b) / (r2 * r2);
      break;
    }
    case Op::kMin: {
      bool first = a <= b || std::isnan(a);
      p.fa = first ? 1 : 0;
      p.fb = first ? 0 : 1;
      break;
    }
    case Op::kMax: {
      bool first = a >= b || std::isnan(a);
      p.fa = first ? 1 : 0;
      p.fb = first ? 0 : 1;
      break;
    }
    default: break;
  }
  // Outside the domain every derivative is NaN too, not a finite number
  // that a descent could follow (log'(-1) would otherwise be -1).
  if (std::isnan(p.f)) p.fa = p.fb = p.faa = p.fab = p.fbb = p.f;
  return p;
}

}  // namespace trilo::expr
