// The per-start search for critical points (minima, saddles, maxima alike),
// written once for both backends: Levenberg-Marquardt on the gradient
// system grad C(x) = 0, i.e. on |grad C|^2, whose Jacobian is the Hessian H.
// Each step solves (H^2 + mu I) dx = -H g: with mu -> 0 it is Newton's step
// (quadratic convergence to any non-degenerate stationary point, whatever
// its index); with mu large it is a short gradient step on |g|^2. A step is
// kept only if it lowers |g|; mu shrinks after a kept step and grows after a
// refused one (Marquardt 1963, SIAM J. Appl. Math. 11:431; Nocedal & Wright,
// Numerical Optimization, 2nd ed., sec. 10.3).
#pragma once

#include <cstdint>

#include "core/descent.hpp"
#include "core/dual.hpp"
#include "core/hd.hpp"
#include "core/sampling.hpp"
#include "core/work.hpp"
#if !defined(__CUDACC__)
#include "expr/expr_landscape.hpp"
#endif

namespace trilo {

struct CriticalParams {
  std::int64_t max_steps = 200;  // Hessian evaluations (outer iterations)
  double tol = 1e-10;            // converged when |grad C| <= tol
  double max_step = 1e300;       // longest step taken at once (Euclidean)
  // Diverged when a coordinate leaves [bound_lo, bound_hi] or anything
  // becomes non-finite.
  double bound_lo[kMaxDim] = {};
  double bound_hi[kMaxDim] = {};
};

// Exact Hessian (row-major n x n) in the run's precision: column j is the
// derivative of value_grad along coordinate j through Dual<T, 1>.
template <class T, int MaxDim, class L>
TRILO_HD void hessian_in(const L& land, const T* x, T* h) {
  using D1 = Dual<T, 1>;
  const int n = land.dim;
  D1 xs[MaxDim], gs[MaxDim];
  for (int j = 0; j < n; ++j) {
    for (int k = 0; k < n; ++k) xs[k] = D1(x[k], k == j ? 0 : -1);
    land.value_grad(xs, gs);
    for (int i = 0; i < n; ++i) h[i * n + j] = gs[i].d[0];
  }
}

#if !defined(__CUDACC__)
// Formulas evaluate in float64 only: their Hessian comes from the
// second-order evaluator and is rounded to T.
template <class T, int MaxDim>
void hessian_in(const ExprLandscape& land, const T* x, T* h) {
  const int n = land.dim;
  double xd[MaxDim], hd[MaxDim * MaxDim];
  for (int i = 0; i < n; ++i) xd[i] = double(x[i]);
  hessian(land, xd, hd);
  for (int i = 0; i < n * n; ++i) h[i] = T(hd[i]);
}
#endif

// Solves A y = b in place (b becomes y) for symmetric positive definite A
// (row-major n x n, overwritten by its Cholesky factor). False when A is
// not numerically positive definite.
template <class T>
TRILO_HD bool cholesky_solve(T* a, T* b, int n) {
  for (int j = 0; j < n; ++j) {
    T d = a[j * n + j];
    for (int k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > T(0))) return false;
    d = sqrt(d);
    a[j * n + j] = d;
    for (int i = j + 1; i < n; ++i) {
      T s = a[i * n + j];
      for (int k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / d;
    }
  }
  for (int i = 0; i < n; ++i) {  // L z = b
    T s = b[i];
    for (int k = 0; k < i; ++k) s -= a[i * n + k] * b[k];
    b[i] = s / a[i * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {  // L^T y = z
    T s = b[i];
    for (int k = i + 1; k < n; ++k) s -= a[k * n + i] * b[k];
    b[i] = s / a[i * n + i];
  }
  return true;
}

// Searches from x (updated in place) for a point where |grad C| <= tol.
// Converged: found; max-steps: out of steps, or stalled where |g|^2 has a
// local minimum that is not a critical point; diverged: left the bounds or
// became non-finite.
template <class T, int MaxDim, class L>
TRILO_HD DescentOutcome<T> critical_search(const L& land, const CriticalParams& p, T* x) {
  const int n = land.dim;
  T g[MaxDim], gn[MaxDim], xn[MaxDim], dx[MaxDim];
  T h[MaxDim * MaxDim], a[MaxDim * MaxDim];
  const T tol2 = T(p.tol) * T(p.tol);
  auto norm2 = [n](const T* v) {
    T s(0);
    for (int i = 0; i < n; ++i) s += v[i] * v[i];
    return s;
  };
  auto outside = [&](const T* v) {
    for (int i = 0; i < n; ++i)
      if (!is_finite(v[i]) || double(v[i]) < p.bound_lo[i] || double(v[i]) > p.bound_hi[i])
        return true;
    return false;
  };
  T loss = land.value_grad(x, g);
  T g2 = norm2(g);
  DescentOutcome<T> out{loss, sqrt(g2), 0, DescentStatus::kMaxSteps, QuenchResult::kNone, false};
  if (outside(x) || !is_finite(loss) || !is_finite(g2)) {
    out.status = DescentStatus::kDiverged;
    return out;
  }
  T mu(-1);  // set from the first Hessian's scale
  for (std::int64_t step = 0;; ++step) {
    out.loss = loss;
    out.grad_norm = sqrt(g2);
    out.steps = step;
    if (g2 <= tol2) {
      out.status = DescentStatus::kConverged;
      return out;
    }
    if (step >= p.max_steps) return out;
    hessian_in<T, MaxDim>(land, x, h);
    // H^2 (H symmetric) and its scale.
    T scale(0);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        T s(0);
        for (int k = 0; k < n; ++k) s += h[i * n + k] * h[k * n + j];
        a[i * n + j] = s;
        if (i == j && s > scale) scale = s;
      }
    if (!is_finite(scale)) {
      out.status = DescentStatus::kDiverged;
      return out;
    }
    const T floor_mu = T(1e-14) * (scale > T(0) ? scale : T(1));
    if (mu < T(0)) mu = T(1e-6) * (scale > T(0) ? scale : T(1));
    bool kept = false;
    for (int attempt = 0; attempt < 40 && !kept; ++attempt) {
      T m[MaxDim * MaxDim];
      for (int i = 0; i < n * n; ++i) m[i] = a[i];
      for (int i = 0; i < n; ++i) {
        m[i * n + i] += mu;
        T s(0);
        for (int k = 0; k < n; ++k) s += h[i * n + k] * g[k];
        dx[i] = -s;
      }
      if (cholesky_solve(m, dx, n)) {
        const T len = sqrt(norm2(dx));
        const T shrink = len > T(p.max_step) ? T(p.max_step) / len : T(1);
        for (int i = 0; i < n; ++i) xn[i] = x[i] + shrink * dx[i];
        if (!outside(xn)) {
          const T ln = land.value_grad(xn, gn);
          const T gn2 = norm2(gn);
          if (is_finite(ln) && gn2 < g2) {
            for (int i = 0; i < n; ++i) {
              x[i] = xn[i];
              g[i] = gn[i];
            }
            loss = ln;
            g2 = gn2;
            kept = true;
          }
        }
      }
      mu = kept ? (mu * T(0.25) > floor_mu ? mu * T(0.25) : floor_mu) : mu * T(4);
    }
    if (!kept) return out;  // stalled: |g| cannot be lowered from here
  }
}

// Search number `index` from its start, written to row `row` of the output
// columns (the same columns as descents: start, end, loss, grad_norm, steps
// taken, status).
template <class T, int MaxDim, class L>
TRILO_HD void critical_item(const L& land, const CriticalParams& p, const StartSpec& s,
                            std::int64_t index, std::int64_t row, const DescentColumns& out) {
  const int n = land.dim;
  double x0[MaxDim] = {};
  start_point(s, index, x0);
  T x[MaxDim] = {};
  for (int i = 0; i < n; ++i) {
    x[i] = T(x0[i]);
    out.start[row * n + i] = x0[i];
  }
  DescentOutcome<T> r = critical_search<T, MaxDim>(land, p, x);
  for (int i = 0; i < n; ++i) out.end[row * n + i] = double(x[i]);
  out.loss[row] = double(r.loss);
  out.grad_norm[row] = double(r.grad_norm);
  out.steps[row] = r.steps;
  out.status[row] = static_cast<std::int8_t>(r.status);
}

}  // namespace trilo
