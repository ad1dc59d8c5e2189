// The per-descent loop, written once: g++ compiles it for cpu/, nvcc for
// kernels/. A backend only decides which thread runs which index.
#pragma once

#include <cstdint>

#include "core/hd.hpp"
#include "core/optimizers.hpp"
#include "core/rng.hpp"

namespace trilo {

enum class DescentStatus : std::int8_t { kConverged = 0, kMaxSteps = 1, kDiverged = 2 };

struct DescentParams {
  OptimizerParams opt;
  std::int64_t max_steps = 5000;
  double tol = 1e-6;    // converged when |grad C| <= tol (true gradient, no noise)
  double noise = 0.0;   // sigma of Gaussian noise added to each gradient component
  std::uint64_t seed = 0;
  RngStream noise_stream = RngStream::kNoise;
  // Diverged when a coordinate leaves [bound_lo, bound_hi] (the box enlarged
  // about its centre) or anything becomes non-finite.
  double bound_lo[kMaxDim] = {};
  double bound_hi[kMaxDim] = {};
};

template <class T>
struct DescentOutcome {
  T loss;
  T grad_norm;
  std::int64_t steps;  // optimizer updates applied
  DescentStatus status;
};

// Does nothing; the default observer of untraced descents.
struct NoObserver {
  template <class T>
  TRILO_HD void operator()(std::int64_t, const T*, int, T) const {}
};

// Runs one descent from x (updated in place to the end point). The observer
// sees (step, x, n, loss) at every step before the update, and the end point.
template <class T, int MaxDim, class L, class Obs = NoObserver>
TRILO_HD DescentOutcome<T> descend_one(const L& land, const DescentParams& p,
                                       std::uint64_t index, T* x, Obs&& observe = Obs{}) {
  const int n = land.dim;
  T g[MaxDim];
  OptimizerState<T, MaxDim> st;
  st.reset(n);
  const Philox rng{p.seed};
  const T tol2 = T(p.tol) * T(p.tol);
  const T sigma = T(p.noise);

  DescentOutcome<T> out{T(0), T(0), 0, DescentStatus::kMaxSteps};
  for (std::int64_t step = 0;; ++step) {
    T loss = land.value_grad(x, g);
    T gn2(0);
    for (int i = 0; i < n; ++i) gn2 += g[i] * g[i];
    observe(step, static_cast<const T*>(x), n, loss);
    // The norm's square root is taken once, at the end: per step it cost as
    // much as a 2-D landscape's arithmetic on a GPU.
    const auto finish = [&](DescentStatus status) {
      out.loss = loss;
      out.grad_norm = sqrt(gn2);
      out.steps = step;
      out.status = status;
      return out;
    };
    if (!is_finite(loss) || !is_finite(gn2)) return finish(DescentStatus::kDiverged);
    if (gn2 <= tol2) return finish(DescentStatus::kConverged);
    if (step == p.max_steps) return finish(DescentStatus::kMaxSteps);
    if (sigma != T(0)) {
      for (int b = 0; 2 * b < n; ++b) {
        T z[2];
        normal_pair(rng, index, p.noise_stream, static_cast<std::uint32_t>(step),
                    static_cast<std::uint32_t>(b), z);
        g[2 * b] += sigma * z[0];
        if (2 * b + 1 < n) g[2 * b + 1] += sigma * z[1];
      }
    }
    optimizer_step(p.opt, st, n, g, x);
    for (int i = 0; i < n; ++i) {
      // Written so that NaN also counts as outside.
      if (!(x[i] >= T(p.bound_lo[i]) && x[i] <= T(p.bound_hi[i]))) {
        out.loss = land.value_grad(x, g);
        gn2 = T(0);
        for (int k = 0; k < n; ++k) gn2 += g[k] * g[k];
        out.grad_norm = sqrt(gn2);
        out.steps = step + 1;
        out.status = DescentStatus::kDiverged;
        observe(step + 1, static_cast<const T*>(x), n, out.loss);
        return out;
      }
    }
  }
}

}  // namespace trilo
