// The CUDA backend: the shared per-index work of src/core/work.hpp in
// grid-stride kernels on one stream. Large requests run in bounded chunks,
// so device memory stays small however many descents or grid points are
// asked for; a chunk that does not fit in what the device has free is
// halved until it does. Included by the .cu files of kernels/ only.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "backend/backend.hpp"
#include "backend/tiling.hpp"
#include "core/work.hpp"
#include "kernels/cuda_check.hpp"
#include "kernels/formula_module.hpp"
#include "kernels/kept_columns.hpp"

namespace trilo::cuda {

struct KeptDescents;  // below

class CudaBackend final : public backend::Backend {
 public:
  explicit CudaBackend(int device = 0);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  std::string name() const override { return "cuda"; }
  std::string device() const override { return device_name_; }
  void descend(const backend::DescentRequest& req, std::int64_t first, std::int64_t count,
               backend::DescentBatch& out) override;
  std::vector<backend::Trajectory> trace(const backend::DescentRequest& req,
                                         const std::vector<std::int64_t>& indices,
                                         std::int64_t every) override;
  void grid(const backend::GridRequest& req, std::int64_t first, std::int64_t count,
            backend::GridTile& out) override;
  backend::PeakRates peak() override;
  void critical(const backend::CriticalRequest& req, std::int64_t first, std::int64_t count,
                backend::DescentBatch& out) override;
  double take_device_seconds() override;
  backend::ReducedCells reduce_cells(const backend::DescentBatch& batch, double tol,
                                     bool per_row) override;
  bool reduces_on_device() const override { return true; }
  // The descents stay in device memory (KeptDescents, one per slot), are
  // reduced there, and only the cells and the rows asked for come home
  // (reduce_cells.cu, kernels/kept_columns.hpp). A chunk too large to keep,
  // or whose reduction does not fit, comes home whole, unreduced.
  void descend_cells(const backend::DescentRequest& req, std::int64_t first, std::int64_t count,
                     double tol, std::int64_t every, int slot, backend::DescentBatch& out,
                     backend::ReducedCells& cells) override;
  // On a stream of its own, so that it does not wait for the descents of
  // the other slot.
  void fetch_end_points(int slot, backend::DescentBatch& out) override;
  // Frees both slots' kept columns (on the stream, after the work queued).
  void end_cells() override;
  // While descend_cells runs descend(): the columns a tile of descents is
  // written to (at its row), in place of buffers of its own copied home.
  KeptDescents* keeping() const { return keeping_; }

  cudaStream_t stream() const { return stream_; }

  // Brackets a tile's kernel launches with CUDA events; end_tile reads them.
  void begin_kernels();
  void end_kernels();

  // One result column of a tile on its way home: `bytes` from device
  // memory at `device` to host memory at `host`.
  struct HostCopy {
    void* host;
    const void* device;
    std::size_t bytes;
  };
  template <class T>
  static HostCopy host_copy(T* host, const T* device, std::int64_t n) {
    return {host, device, static_cast<std::size_t>(n) * sizeof(T)};
  }
  // Ends a tile: copies each column into the pinned staging buffer (at the
  // link's DMA rate, which pageable memory does not get), waits for the
  // stream, adds the kernels' event time to the device clock, and spreads
  // the staged columns to their destinations on every core.
  void end_tile(const std::vector<HostCopy>& copies);

  // Items per launch when each needs `bytes_per_item` of device memory: as
  // many as fit the chunk budget, at least one, at most kMaxChunkItems.
  std::int64_t chunk_items(std::size_t bytes_per_item) const;

  // Calls fn(tile_first, tile_count) over [first, first + count) in tiles of
  // chunk_items(bytes_per_item); a tile whose allocation or launch runs out
  // of device memory is retried at half the size (backend::for_each_tile),
  // and the budget then stays at what fitted for later calls. fn allocates
  // its own buffers for the tile and rewrites all its results.
  template <class Fn>
  void run_tiled(std::int64_t first, std::int64_t count, std::size_t bytes_per_item, Fn&& fn) {
    const std::int64_t planned = chunk_items(bytes_per_item);
    const std::int64_t used = backend::for_each_tile(first, count, planned, fn);
    if (used < planned)
      chunk_bytes_ = static_cast<std::size_t>(used) * std::max<std::size_t>(bytes_per_item, 1);
  }

 private:
  // Makes this backend's device current for the calling host thread (the
  // current device is per thread, and a job may call from any thread).
  void activate() const;

  // Calls f(land, T{}, integral_constant<int, MaxDim>{}) for the request's
  // landscape and precision: a built-in struct with its dimension bound, or
  // for a formula its compiled kernel for `job` (FormulaLaunch, bound 0: the
  // kernel was picked for its bound already).
  template <class F>
  void with_device_landscape(const LandscapeSpec& spec, backend::Precision prec, FormulaJob job,
                             F&& f) {
    const bool f32 = prec == backend::Precision::kF32;
    if (spec.id == LandscapeId::kExpr) {
      const FormulaLaunch k = formulas_->kernel(spec, f32, job);
      if (f32)
        f(k, float{}, std::integral_constant<int, 0>{});
      else
        f(k, double{}, std::integral_constant<int, 0>{});
      return;
    }
    with_landscape(spec, [&](auto land) {
      with_max_dim(land, [&](auto max_dim) {
        if (f32)
          f(land, float{}, max_dim);
        else
          f(land, double{}, max_dim);
      });
    });
  }

