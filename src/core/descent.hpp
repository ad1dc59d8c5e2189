// The per-descent loop, written once: g++ compiles it for cpu/, nvcc for
// kernels/. A backend only decides which thread runs which index.
#pragma once

#include <cstdint>
#include <limits>

#include "core/hd.hpp"
#include "core/optimizers.hpp"
#include "core/rng.hpp"
#include "core/schedule.hpp"

namespace trilo {

enum class DescentStatus : std::int8_t { kConverged = 0, kMaxSteps = 1, kDiverged = 2 };

// What the quench of a descent that ran out of steps did (kNone: it had no
// quench: it converged or diverged within its steps, or quenches were off).
enum class QuenchResult : std::int8_t { kNone = 0, kConverged = 1, kMaxSteps = 2, kDiverged = 3 };

// A bounce: in each of the last kBounceWindow steps before the step limit
// the update reversed the direction of the one before (successive
// displacements with a negative dot product), the mark of a rate past the
// stability limit 2 / lambda rather than of a slow descent, whose steps keep
// their direction. Without noise, also a descent whose loss at the step
// limit is no lower than the lowest loss of the window's first half
// (kBounceWindow / 2 steps): it jumps about (between valleys, or circling
// with momentum) without alternating, where a slow descent's loss keeps
// falling.
constexpr int kBounceWindow = 16;

struct DescentParams {
  OptimizerParams opt;
  // The rate of step t is lr_at(schedule, opt.lr, t): opt.lr is the base
  // rate the schedule scales (a swept lr is the base of each value's run).
  LrSchedule schedule;
  std::int64_t max_steps = 5000;
  // The quench: a descent still short of the tolerance after max_steps goes
  // on for at most this many more steps without noise, at the constant base
  // rate opt.lr, from a fresh optimizer state (plain descent from where the
  // steps ran out), so it ends in the minimum it was in. 0: no quench.
  std::int64_t quench_steps = 0;
  // Watch the last kBounceWindow steps for a bounce (DescentOutcome::bounced).
  bool bounce_watch = true;
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
  std::int64_t steps;  // optimizer updates applied, the quench's included
  DescentStatus status;  // kMaxSteps for every descent that ran out of steps, quenched or not
  QuenchResult quench;
  bool bounced;  // ran out of steps bouncing (kBounceWindow); judged before any quench
};

// Compile-time choices of the descent loop that may change how fast it
// runs, never what it computes (kernels/descend.cu instantiates them to
// measure each against the general loop, DefaultTuning):
//   Optimizer   the update of this OptimizerKind only (-1: p.opt.kind, switched
//               at run time); the caller runs it only where p.opt.kind is that kind;
//   HoistBounds the box's bounds converted to T once, not at every step;
//   Step        the step counter's type; a narrower one than std::int64_t
//               only where max_steps + quench_steps + 1 fits it
//               (step_counter_fits);
//   FixedDim    the loops over coordinates run to the landscape's compile-
//               time dimension (L::kFixedDim) where it has one, not to
//               land.dim (equal to it): with a constant count the compiler
//               unrolls them and keeps the point, gradient and moments in
//               registers, where a run-time count leaves them in local memory
//               on a GPU.
template <int Optimizer = -1, bool HoistBounds = false, class Step = std::int64_t,
          bool FixedDim = false>
struct DescentTuning {
  static constexpr int kOptimizer = Optimizer;
  static constexpr bool kHoistBounds = HoistBounds;
  using StepType = Step;
  static constexpr bool kFixedDim = FixedDim;
};
using DefaultTuning = DescentTuning<>;

template <class Step>
inline bool step_counter_fits(const DescentParams& p) {
  constexpr std::int64_t kMost = static_cast<std::int64_t>(std::numeric_limits<Step>::max());
  return p.max_steps >= 0 && p.quench_steps >= 0 && p.max_steps < kMost / 2 && p.quench_steps < kMost / 2;
}

// The count of the descent loop's loops over coordinates (Tuning::kFixedDim).
template <class Tuning, class L>
TRILO_HD_INLINE int descent_dim(const L& land) {
  if constexpr (Tuning::kFixedDim && L::kFixedDim > 0)
    return L::kFixedDim;
  else
    return land.dim;
}

// Does nothing; the default observer of untraced descents.
struct NoObserver {
  template <class T>
  TRILO_HD void operator()(std::int64_t, const T*, int, T) const {}
};

// Runs one descent from x (updated in place to the end point, after the
// quench where there is one). The observer sees (step, x, n, loss) at every
// step before the update, the quench's steps numbered on, and the end point.
template <class T, int MaxDim, class Tuning = DefaultTuning, class L, class Obs = NoObserver>
TRILO_HD DescentOutcome<T> descend_one(const L& land, const DescentParams& p,
                                       std::uint64_t index, T* x, Obs&& observe = Obs{}) {
  const int n = descent_dim<Tuning>(land);
  T g[MaxDim];
  OptimizerState<T, MaxDim> st;
  st.reset(n);
  const Philox rng{p.seed};
  const T tol2 = T(p.tol) * T(p.tol);
  T sigma = T(p.noise);
  const bool scheduled = schedule_varies(p.schedule);
  // The bounce watch: displacements of the last kBounceWindow steps.
  // (Past max_steps, never reached, when off or when the steps are too few.)
  using Step = typename Tuning::StepType;
  const bool watch = p.bounce_watch && p.max_steps >= kBounceWindow;
  const Step watch_from = static_cast<Step>(watch ? p.max_steps - kBounceWindow : p.max_steps + 1);
  T before[MaxDim], last[MaxDim];
  int reversals = 0;
  // The lowest loss of the window's first half (steps watch_from ..
  // watch_from + kBounceWindow / 2 - 1), for the no-progress test.
  T low(0);
  bool low_seen = false;
  bool quenching = false;
  Step limit = static_cast<Step>(p.max_steps);
  // The box in T, converted once (Tuning::kHoistBounds; unused otherwise).
  T box_lo[Tuning::kHoistBounds ? MaxDim : 1], box_hi[Tuning::kHoistBounds ? MaxDim : 1];
  if constexpr (Tuning::kHoistBounds)
    for (int i = 0; i < n; ++i) {
      box_lo[i] = T(p.bound_lo[i]);
      box_hi[i] = T(p.bound_hi[i]);
    }

  DescentOutcome<T> out{T(0), T(0), 0, DescentStatus::kMaxSteps, QuenchResult::kNone, false};
  for (Step step = 0;; ++step) {
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
      if (quenching)
        out.quench = static_cast<QuenchResult>(static_cast<int>(status) + 1);
      else
        out.status = status;
      return out;
    };
    if (!is_finite(loss) || !is_finite(gn2)) return finish(DescentStatus::kDiverged);
    if (gn2 <= tol2) return finish(DescentStatus::kConverged);
    if (!quenching && step >= watch_from && step < watch_from + kBounceWindow / 2 &&
        (!low_seen || loss < low)) {
      low = loss;
      low_seen = true;
    }
    if (step == limit) {
      if (!quenching)
        out.bounced = watch && (reversals == kBounceWindow - 1 ||
                                (p.noise == 0 && low_seen && !(loss < low)));
      if (quenching || p.quench_steps <= 0) return finish(DescentStatus::kMaxSteps);
      quenching = true;  // out.status stays kMaxSteps
      limit = static_cast<Step>(step + p.quench_steps);
      sigma = T(0);
      st.reset(n);
    }
    if (sigma != T(0)) {
      for (int b = 0; 2 * b < n; ++b) {
        T z[2];
        normal_pair(rng, index, p.noise_stream, static_cast<std::uint32_t>(step),
                    static_cast<std::uint32_t>(b), z);
        g[2 * b] += sigma * z[0];
        if (2 * b + 1 < n) g[2 * b + 1] += sigma * z[1];
      }
    }
    const bool watched = !quenching && step >= watch_from;
    if (watched)
      for (int i = 0; i < n; ++i) before[i] = x[i];
    const T lr = scheduled && !quenching ? T(lr_at(p.schedule, p.opt.lr, step)) : T(p.opt.lr);
    if constexpr (Tuning::kOptimizer < 0)
      optimizer_update(p.opt, lr, st.m, st.v, st.b1t, st.b2t, n, g, x);
    else
      optimizer_update_as<static_cast<OptimizerKind>(Tuning::kOptimizer)>(p.opt, lr, st.m, st.v, st.b1t, st.b2t,
                                                                          n, g, x);
    if (watched) {
      const bool compare = step > watch_from;  // the window's first step has none before it
      T dot(0);
      for (int i = 0; i < n; ++i) {
        const T d = x[i] - before[i];
        if (compare) dot += d * last[i];
        last[i] = d;
      }
      if (compare && dot < T(0)) ++reversals;
    }
    for (int i = 0; i < n; ++i) {
      // Written so that NaN also counts as outside.
      bool inside;
      if constexpr (Tuning::kHoistBounds)
        inside = x[i] >= box_lo[i] && x[i] <= box_hi[i];
      else
        inside = x[i] >= T(p.bound_lo[i]) && x[i] <= T(p.bound_hi[i]);
      if (!inside) {
        out.loss = land.value_grad(x, g);
        gn2 = T(0);
        for (int k = 0; k < n; ++k) gn2 += g[k] * g[k];
        out.grad_norm = sqrt(gn2);
        out.steps = step + 1;
        if (quenching)
          out.quench = QuenchResult::kDiverged;
        else
          out.status = DescentStatus::kDiverged;
        observe(step + 1, static_cast<const T*>(x), n, out.loss);
        return out;
      }
    }
  }
}

}  // namespace trilo
