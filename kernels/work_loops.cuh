// The grid-stride loops every kernel of kernels/ runs: one thread per index
// over the shared per-index work of src/core/work.hpp. The templated kernels
// for built-in landscapes (descend.cu, grid.cu) and the extern "C" kernels
// for formulas (formula_kernels.cu) are each one call to one of these, so a
// formula takes exactly the path of a built-in on the GPU.
#pragma once

#include <cstdint>

#include "core/work.hpp"

namespace trilo::cuda {

template <class T, int MaxDim, class L>
__device__ void descend_loop(const L& land, const DescentParams& p, const StartSpec& s,
                             std::int64_t first, std::int64_t count, const DescentColumns& cols) {
  const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
  for (std::int64_t r = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; r < count;
       r += stride)
    descent_item<T, MaxDim>(land, p, s, first + r, r, cols);
}

// `start_rows`, when not null, holds the explicit start of trace k in row k.
template <class T, int MaxDim, class L>
__device__ void trace_loop(const L& land, const DescentParams& p, const StartSpec& s,
                           const std::int64_t* indices, const double* start_rows,
                           std::int64_t count, std::int64_t every, std::int64_t cap,
                           std::int64_t* steps, double* positions, double* losses,
                           std::int64_t* rows) {
  const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
  const int n = land.dim;
  for (std::int64_t k = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; k < count;
       k += stride) {
    const std::int64_t index = indices[k];
    StartSpec sk = s;
    if (start_rows != nullptr) {
      sk.points = start_rows + k * s.dim;
      sk.points_first = index;
    }
    rows[k] = trace_item<T, MaxDim>(land, p, sk, index, every, steps + k * cap,
                                    positions + k * cap * n, losses + k * cap);
  }
}

template <class T, int MaxDim, class L>
__device__ void grid_loop(const L& land, const PlaneSpec& plane, std::int64_t first,
                          std::int64_t count, const GridColumns& cols) {
  const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
  for (std::int64_t r = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; r < count;
       r += stride)
    grid_item<T, MaxDim>(land, plane, first + r, r, cols);
}

}  // namespace trilo::cuda
