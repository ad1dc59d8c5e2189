// K descents stepped together by one thread: K independent dependency
// chains in one loop, so that a GPU thread issues one descent's arithmetic
// while another's waits on its latency (instruction-level parallelism). On a
// GPU one descent per thread is one serial chain of dependent steps.
//
// Each descent follows descend_one (src/core/descent.hpp) step for step: the
// same value_grad, the same tests in the same order (non-finite, converged,
// step limit), the same noise draws, the same rate of its step and the same
// optimizer update, the same bound test after it, the same bounce watch and
// the same quench; it ends with the same steps, status and end point, bit for
// bit. Only which descent shares a thread with which, and when, differs.
#pragma once

#include <cstdint>

#include "core/descent.hpp"
#include "core/hd.hpp"
#include "core/sampling.hpp"
#include "core/work.hpp"

namespace trilo {

// Descents of the rows row0, row0 + stride, row0 + 2 stride, ... below
// `count` (descent first + r in row r of `cols`), in groups of K stepped
// together until the group's last one ends. A GPU thread passes its
// grid-stride sequence (a grid of count / K threads gives each thread one
// group); row0 = 0, stride = 1 runs them all in one loop.
//
// Every slot computes each step's landscape and update, live or not (a
// slot whose descent has ended, or that had no row, computes on values
// nobody reads), so the K chains' arithmetic stays in one block the
// compiler can interleave; the tests that end a descent are taken per slot.
// A slot whose descent ends waits for the group's others rather than take
// the next row: refilling inside the loop would carry the start's
// computation, and its registers, through every step, and on a GPU a warp
// already runs as long as its longest descent.
template <class T, int MaxDim, int K, class Tuning = DefaultTuning, class L>
TRILO_HD void descend_interleaved(const L& land, const DescentParams& p, const StartSpec& s,
                                  std::int64_t first, std::int64_t row0, std::int64_t stride,
                                  std::int64_t count, const DescentColumns& cols) {
  static_assert(K >= 1, "at least one descent a thread");
  using Step = typename Tuning::StepType;
  const int n = descent_dim<Tuning>(land);
  const Philox rng{p.seed};
  const T tol2 = T(p.tol) * T(p.tol);
  const bool scheduled = schedule_varies(p.schedule);
  const bool watch = p.bounce_watch && p.max_steps >= kBounceWindow;
  const Step watch_from = static_cast<Step>(watch ? p.max_steps - kBounceWindow : p.max_steps + 1);
  T box_lo[Tuning::kHoistBounds ? MaxDim : 1], box_hi[Tuning::kHoistBounds ? MaxDim : 1];
  if constexpr (Tuning::kHoistBounds)
    for (int i = 0; i < n; ++i) {
      box_lo[i] = T(p.bound_lo[i]);
      box_hi[i] = T(p.bound_hi[i]);
    }

  // Each slot's descent: what descend_one keeps in its locals.
  T x[K][MaxDim], g[K][MaxDim], before[K][MaxDim], last[K][MaxDim];
  OptimizerState<T, MaxDim> st[K];
  std::int64_t row[K];  // -1: no descent (it has ended, or there was no row)
  Step step[K], limit[K];
  T sigma[K], low[K];
  int reversals[K];
  bool low_seen[K], quenching[K];
  DescentOutcome<T> out[K];

  int live = 0;
  // Puts row r into slot k, at its step 0; r at or past count leaves the
  // slot without a descent, computing on harmless values.
  const auto fill = [&](int k, std::int64_t r) {
    if (r < count) {
      row[k] = r;
      ++live;
      begin_descent_row<T, MaxDim>(s, n, first + r, r, cols, x[k]);
    } else {
      row[k] = -1;
      for (int i = 0; i < n; ++i) x[k][i] = T(0);
    }
    st[k].reset(n);
    step[k] = 0;
    limit[k] = static_cast<Step>(p.max_steps);
    sigma[k] = T(p.noise);
    low[k] = T(0);
    reversals[k] = 0;
    low_seen[k] = quenching[k] = false;
    out[k] = DescentOutcome<T>{T(0), T(0), 0, DescentStatus::kMaxSteps, QuenchResult::kNone, false};
  };
  // Ends slot k's descent at its current step with this status (within the
  // quench, the quench's result), its end point in x[k].
  const auto finish = [&](int k, T loss, T gn2, std::int64_t steps, DescentStatus status) {
    out[k].loss = loss;
    out[k].grad_norm = sqrt(gn2);
    out[k].steps = steps;
    if (quenching[k])
      out[k].quench = static_cast<QuenchResult>(static_cast<int>(status) + 1);
    else
      out[k].status = status;
    end_descent_row(out[k], x[k], n, row[k], cols);
    row[k] = -1;
    --live;
  };

  for (std::int64_t group = row0; group < count; group += K * stride) {
    TRILO_UNROLL
    for (int k = 0; k < K; ++k) fill(k, group + k * stride);
    while (live > 0) {
      T loss[K], gn2[K];
      TRILO_UNROLL
      for (int k = 0; k < K; ++k) {
        loss[k] = land.value_grad(x[k], g[k]);
        gn2[k] = T(0);
        for (int i = 0; i < n; ++i) gn2[k] += g[k][i] * g[k][i];
      }
      bool moves[K];  // takes this step's update (its descent goes on)
      TRILO_UNROLL
      for (int k = 0; k < K; ++k) {
        moves[k] = false;
        if (row[k] < 0) continue;
        if (!is_finite(loss[k]) || !is_finite(gn2[k])) {
          finish(k, loss[k], gn2[k], step[k], DescentStatus::kDiverged);
          continue;
        }
        if (gn2[k] <= tol2) {
          finish(k, loss[k], gn2[k], step[k], DescentStatus::kConverged);
          continue;
        }
        if (!quenching[k] && step[k] >= watch_from && step[k] < watch_from + kBounceWindow / 2 &&
            (!low_seen[k] || loss[k] < low[k])) {
          low[k] = loss[k];
          low_seen[k] = true;
        }
        if (step[k] == limit[k]) {
          if (!quenching[k])
            out[k].bounced = watch && (reversals[k] == kBounceWindow - 1 ||
                                       (p.noise == 0 && low_seen[k] && !(loss[k] < low[k])));
          if (quenching[k] || p.quench_steps <= 0) {
            finish(k, loss[k], gn2[k], step[k], DescentStatus::kMaxSteps);
            continue;
          }
          quenching[k] = true;  // out[k].status stays kMaxSteps
          limit[k] = static_cast<Step>(step[k] + p.quench_steps);
          sigma[k] = T(0);
          st[k].reset(n);
        }
        moves[k] = true;
        if (sigma[k] != T(0)) {
          const std::uint64_t index = static_cast<std::uint64_t>(first + row[k]);
          for (int b = 0; 2 * b < n; ++b) {
            T z[2];
            normal_pair(rng, index, p.noise_stream, static_cast<std::uint32_t>(step[k]),
                        static_cast<std::uint32_t>(b), z);
            g[k][2 * b] += sigma[k] * z[0];
            if (2 * b + 1 < n) g[k][2 * b + 1] += sigma[k] * z[1];
          }
        }
      }
      bool watched[K];
      TRILO_UNROLL
      for (int k = 0; k < K; ++k) {
        watched[k] = moves[k] && !quenching[k] && step[k] >= watch_from;
        if (watched[k])
          for (int i = 0; i < n; ++i) before[k][i] = x[k][i];
      }
      TRILO_UNROLL
      for (int k = 0; k < K; ++k) {
        const T lr =
            scheduled && !quenching[k] ? T(lr_at(p.schedule, p.opt.lr, step[k])) : T(p.opt.lr);
        if constexpr (Tuning::kOptimizer < 0)
          optimizer_update(p.opt, lr, st[k].m, st[k].v, st[k].b1t, st[k].b2t, n, g[k], x[k]);
        else
          optimizer_update_as<static_cast<OptimizerKind>(Tuning::kOptimizer)>(
              p.opt, lr, st[k].m, st[k].v, st[k].b1t, st[k].b2t, n, g[k], x[k]);
      }
      TRILO_UNROLL
      for (int k = 0; k < K; ++k) {
        if (!watched[k]) continue;
        const bool compare = step[k] > watch_from;  // the window's first step has none before it
        T dot(0);
        for (int i = 0; i < n; ++i) {
          const T d = x[k][i] - before[k][i];
          if (compare) dot += d * last[k][i];
          last[k][i] = d;
        }
        if (compare && dot < T(0)) ++reversals[k];
      }
      TRILO_UNROLL
      for (int k = 0; k < K; ++k) {
        if (!moves[k]) continue;
        bool inside = true;  // written so that NaN also counts as outside
        for (int i = 0; i < n; ++i) {
          if constexpr (Tuning::kHoistBounds)
            inside = inside && x[k][i] >= box_lo[i] && x[k][i] <= box_hi[i];
          else
            inside = inside && x[k][i] >= T(p.bound_lo[i]) && x[k][i] <= T(p.bound_hi[i]);
        }
        if (!inside) {
          const T end_loss = land.value_grad(x[k], g[k]);
          T end_gn2(0);
          for (int i = 0; i < n; ++i) end_gn2 += g[k][i] * g[k][i];
          finish(k, end_loss, end_gn2, std::int64_t(step[k]) + 1, DescentStatus::kDiverged);
          continue;
        }
        ++step[k];
      }
    }
  }
}

}  // namespace trilo
