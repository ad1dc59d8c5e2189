// One unit of work per index, shared by every backend: a backend's loop (an
// OpenMP for, a CUDA grid-stride loop) calls these and nothing else.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/descent.hpp"
#include "core/hd.hpp"
#include "core/sampling.hpp"

namespace trilo {

// Output columns of a batch of descents (host or device memory).
struct DescentColumns {
  double* start;
  double* end;
  double* loss;
  double* grad_norm;
  std::int64_t* steps;
  std::int8_t* status;
  // Optional (null: not wanted): QuenchResult and the bounce flag (0/1).
  std::int8_t* quench = nullptr;
  std::int8_t* bounced = nullptr;
};

struct GridColumns {
  double* loss;
  double* grad0;
  double* grad1;
  double* grad_norm;
};

// Descent `index`'s start point, into row `row` of the start column and
// into x (as T; entries from n on left as they are).
template <class T, int MaxDim>
TRILO_HD_INLINE void begin_descent_row(const StartSpec& s, int n, std::int64_t index,
                                       std::int64_t row, const DescentColumns& out, T* x) {
  double x0[MaxDim] = {};
  start_point(s, index, x0);
  for (int i = 0; i < n; ++i) {
    x[i] = T(x0[i]);
    out.start[row * n + i] = x0[i];
  }
}

// A descent's outcome and end point x, into row `row` of the columns.
template <class T>
TRILO_HD_INLINE void end_descent_row(const DescentOutcome<T>& r, const T* x, int n,
                                     std::int64_t row, const DescentColumns& out) {
  for (int i = 0; i < n; ++i) out.end[row * n + i] = double(x[i]);
  out.loss[row] = double(r.loss);
  out.grad_norm[row] = double(r.grad_norm);
  out.steps[row] = r.steps;
  out.status[row] = static_cast<std::int8_t>(r.status);
  if (out.quench) out.quench[row] = static_cast<std::int8_t>(r.quench);
  if (out.bounced) out.bounced[row] = r.bounced ? 1 : 0;
}

// Descent number `index`, written to row `row` of the output columns.
template <class T, int MaxDim, class Tuning = DefaultTuning, class L>
TRILO_HD void descent_item(const L& land, const DescentParams& p, const StartSpec& s,
                           std::int64_t index, std::int64_t row, const DescentColumns& out) {
  const int n = land.dim;
  T x[MaxDim] = {};  // zeroed: only the first dim entries are used
  begin_descent_row<T, MaxDim>(s, n, index, row, out, x);
  DescentOutcome<T> r = descend_one<T, MaxDim, Tuning>(land, p, static_cast<std::uint64_t>(index), x);
  end_descent_row(r, x, n, row, out);
}

// Grid point `index`, written to row `row`.
template <class T, int MaxDim, class L>
TRILO_HD void grid_item(const L& land, const PlaneSpec& plane, std::int64_t index,
                        std::int64_t row, const GridColumns& out) {
  T x[MaxDim], g[MaxDim];
  plane_point(plane, index, x);
  T loss = land.value_grad(x, g);
  T gn2(0);
  for (int i = 0; i < land.dim; ++i) gn2 += g[i] * g[i];
  out.loss[row] = double(loss);
  out.grad0[row] = double(g[plane.axis0]);
  out.grad1[row] = plane.axis1 >= 0 ? double(g[plane.axis1]) : 0.0;
  out.grad_norm[row] = double(sqrt(gn2));
}

// Trajectory recorder: keeps every `every`-th step in caller-provided rows of
// (dim) positions; `count` ends as the number of rows written.
template <class T>
struct TrajectoryRecorder {
  std::int64_t every;
  std::int64_t capacity;
  std::int64_t* step;
  double* position;
  double* loss;
  std::int64_t count;

  TRILO_HD void operator()(std::int64_t s, const T* x, int n, T f) {
    if (s % every != 0 || count >= capacity) return;
    step[count] = s;
    for (int i = 0; i < n; ++i) position[count * n + i] = double(x[i]);
    loss[count] = double(f);
    ++count;
  }
};

// Rows a trace of at most max_steps steps can need: every k-th step, the
// end point, and a possible divergence step.
TRILO_HD_INLINE std::int64_t trajectory_capacity(std::int64_t max_steps, std::int64_t every) {
  return max_steps / every + 3;
}
// The same for a descent with these parameters: its steps and its quench's.
TRILO_HD_INLINE std::int64_t trajectory_capacity(const DescentParams& p, std::int64_t every) {
  return trajectory_capacity(p.max_steps + p.quench_steps, every);
}

// Traced descent `index`: the same path as descent_item, recorded.
template <class T, int MaxDim, class L>
TRILO_HD std::int64_t trace_item(const L& land, const DescentParams& p, const StartSpec& s,
                                 std::int64_t index, std::int64_t every, std::int64_t* step,
                                 double* position, double* loss) {
  const int n = land.dim;
  double x0[MaxDim] = {};
  start_point(s, index, x0);
  T x[MaxDim] = {};  // zeroed: only the first dim entries are used
  for (int i = 0; i < n; ++i) x[i] = T(x0[i]);
  TrajectoryRecorder<T> rec{every, trajectory_capacity(p, every), step, position, loss, 0};
  DescentOutcome<T> r = descend_one<T, MaxDim>(land, p, static_cast<std::uint64_t>(index), x, rec);
  if (rec.count == 0 || step[rec.count - 1] != r.steps) {  // always end on the end point
    std::int64_t k = rec.count < rec.capacity ? rec.count : rec.capacity - 1;
    step[k] = r.steps;
    for (int i = 0; i < n; ++i) position[k * n + i] = double(x[i]);
    loss[k] = double(r.loss);
    rec.count = k + 1;
  }
  return rec.count;
}

// Calls f(integral_constant<int, MaxDim>) with the smallest compiled bound on
// the dimension: the fixed dimension, or 2, 16 or 64 for any-dimension ones.
template <class L, class F>
void with_max_dim(const L& land, F&& f) {
  if constexpr (L::kFixedDim > 0) {
    f(std::integral_constant<int, L::kFixedDim>{});
  } else {
    if (land.dim <= 2)
      f(std::integral_constant<int, 2>{});
    else if (land.dim <= 16)
      f(std::integral_constant<int, 16>{});
    else
      f(std::integral_constant<int, kMaxDim>{});
  }
}

}  // namespace trilo
