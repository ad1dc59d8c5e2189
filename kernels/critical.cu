// Critical-point searches on the GPU: one thread per start in the grid-stride
// loop of work_loops.cuh, in tiles of bounded device memory (record_tile.cuh,
// as descend.cu); the same critical_item of src/core/critical.hpp that
// cpu/critical.cpp runs. Built-in landscapes only: a formula's kernels are
// compiled for descents, traces and grids (formula_module.cpp), so a formula
// census is refused before any work (and here, should one arrive).
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/cuda_backend.hpp"
#include "kernels/record_tile.cuh"
#include "kernels/work_loops.cuh"

namespace trilo::cuda {
namespace {

template <class T, int MaxDim, class L>
__global__ void critical_kernel(L land, CriticalParams p, StartSpec s, std::int64_t first,
                                std::int64_t count, DescentColumns cols) {
  critical_loop<T, MaxDim>(land, p, s, first, count, cols);
}

// Searches [first, first + m) into rows [row, row + m) of `out`.
template <class T, int MaxDim, class L>
void critical_tile(const L& land, const backend::CriticalRequest& req, std::int64_t first,
                   std::int64_t m, std::int64_t row, CudaBackend& be,
                   backend::DescentBatch& out) {
  // Each thread holds three MaxDim x MaxDim matrices: small blocks.
  constexpr int kBlock = 64;
  record_tile(be, req.starts, req.explicit_starts, req.landscape.dim, first, m, row, false, out,
              [&](const StartSpec& s, const DescentColumns& cols, cudaStream_t stream) {
                critical_kernel<T, MaxDim><<<launch_blocks(m, kBlock), kBlock, 0, stream>>>(
                    land, req.params, s, first, m, cols);
              });
}

}  // namespace

void CudaBackend::critical(const backend::CriticalRequest& req, std::int64_t first,
                           std::int64_t count, backend::DescentBatch& out) {
  if (!prepare_records(req, first, count, "searches", out)) return;
  if (req.landscape.id == LandscapeId::kExpr)
    throw std::invalid_argument(backend::kCriticalFormulaRefusal);
  activate();
  const int n = req.landscape.dim;
  const std::size_t per_item = (3 * std::size_t(n) + 2) * sizeof(double) + sizeof(std::int64_t) +
                               sizeof(std::int8_t);
  with_landscape(req.landscape, [&](auto land) {
    with_max_dim(land, [&](auto max_dim) {
      constexpr int kD = decltype(max_dim)::value;
      run_tiled(first, count, per_item, [&](std::int64_t f, std::int64_t m) {
        if (req.precision == backend::Precision::kF32)
          critical_tile<float, kD>(land, req, f, m, f - first, *this, out);
        else
          critical_tile<double, kD>(land, req, f, m, f - first, *this, out);
      });
    });
  });
}

}  // namespace trilo::cuda
