#include "kernels/cuda_backend.hpp"

#include <stdexcept>

namespace trilo::cuda {

namespace {

// Device memory for the buffers of one chunk: small next to any data-centre
// GPU, and a quarter of what is free on a small or busy one.
constexpr std::size_t kChunkBudget = std::size_t(256) << 20;

}  // namespace

CudaBackend::CudaBackend(int device) : device_(device) {
  activate();
  cudaDeviceProp prop{};
  TRILO_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
  device_name_ = prop.name;
  std::size_t free_bytes = 0, total_bytes = 0;
  TRILO_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  chunk_bytes_ = std::max<std::size_t>(std::min(kChunkBudget, free_bytes / 4), std::size_t(1) << 20);
  // The stream-ordered pool hands freed memory back to the driver at every
  // synchronisation by default, so each call would pay for fresh allocations;
  // keep about one call's worth of chunk buffers instead.
  int pools = 0;
  TRILO_CUDA_CHECK(cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, device_));
  if (pools != 0) {
    cudaMemPool_t pool = nullptr;
    TRILO_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device_));
    std::uint64_t keep = 0;
    TRILO_CUDA_CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
    keep = std::max<std::uint64_t>(keep, 2 * chunk_bytes_);
    TRILO_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep));
  }
  // Non-blocking: no implicit synchronisation with the legacy default stream
  // that other libraries in the process might use.
  TRILO_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
}

CudaBackend::~CudaBackend() {
  if (stream_ != nullptr) {
    (void)cudaStreamSynchronize(stream_);  // let queued frees finish before the stream goes
    (void)cudaStreamDestroy(stream_);
  }
}

void CudaBackend::activate() const { TRILO_CUDA_CHECK(cudaSetDevice(device_)); }

std::int64_t CudaBackend::chunk_items(std::size_t bytes_per_item) const {
  const std::size_t fit = chunk_bytes_ / std::max<std::size_t>(bytes_per_item, 1);
  const std::size_t most = static_cast<std::size_t>(kMaxChunkItems);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::min(fit, most)));
}

}  // namespace trilo::cuda

namespace trilo::backend {

std::unique_ptr<Backend> make_cuda_backend() {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess || n == 0) {
    (void)cudaGetLastError();  // leave no error behind for a later, unrelated check
    std::string why = err != cudaSuccess ? std::string(" (") + cudaGetErrorString(err) + ")" : "";
    throw std::runtime_error("--backend cuda: no CUDA device is present" + why);
  }
  return std::make_unique<cuda::CudaBackend>(0);
}

bool cuda_compiled() { return true; }

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return n;
}

}  // namespace trilo::backend
