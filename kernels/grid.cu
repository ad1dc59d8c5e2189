// Grid evaluation on the GPU: one thread per point in a grid-stride loop, in
// chunks of bounded device memory, as cpu/grid.cpp does with OpenMP.
#include <algorithm>
#include <cstdint>

#include "core/work.hpp"
#include "kernels/cuda_backend.hpp"
#include "kernels/work_loops.cuh"

namespace trilo::cuda {
namespace {

constexpr int kGridBlock = 256;

template <class T, int MaxDim, class L>
__global__ void grid_kernel(L land, PlaneSpec plane, std::int64_t first, std::int64_t count,
                            GridColumns cols) {
  grid_loop<T, MaxDim>(land, plane, first, count, cols);
}

// A built-in landscape's templated kernel, or a formula's compiled one with
// the same parameters (formula_kernels.cu).
template <class T, int MaxDim, class L>
void launch_grid(const L& land, unsigned blocks, cudaStream_t stream, PlaneSpec plane,
                 std::int64_t first, std::int64_t m, GridColumns cols) {
  grid_kernel<T, MaxDim><<<blocks, kGridBlock, 0, stream>>>(land, plane, first, m, cols);
}
template <class T, int MaxDim>
void launch_grid(const FormulaLaunch& f, unsigned blocks, cudaStream_t stream, PlaneSpec plane,
                 std::int64_t first, std::int64_t m, GridColumns cols) {
  ExternFormula land = f.land;
  f.launch(blocks, kGridBlock, stream, {&land, &plane, &first, &m, &cols});
}

// Points [first, first + m) into entries [row, row + m) of `out`, with
// device buffers for this tile alone (retried smaller when they do not fit).
template <class T, int MaxDim, class L>
void grid_tile(const L& land, const PlaneSpec& plane, std::int64_t first, std::int64_t m,
               std::int64_t row, CudaBackend& be, backend::GridTile& out) {
  cudaStream_t stream = be.stream();
  const auto rows = static_cast<std::size_t>(m);
  DeviceBuffer<double> loss(rows, stream), grad0(rows, stream), grad1(rows, stream),
      grad_norm(rows, stream);
  const GridColumns cols{loss.data(), grad0.data(), grad1.data(), grad_norm.data()};
  be.begin_kernels();
  launch_grid<T, MaxDim>(land, launch_blocks(m, kGridBlock), stream, plane, first, m, cols);
  TRILO_CUDA_CHECK(cudaGetLastError());
  be.end_kernels();
  be.end_tile({CudaBackend::host_copy(out.loss.data() + row, cols.loss, m),
               CudaBackend::host_copy(out.grad0.data() + row, cols.grad0, m),
               CudaBackend::host_copy(out.grad1.data() + row, cols.grad1, m),
               CudaBackend::host_copy(out.grad_norm.data() + row, cols.grad_norm, m)});
}

}  // namespace

void CudaBackend::grid(const backend::GridRequest& req, std::int64_t first, std::int64_t count,
                       backend::GridTile& out) {
  out.resize(count);
  out.first = first;
  if (count <= 0) return;  // an empty launch is an error in CUDA
  activate();
  with_device_landscape(req.landscape, req.precision, FormulaJob::kGrid,
                        [&](const auto& land, auto t, auto max_dim) {
                          run_tiled(first, count, 4 * sizeof(double),
                                    [&](std::int64_t f, std::int64_t m) {
                                      grid_tile<decltype(t), decltype(max_dim)::value>(
                                          land, req.plane, f, m, f - first, *this, out);
                                    });
                        });
}

}  // namespace trilo::cuda
