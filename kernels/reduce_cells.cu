// The reduction of end points by merge cell on the GPU: the Thrust
// algorithm of kernels/reduce_cells_thrust.hpp on the backend's stream, and
// the copies home of the rows a job keeps. The one translation unit of
// kernels/ that includes Thrust.
#include <thrust/execution_policy.h>

#include <memory>
#include <new>

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
  const int d = req.landscape.dim;
  std::unique_ptr<KeptDescents>& k = kept_[slot & 1];
  if (!k) k = std::make_unique<KeptDescents>();
  try {
    k->hold(count, d, stream_);
  } catch (const backend::OutOfDeviceMemory&) {
    // A chunk too large to keep on this device: its tiles come home as
    // descend() sends them, and the host reduces it (fetch_end_points then
    // has nothing to add).
    k.reset();
    descend(req, first, count, out);
    cells = Backend::reduce_cells(out, tol, every > 0);
    return;
  }
  keeping_ = k.get();
  try {
    descend(req, first, count, out);
  } catch (...) {
    keeping_ = nullptr;
    throw;
  }
  keeping_ = nullptr;
  // Row i is brought home where (first + i) % every == 0.
  const std::int64_t phase = cell_reduction::home_phase(first, every);
  DeviceSpace space{stream_};
  const auto columns_home = [&](std::int64_t every_row, std::int64_t from) {
    const auto rows = [&](auto& host, const auto& device, int width) {
      cell_reduction::copy_rows_home(space, host.data(), device.data(),
                                     sizeof(host[0]) * static_cast<std::size_t>(width), count, every_row, from);
    };
    rows(out.start, k->start, d);
    rows(out.end, k->end, d);
    rows(out.loss, k->loss, 1);
    rows(out.grad_norm, k->grad_norm, 1);
    rows(out.steps, k->steps, 1);
    rows(out.status, k->status, 1);
    rows(out.quench, k->quench, 1);
    rows(out.bounced, k->bounced, 1);
    space.sync();
  };
  // The descents fit, their reduction may not (it takes about as much
  // again, and Thrust's scratch): then every row comes home and the host
  // reduces the chunk, as for a chunk too large to keep.
  const auto reduce_at_home = [&] {
    TRILO_CUDA_CHECK(cudaStreamSynchronize(stream_));
    columns_home(1, 0);
    k.reset();  // fetch_end_points has nothing to add
    cells = this->Backend::reduce_cells(out, tol, every > 0);
  };
  try {
    cells = cell_reduction::reduce_cells(
        space, {k->end.data(), k->status.data(), k->quench.data(), k->steps.data(), count, d}, tol, every, phase);
    if (every > 0) columns_home(every, phase);
  } catch (const backend::OutOfDeviceMemory&) {
    reduce_at_home();
  } catch (const std::bad_alloc&) {  // Thrust's scratch
    reduce_at_home();
  }
}

}  // namespace trilo::cuda
