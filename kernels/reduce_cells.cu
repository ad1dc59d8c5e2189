// The reduction of end points by merge cell on the GPU: the Thrust
// algorithm of kernels/reduce_cells_thrust.hpp on the backend's stream, and
// the copies home of the rows a job keeps. The one translation unit of
// kernels/ that includes Thrust.
#include <thrust/execution_policy.h>

#include <memory>

#include "kernels/cuda_backend.hpp"
#include "kernels/reduce_cells_thrust.hpp"

namespace trilo::cuda {
namespace {

// kernels/reduce_cells_thrust.hpp's space: device memory, Thrust's CUDA
// system on the backend's stream.
struct DeviceSpace {
  cudaStream_t stream;
  auto policy() const { return thrust::cuda::par_nosync.on(stream); }
  template <class T>
  DeviceBuffer<T> buffer(std::size_t n) const {
    return DeviceBuffer<T>(n, stream);
  }
  template <class T>
  void home(T* host, const T* mem, std::int64_t n) const {
    copy_to_host_async(host, mem, n, stream);
  }
  void home_rows(void* host, std::size_t host_pitch, const void* mem, std::size_t mem_pitch, std::size_t width,
                 std::size_t rows) const {
    TRILO_CUDA_CHECK(
        cudaMemcpy2DAsync(host, host_pitch, mem, mem_pitch, width, rows, cudaMemcpyDeviceToHost, stream));
  }
  void sync() const { TRILO_CUDA_CHECK(cudaStreamSynchronize(stream)); }
};

}  // namespace

backend::ReducedCells CudaBackend::reduce_cells(const backend::DescentBatch& batch, double tol,
                                                bool per_row) {
  activate();
  const std::int64_t n = batch.count;
  const int d = batch.dim;
  const bool quench = !batch.quench.empty();
  DeviceBuffer<double> end(static_cast<std::size_t>(n * d), stream_);
  DeviceBuffer<std::int8_t> status(static_cast<std::size_t>(n), stream_),
      quenched(quench ? static_cast<std::size_t>(n) : 0, stream_);
  DeviceBuffer<std::int64_t> steps(static_cast<std::size_t>(n), stream_);
  copy_to_device_async(end.data(), batch.end.data(), n * d, stream_);
  copy_to_device_async(status.data(), batch.status.data(), n, stream_);
  if (quench) copy_to_device_async(quenched.data(), batch.quench.data(), n, stream_);
  copy_to_device_async(steps.data(), batch.steps.data(), n, stream_);
  DeviceSpace space{stream_};
  return cell_reduction::reduce_cells(space, {end.data(), status.data(), quench ? quenched.data() : nullptr, steps.data(), n, d},
                             tol, per_row ? 1 : 0, 0);
}

void CudaBackend::descend_cells(const backend::DescentRequest& req, std::int64_t first, std::int64_t count,
                                double tol, std::int64_t every, int slot, backend::DescentBatch& out,
                                backend::ReducedCells& cells) {
  activate();
  DeviceSpace space{stream_};
  // descend() writes into the kept columns while keeping_ names them
  // (kernels/record_tile.cuh), and copies home otherwise.
  const auto descend_into = [&](KeptDescents* columns) {
    keeping_ = columns;
    try {
      descend(req, first, count, out);
    } catch (...) {
      keeping_ = nullptr;
      throw;
    }
    keeping_ = nullptr;
  };
  cell_reduction::descend_kept_cells(space, kept_[slot & 1], first, count, req.landscape.dim, tol, every, out, cells,
                                     descend_into);
}

void CudaBackend::fetch_end_points(int slot, backend::DescentBatch& out) {
  const KeptDescents* k = kept_[slot & 1].get();
  if (k == nullptr) return;  // the chunk did not fit on the device and came home whole
  activate();
  DeviceSpace space{fetch_stream_};
  cell_reduction::fetch_kept_end_points(space, k, out);
}

void CudaBackend::end_cells() {
  activate();
  // A fetch of the end points may still read a slot on its own stream.
  TRILO_CUDA_CHECK(cudaStreamSynchronize(fetch_stream_));
  for (std::unique_ptr<KeptDescents>& k : kept_) k.reset();
}

}  // namespace trilo::cuda
