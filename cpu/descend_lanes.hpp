// Descents W at a time: one OpenMP thread steps a block of W descents held
// in structure-of-arrays form (coordinate i of lane l is x[i][l]), and a
// lane whose descent ends takes the next start from the queue at once, so
// lanes stay busy while descents of very different lengths run.
//
// Each lane follows descend_one (src/core/descent.hpp) step for step: the
// same value_grad, the same tests in the same order (non-finite, converged,
// step limit), the same noise draws, the same rate of its step and the same
// optimizer update, the same bound test after it, the same bounce watch
// and the same quench. Which lane or thread runs a descent, and when,
// changes nothing in its result.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/catalog.hpp"
#include "core/descent.hpp"
#include "core/sampling.hpp"
#include "core/work.hpp"
#include "cpu/lanes.hpp"


#pragma GCC diagnostic ignored "-Wpsabi"  // see cpu/lanes.hpp

namespace trilo::cpu {

// Landscapes the lanes serve: everything but a value_grad that branches on
// its argument (Ackley's guard at the cusp) and formulas (compiled or
// interpreted code with a scalar interface).
template <class L>
constexpr bool kLanesServe = !std::is_same_v<L, Ackley> && !std::is_same_v<L, ExprLandscape>;

// The shared queue of descents [first, first + count) for one backend call.
struct LaneQueue {
  std::int64_t first, count;
  std::atomic<std::int64_t> next{0};
  static constexpr std::int64_t kGrab = 64;  // descents taken per visit to the atomic
};

template <class T, int W, Isa I, LaneMath M, int MaxDim, class L>
inline void lanes_worker(const L& land, const DescentParams& p, const StartSpec& s,
                         LaneQueue& q, const DescentColumns& out) {
  using V = Lanes<T, W, I, M>;
  const int n = land.dim;
  V x[MaxDim], g[MaxDim];
  OptimizerState<V, MaxDim> st;
  st.reset(n);
  std::int64_t row[W], born[W];  // row -1: lane idle (queue empty)
  std::int64_t limit_step[W];     // the lane's step limit: max_steps, then the quench's end
  bool quenching[W];
  int reversals[W];               // the bounce watch (descend_one), per lane
  T low[W];                       // ... its lowest loss of the window's first half
  bool low_seen[W] = {};
  bool bounced[W] = {};
  V before[MaxDim] = {}, last[MaxDim] = {};
  const Philox rng{p.seed};
  const T tol2 = T(p.tol) * T(p.tol);
  const T sigma = T(p.noise);
  const bool scheduled = schedule_varies(p.schedule);
  const bool watch = p.bounce_watch && p.max_steps >= kBounceWindow;  // else none can bounce
  T lo[MaxDim], hi[MaxDim];
  for (int i = 0; i < n; ++i) lo[i] = T(p.bound_lo[i]), hi[i] = T(p.bound_hi[i]);

  std::int64_t mine = 0, mine_end = 0;  // this thread's grabbed rows
  std::int64_t k = 0;                   // block iteration; lane step = k - born
  int live = 0;
  // Puts the next queued descent into lane l (its step 0 is iteration at).
  auto fill = [&](int l, std::int64_t at) {
    if (mine == mine_end) {
      mine = q.next.fetch_add(LaneQueue::kGrab, std::memory_order_relaxed);
      mine_end = mine + LaneQueue::kGrab < q.count ? mine + LaneQueue::kGrab : q.count;
      if (mine >= q.count) mine = mine_end = q.count;
    }
    if (mine == mine_end) {  // idle: harmless coordinates, never reported
      row[l] = -1;
      for (int i = 0; i < n; ++i) x[i].set(l, T(0));
      return;
    }
    const std::int64_t r = mine++;
    double x0[MaxDim] = {};
    start_point(s, q.first + r, x0);
    for (int i = 0; i < n; ++i) {
      x[i].set(l, T(x0[i]));
      out.start[r * n + i] = x0[i];
      st.m[i].set(l, T(0));
      st.v[i].set(l, T(0));
    }
    st.b1t.set(l, T(1));
    st.b2t.set(l, T(1));
    row[l] = r;
    born[l] = at;
    limit_step[l] = p.max_steps;
    quenching[l] = false;
    reversals[l] = 0;
    low_seen[l] = false;
    bounced[l] = false;
    ++live;
  };
  auto finish = [&](int l, T loss, T gn2, std::int64_t steps, DescentStatus status) {
    const std::int64_t r = row[l];
    for (int i = 0; i < n; ++i) out.end[r * n + i] = double(x[i][l]);
    out.loss[r] = double(loss);
    out.grad_norm[r] = double(trilo::sqrt(gn2));
    out.steps[r] = steps;
    out.status[r] = static_cast<std::int8_t>(quenching[l] ? DescentStatus::kMaxSteps : status);
    if (out.quench)
      out.quench[r] = static_cast<std::int8_t>(quenching[l] ? static_cast<int>(status) + 1 : 0);
    if (out.bounced) out.bounced[r] = bounced[l] ? 1 : 0;
    --live;
  };
  // The earliest iteration at which a live lane reaches its step limit.
  auto next_limit = [&] {
    std::int64_t m = INT64_MAX;
    for (int l = 0; l < W; ++l)
      if (row[l] >= 0 && born[l] + limit_step[l] < m) m = born[l] + limit_step[l];
    return m;
  };
  // The earliest iteration at which a live lane not quenching enters the
  // bounce watch's window (the last kBounceWindow steps before max_steps).
  auto next_watch = [&] {
    std::int64_t m = INT64_MAX;
    if (watch)
      for (int l = 0; l < W; ++l)
        if (row[l] >= 0 && !quenching[l] && born[l] + p.max_steps - kBounceWindow < m)
          m = born[l] + p.max_steps - kBounceWindow;
    return m;
  };

  for (int l = 0; l < W; ++l) fill(l, 0);
  std::int64_t limit = next_limit(), watch_k = next_watch();
  while (live > 0) {
    const V loss = land.value_grad(x, g);
    V gn2(0);
    for (int i = 0; i < n; ++i) gn2 += g[i] * g[i];
    const auto ends = lanes_end(loss, gn2, tol2);
    if (k >= watch_k)
      for (int l = 0; l < W; ++l) {
        if (row[l] < 0 || quenching[l]) continue;
        const std::int64_t step = k - born[l], from = p.max_steps - kBounceWindow;
        if (step >= from && step < from + kBounceWindow / 2 && (!low_seen[l] || loss[l] < low[l])) {
          low[l] = loss[l];
          low_seen[l] = true;
        }
      }
    bool fresh[W] = {};  // refilled this iteration: their step 0 comes next iteration
    bool any_fresh = false;
    if (lanes_any<I>(ends) || k >= limit) {
      for (int l = 0; l < W; ++l) {
        if (row[l] < 0) continue;
        const std::int64_t step = k - born[l];
        DescentStatus status;
        if (!is_finite(loss[l]) || !is_finite(gn2[l]))
          status = DescentStatus::kDiverged;
        else if (gn2[l] <= tol2)
          status = DescentStatus::kConverged;
        else if (step == limit_step[l]) {
          if (!quenching[l])
            bounced[l] = watch && (reversals[l] == kBounceWindow - 1 ||
                                   (p.noise == 0 && low_seen[l] && !(loss[l] < low[l])));
          if (!quenching[l] && p.quench_steps > 0) {  // the quench starts: fresh state, no noise
            quenching[l] = true;
            limit_step[l] = step + p.quench_steps;
            for (int i = 0; i < n; ++i) st.m[i].set(l, T(0)), st.v[i].set(l, T(0));
            st.b1t.set(l, T(1));
            st.b2t.set(l, T(1));
            continue;
          }
          status = DescentStatus::kMaxSteps;
        } else {
          continue;
        }
        finish(l, loss[l], gn2[l], step, status);
        fill(l, k + 1);
        fresh[l] = any_fresh = true;
      }
      limit = next_limit();
      watch_k = next_watch();
      if (live == 0) break;
    }
    if (sigma != T(0)) {
      for (int l = 0; l < W; ++l) {
        if (row[l] < 0 || fresh[l] || quenching[l]) continue;
        const std::uint64_t index = static_cast<std::uint64_t>(q.first + row[l]);
        const auto step = static_cast<std::uint32_t>(k - born[l]);
        for (int b = 0; 2 * b < n; ++b) {
          T z[2];
          normal_pair(rng, index, p.noise_stream, step, static_cast<std::uint32_t>(b), z);
          g[2 * b].set(l, g[2 * b][l] + sigma * z[0]);
          if (2 * b + 1 < n) g[2 * b + 1].set(l, g[2 * b + 1][l] + sigma * z[1]);
        }
      }
    }
    // Fresh lanes sit this update out: keep their state and put it back.
    T keep[W][3 * MaxDim + 2];
    if (any_fresh)
      for (int l = 0; l < W; ++l)
        if (fresh[l]) {
          for (int i = 0; i < n; ++i)
            keep[l][i] = x[i][l], keep[l][n + i] = st.m[i][l], keep[l][2 * n + i] = st.v[i][l];
          keep[l][3 * n] = st.b1t[l], keep[l][3 * n + 1] = st.b2t[l];
        }
    // The bounce watch, for lanes in the last kBounceWindow steps before
    // max_steps: their displacement this step against the one before.
    const bool watching = k >= watch_k;
    if (watching)
      for (int i = 0; i < n; ++i) before[i] = x[i];
    // Each lane's rate at its own step (lanes run different steps at once);
    // quenching lanes take the base rate, idle and fresh ones any (their
    // state is put back or unused).
    V lr(T(p.opt.lr));
    if (scheduled)
      for (int l = 0; l < W; ++l)
        if (row[l] >= 0 && !fresh[l] && !quenching[l]) lr.set(l, T(lr_at(p.schedule, p.opt.lr, k - born[l])));
    optimizer_update(p.opt, lr, st.m, st.v, st.b1t, st.b2t, n, g, x);
    if (watching) {
      V dot(0);
      for (int i = 0; i < n; ++i) {
        const V d = x[i] - before[i];
        dot += d * last[i];
        last[i] = d;
      }
      for (int l = 0; l < W; ++l) {
        if (row[l] < 0 || fresh[l] || quenching[l]) continue;
        const std::int64_t step = k - born[l], from = p.max_steps - kBounceWindow;
        if (step > from && dot[l] < T(0)) ++reversals[l];
      }
    }
    if (any_fresh)
      for (int l = 0; l < W; ++l)
        if (fresh[l]) {
          for (int i = 0; i < n; ++i) {
            x[i].set(l, keep[l][i]);
            st.m[i].set(l, keep[l][n + i]);
            st.v[i].set(l, keep[l][2 * n + i]);
          }
          st.b1t.set(l, keep[l][3 * n]);
          st.b2t.set(l, keep[l][3 * n + 1]);
        }
    auto out_of_box = lanes_outside(x[0], lo[0], hi[0]);
    for (int i = 1; i < n; ++i) out_of_box = lanes_either<I>(out_of_box, lanes_outside(x[i], lo[i], hi[i]));
    if (lanes_any<I>(out_of_box)) {
      bool hit = false;
      for (int l = 0; l < W; ++l) hit |= out_of_box[l] && row[l] >= 0 && !fresh[l];
      if (hit) {
        V g2[MaxDim];
        const V at = land.value_grad(x, g2);
        V gg(0);
        for (int i = 0; i < n; ++i) gg += g2[i] * g2[i];
        for (int l = 0; l < W; ++l) {
          if (!out_of_box[l] || row[l] < 0 || fresh[l]) continue;
          finish(l, at[l], gg[l], k - born[l] + 1, DescentStatus::kDiverged);
          fill(l, k + 1);
        }
        limit = next_limit();
        watch_k = next_watch();
      }
    }
    ++k;
  }
}

}  // namespace trilo::cpu

