// Critical-point searches on the GPU: one thread per start in a grid-stride
// loop, in chunks of bounded device memory; the same critical_item of
// src/core/critical.hpp that cpu/critical.cpp runs.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "core/critical.hpp"
#include "kernels/cuda_backend.hpp"

namespace trilo::cuda {
namespace {

// Each thread holds three MaxDim x MaxDim matrices: small blocks.
constexpr int kCriticalBlock = 64;

template <class T, int MaxDim, class L>
__global__ void critical_kernel(L land, CriticalParams p, StartSpec s, std::int64_t first,
                                std::int64_t count, DescentColumns cols) {
  const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
  for (std::int64_t r = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x; r < count;
       r += stride)
    critical_item<T, MaxDim>(land, p, s, first + r, r, cols);
}

// Searches [first, first + m) into rows [row, row + m) of `out`, with
// device buffers for this tile alone (retried smaller when they do not fit).
template <class T, int MaxDim, class L>
void critical_tile(const L& land, const backend::CriticalRequest& req, std::int64_t first,
                   std::int64_t m, std::int64_t row, CudaBackend& be,
                   backend::DescentBatch& out) {
  cudaStream_t stream = be.stream();
  const int n = req.landscape.dim;
  const bool explicit_mode = req.starts.mode == StartMode::kExplicit;
  const auto size = [](std::int64_t k) { return static_cast<std::size_t>(k); };
  DeviceBuffer<double> start(size(m * n), stream), end(size(m * n), stream);
  DeviceBuffer<double> loss(size(m), stream), grad_norm(size(m), stream);
  DeviceBuffer<std::int64_t> steps(size(m), stream);
  DeviceBuffer<std::int8_t> status(size(m), stream);
  DeviceBuffer<double> points(explicit_mode ? size(m * n) : 0, stream);
  const DescentColumns cols{start.data(),     end.data(),   loss.data(),
                            grad_norm.data(), steps.data(), status.data()};
  StartSpec s = req.starts;
  if (explicit_mode) {
    copy_to_device_async(points.data(), req.explicit_starts.data() + first * n, m * n, stream);
    s.points = points.data();
    s.points_first = first;
  }
  be.begin_kernels();
  critical_kernel<T, MaxDim><<<launch_blocks(m, kCriticalBlock), kCriticalBlock, 0, stream>>>(
      land, req.params, s, first, m, cols);
  TRILO_CUDA_CHECK(cudaGetLastError());
  be.end_kernels();
  be.end_tile(descent_copies(out, row, m, n, cols));
}

}  // namespace

void CudaBackend::critical(const backend::CriticalRequest& req, std::int64_t first,
                           std::int64_t count, backend::DescentBatch& out) {
  out.resize(count, req.landscape.dim);
  out.first = first;
  if (count <= 0) return;  // an empty launch is an error in CUDA
  activate();
  const int n = req.landscape.dim;
  if (req.starts.mode == StartMode::kExplicit &&
      (first < 0 || (first + count) * n > static_cast<std::int64_t>(req.explicit_starts.size())))
    throw std::invalid_argument("explicit starts: searches up to " + std::to_string(first + count) +
                                " asked for, fewer given");
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
