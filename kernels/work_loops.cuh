// The grid-stride loops every kernel of kernels/ runs: one thread per index
// over the shared per-index work of src/core/work.hpp. The templated kernels
// for built-in landscapes (descend.cu, grid.cu) and the extern "C" kernels
// for formulas (formula_kernels.cu) are each one call to one of these, so a
// formula takes exactly the path of a built-in on the GPU. The critical-point
// searches (critical.cu) run critical_item of src/core/critical.hpp the same
// way.
#pragma once

#include <cstdint>

#include "core/critical.hpp"
#include "core/descent_interleaved.hpp"
#include "core/work.hpp"

namespace trilo::cuda {

// f(r) for every r in [0, count), one thread per r, 64-bit indices.
template <class F>
__device__ void for_each_row(std::int64_t count, F&& f) {
  const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
  for (std::int64_t r = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; r < count;
       r += stride)
    f(r);
}

template <class T, int MaxDim, class Tuning = DefaultTuning, class L>
__device__ void descend_loop(const L& land, const DescentParams& p, const StartSpec& s,
                             std::int64_t first, std::int64_t count, const DescentColumns& cols) {
  for_each_row(count,
               [&](std::int64_t r) { descent_item<T, MaxDim, Tuning>(land, p, s, first + r, r, cols); });
}

// The same rows, K descents a thread (core/descent_interleaved.hpp): thread t
// of S takes rows t, t + S, t + 2 S, ..., K at a time, so a grid of
// count / K threads gives each thread K rows.
template <class T, int MaxDim, int K, class Tuning, class L>
__device__ void descend_interleaved_loop(const L& land, const DescentParams& p, const StartSpec& s,
                                         std::int64_t first, std::int64_t count,
                                         const DescentColumns& cols) {
  const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
  const std::int64_t row0 = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  descend_interleaved<T, MaxDim, K, Tuning>(land, p, s, first, row0, stride, count, cols);
}

template <class T, int MaxDim, class L>
__device__ void critical_loop(const L& land, const CriticalParams& p, const StartSpec& s,
                              std::int64_t first, std::int64_t count, const DescentColumns& cols) {
  for_each_row(count,
               [&](std::int64_t r) { critical_item<T, MaxDim>(land, p, s, first + r, r, cols); });
}

// `start_rows`, when not null, holds the explicit start of trace k in row k.
template <class T, int MaxDim, class L>
__device__ void trace_loop(const L& land, const DescentParams& p, const StartSpec& s,
                           const std::int64_t* indices, const double* start_rows,
                           std::int64_t count, std::int64_t every, std::int64_t cap,
                           std::int64_t* steps, double* positions, double* losses,
                           std::int64_t* rows) {
  const int n = land.dim;
  for_each_row(count, [&](std::int64_t k) {
    const std::int64_t index = indices[k];
    StartSpec sk = s;
    if (start_rows != nullptr) {
      sk.points = start_rows + k * s.dim;
      sk.points_first = index;
    }
    rows[k] = trace_item<T, MaxDim>(land, p, sk, index, every, steps + k * cap,
                                    positions + k * cap * n, losses + k * cap);
  });
}

template <class T, int MaxDim, class L>
__device__ void grid_loop(const L& land, const PlaneSpec& plane, std::int64_t first,
                          std::int64_t count, const GridColumns& cols) {
  for_each_row(count,
               [&](std::int64_t r) { grid_item<T, MaxDim>(land, plane, first + r, r, cols); });
}

}  // namespace trilo::cuda