  // Pinned host memory of at least `bytes`, kept between calls.
  unsigned char* staging(std::size_t bytes);

  int device_;
  std::string device_name_;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t kernels_begin_ = nullptr, kernels_end_ = nullptr;
  bool kernels_timed_ = false;  // a begin/end pair waits to be read
  double device_seconds_ = 0;   // kernel time since take_device_seconds
  unsigned char* staging_ = nullptr;
  std::size_t staging_bytes_ = 0;
  std::size_t chunk_bytes_ = 0;
  std::unique_ptr<FormulaModules> formulas_;
  std::unique_ptr<KeptDescents> kept_[2];
  KeptDescents* keeping_ = nullptr;
  cudaStream_t fetch_stream_ = nullptr;
};

// At most this many items per launch: a few waves of a full GPU, and small
// enough that the copy back of one chunk stays well under a second.
inline constexpr std::int64_t kMaxChunkItems = std::int64_t(1) << 22;

// Blocks for a grid-stride launch over n items: one thread per item (the
// hardware then balances descents of unequal length across SMs), capped so
// the grid size is always valid; the loop covers the rest.
inline unsigned launch_blocks(std::int64_t n, int block) {
  const std::int64_t blocks = (n + block - 1) / block;
  return static_cast<unsigned>(std::clamp<std::int64_t>(blocks, 1, std::int64_t(1) << 20));
}

// n elements of T in device memory, freed in stream order when it goes out
// of scope, so an exception between allocation and the end of a call leaks
// nothing and never frees memory a queued kernel still uses.
template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(std::size_t n, cudaStream_t stream) : size_(n), stream_(stream) {
    if (n == 0) return;
    void* raw = nullptr;
    const cudaError_t err = cudaMallocAsync(&raw, n * sizeof(T), stream);
    if (err == cudaErrorNotSupported) {  // no stream-ordered allocator (some vGPUs)
      (void)cudaGetLastError();
      TRILO_CUDA_CHECK(cudaMalloc(&raw, n * sizeof(T)));
      pooled_ = false;
    } else if (err != cudaSuccess) {
      detail::throw_cuda_error(err, "cudaMallocAsync", __FILE__, __LINE__);
    }
    data_ = static_cast<T*>(raw);
  }
  ~DeviceBuffer() { release(); }
  DeviceBuffer(DeviceBuffer&& o) noexcept { swap(o); }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    DeviceBuffer(std::move(o)).swap(*this);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  T* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void swap(DeviceBuffer& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    std::swap(stream_, o.stream_);
    std::swap(pooled_, o.pooled_);
  }
  // A destructor must not throw; a failure here means the context is already
  // broken, and the call that broke it has reported that.
  void release() noexcept {
    if (data_ == nullptr) return;
    if (pooled_)
      (void)cudaFreeAsync(data_, stream_);
    else
      (void)cudaFree(data_);
    data_ = nullptr;
  }

  T* data_ = nullptr;
  std::size_t size_ = 0;
  cudaStream_t stream_ = nullptr;
  bool pooled_ = true;
};

// A chunk of descents kept in device memory for descend_cells and
// fetch_end_points (kernels/kept_columns.hpp).
struct KeptDescents : cell_reduction::KeptColumns<DeviceBuffer> {};

// The copies home of a tile of descents or critical-point searches: `m`
// rows of dimension `n` from device columns `cols` into rows [row, row + m)
// of `out`.
inline std::vector<CudaBackend::HostCopy> descent_copies(backend::DescentBatch& out,
                                                         std::int64_t row, std::int64_t m, int n,
                                                         const DescentColumns& cols) {
  using C = CudaBackend;
  std::vector<CudaBackend::HostCopy> copies = {
      C::host_copy(out.start.data() + row * n, cols.start, m * n),
      C::host_copy(out.end.data() + row * n, cols.end, m * n),
      C::host_copy(out.loss.data() + row, cols.loss, m),
      C::host_copy(out.grad_norm.data() + row, cols.grad_norm, m),
      C::host_copy(out.steps.data() + row, cols.steps, m),
      C::host_copy(out.status.data() + row, cols.status, m)};
  if (cols.quench) copies.push_back(C::host_copy(out.quench.data() + row, cols.quench, m));
  if (cols.bounced) copies.push_back(C::host_copy(out.bounced.data() + row, cols.bounced, m));
  return copies;
}

// Stream-ordered copies of n elements. From or into pageable host memory
// (std::vector) they complete before returning, as far as the host side is
// concerned; the final cudaStreamSynchronize of each call makes that explicit.
template <class T>
void copy_to_device_async(T* dst, const T* src, std::int64_t n, cudaStream_t stream) {
  if (n > 0)
    TRILO_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(n) * sizeof(T),
                                     cudaMemcpyHostToDevice, stream));
}
template <class T>
void copy_to_host_async(T* dst, const T* src, std::int64_t n, cudaStream_t stream) {
  if (n > 0)
    TRILO_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(n) * sizeof(T),
                                     cudaMemcpyDeviceToHost, stream));
}

}  // namespace trilo::cuda
