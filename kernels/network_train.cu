// Ensembles of networks trained on the GPU: kernels/network_ensemble.hpp's
// trainer over device memory, its functors as kernels on one stream, its
// products as cuBLAS strided-batched GEMMs.
#include <cublas_v2.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cuda_backend.hpp"
#include "kernels/network_ensemble.hpp"

namespace trilo::nn {
namespace {

#define TRILO_CUBLAS_CHECK(call)                                                                   \
  do {                                                                                             \
    const cublasStatus_t trilo_cublas_status_ = (call);                                            \
    if (trilo_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                             \
      throw std::runtime_error(std::string("cuBLAS error ") + std::to_string(trilo_cublas_status_) + \
                               " at " + __FILE__ + ":" + std::to_string(__LINE__) + " (" #call ")"); \
  } while (0)

cublasStatus_t gemm(cublasHandle_t h, const GemmShape& s, const float* a, const float* b, float* c, float beta,
                    int batch) {
  const float one = 1;
  return cublasSgemmStridedBatched(h, s.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, s.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                   s.m, s.n, s.k, &one, a, s.lda, s.stride_a, b, s.ldb, s.stride_b, &beta, c,
                                   s.ldc, s.stride_c, batch);
}
cublasStatus_t gemm(cublasHandle_t h, const GemmShape& s, const double* a, const double* b, double* c,
                    double beta, int batch) {
  const double one = 1;
  return cublasDgemmStridedBatched(h, s.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, s.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                   s.m, s.n, s.k, &one, a, s.lda, s.stride_a, b, s.ldb, s.stride_b, &beta, c,
                                   s.ldc, s.stride_c, batch);
}

// f(i) for i in [0, n), grid-stride.
template <class F>
__global__ void for_each_kernel(std::int64_t n, F f) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n;
       i += std::int64_t(gridDim.x) * blockDim.x)
    f(i);
}

// One block of kBlock threads per network: each thread's partial sums,
// added in a fixed tree (network_ensemble.hpp, BlockSums), then the block's
// total to f.finish on thread 0.
template <class F>
__global__ void __launch_bounds__(kBlock) per_block_kernel(F f) {
  __shared__ double sa[kBlock], sb[kBlock];
  __shared__ long long sc[kBlock];
  const int t = static_cast<int>(threadIdx.x);
  const BlockSums p = f.partial(blockIdx.x, t);
  sa[t] = p.a;
  sb[t] = p.b;
  sc[t] = p.c;
  __syncthreads();
  for (int half = kBlock / 2; half > 0; half /= 2) {
    if (t < half) {
      sa[t] += sa[t + half];
      sb[t] += sb[t + half];
      sc[t] += sc[t + half];
    }
    __syncthreads();
  }
  if (t == 0) f.finish(blockIdx.x, BlockSums{sa[0], sb[0], sc[0]});
}

// n elements of U in pinned host memory, and an event after the last copy
// from them (DeviceSpace::copy_staged); freed once that copy is done. Where
// the memory cannot be pinned, ordinary memory, whose copies wait for the
// stream (slower, the same results).
template <class U>
class PinnedStage {
 public:
  explicit PinnedStage(std::size_t n) : size_(n) {
    TRILO_CUDA_CHECK(cudaEventCreateWithFlags(&read_, cudaEventDisableTiming));
    if (n == 0) return;
    if (cudaMallocHost(&pinned_, n * sizeof(U)) != cudaSuccess) {
      (void)cudaGetLastError();
      pinned_ = nullptr;
      plain_.resize(n);
    }
  }
  ~PinnedStage() {
    if (read_ != nullptr) {
      (void)cudaEventSynchronize(read_);
      (void)cudaEventDestroy(read_);
    }
    if (pinned_ != nullptr) (void)cudaFreeHost(pinned_);
  }
  PinnedStage(PinnedStage&& o) noexcept
      : size_(o.size_), pinned_(std::exchange(o.pinned_, nullptr)), plain_(std::move(o.plain_)),
        read_(std::exchange(o.read_, nullptr)) {}
  PinnedStage(const PinnedStage&) = delete;
  PinnedStage& operator=(const PinnedStage&) = delete;
  PinnedStage& operator=(PinnedStage&&) = delete;

  U* data() { return pinned_ != nullptr ? pinned_ : plain_.data(); }
  const U* data() const { return pinned_ != nullptr ? pinned_ : plain_.data(); }
  std::size_t size() const { return size_; }
  cudaEvent_t read() const { return read_; }

 private:
  std::size_t size_;
  U* pinned_ = nullptr;
  std::vector<U> plain_;
  cudaEvent_t read_ = nullptr;
};

// network_ensemble.hpp's space on one GPU: device memory, kernels and
// cuBLAS on one non-blocking stream.
class DeviceSpace {
 public:
  template <class U>
  using Buffer = cuda::DeviceBuffer<U>;
  template <class U>
  using Staging = PinnedStage<U>;

  explicit DeviceSpace(int device) : device_(device) {
    TRILO_CUDA_CHECK(cudaSetDevice(device_));
    cudaDeviceProp prop{};
    TRILO_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    name_ = prop.name;
    TRILO_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    TRILO_CUBLAS_CHECK(cublasCreate(&blas_));
    TRILO_CUBLAS_CHECK(cublasSetStream(blas_, stream_));
  }
  ~DeviceSpace() {
    if (blas_) (void)cublasDestroy(blas_);
    if (stream_) {
      (void)cudaStreamSynchronize(stream_);
      (void)cudaStreamDestroy(stream_);
    }
  }
  DeviceSpace(const DeviceSpace&) = delete;
  DeviceSpace& operator=(const DeviceSpace&) = delete;

  std::string name() const { return name_; }
  void activate() const { TRILO_CUDA_CHECK(cudaSetDevice(device_)); }
  std::size_t free_bytes() const {
    std::size_t free_bytes = 0, total_bytes = 0;
    TRILO_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    return free_bytes;
  }
  template <class U>
  Buffer<U> buffer(std::size_t n) const {
    return Buffer<U>(n, stream_);
  }
  template <class U>
  void to_device(U* dst, const U* src, std::int64_t n) const {
    cuda::copy_to_device_async(dst, src, n, stream_);
  }
  template <class U>
  void to_host(U* dst, const U* src, std::int64_t n) const {
    cuda::copy_to_host_async(dst, src, n, stream_);
  }
  template <class U>
  Staging<U> staging(std::size_t n) const {
    return Staging<U>(n);
  }
  template <class U>
  void copy_staged(U* dst, const Staging<U>& stage, std::int64_t n) const {
    cuda::copy_to_device_async(dst, stage.data(), n, stream_);
    TRILO_CUDA_CHECK(cudaEventRecord(stage.read(), stream_));
  }
  template <class U>
  void wait_staged(const Staging<U>& stage) const {
    TRILO_CUDA_CHECK(cudaEventSynchronize(stage.read()));
  }
  void fill_bytes(void* p, int byte, std::size_t bytes) const {
    TRILO_CUDA_CHECK(cudaMemsetAsync(p, byte, bytes, stream_));
  }
  template <class F>
  void for_each(std::int64_t n, const F& f) const {
    if (n <= 0) return;
    for_each_kernel<<<cuda::launch_blocks(n, kBlock), kBlock, 0, stream_>>>(n, f);
    TRILO_CUDA_CHECK(cudaGetLastError());
  }
  template <class F>
  void per_block(std::int64_t blocks, const F& f) const {
    if (blocks <= 0) return;
    per_block_kernel<<<static_cast<unsigned>(blocks), kBlock, 0, stream_>>>(f);
    TRILO_CUDA_CHECK(cudaGetLastError());
  }
  template <class T>
  void gemm(const GemmShape& s, const T* a, const T* b, T* c, T beta, int batch) const {
    TRILO_CUBLAS_CHECK(nn::gemm(blas_, s, a, b, c, beta, batch));
  }
  void sync() const { TRILO_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

 private:
  int device_;
  std::string name_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
};

// The device of a rank (its node-local index), modulo the devices present.
int pick_device(int device) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    (void)cudaGetLastError();
    throw std::runtime_error("--backend cuda: no CUDA device is present");
  }
  return (device < 0 ? 0 : device) % n;
}

template <class T>
std::unique_ptr<DeviceEnsemble<T>> make(const NetSpec& spec, const HostRows<T>& train, const HostRows<T>& test,
                                        const HostRows<T>& probe, OrderSource orders, int device) {
  return std::make_unique<Ensemble<T, DeviceSpace>>(spec, train, test, probe, std::move(orders), pick_device(device));
}

}  // namespace

std::string cuda_device_name(int device) {
  cudaDeviceProp prop{};
  TRILO_CUDA_CHECK(cudaGetDeviceProperties(&prop, pick_device(device)));
  return prop.name;
}

std::unique_ptr<DeviceEnsemble<float>> make_device_ensemble(const NetSpec& spec, const HostRows<float>& train,
                                                            const HostRows<float>& test,
                                                            const HostRows<float>& probe, OrderSource orders,
                                                            int device) {
  return make(spec, train, test, probe, std::move(orders), device);
}

std::unique_ptr<DeviceEnsemble<double>> make_device_ensemble(const NetSpec& spec, const HostRows<double>& train,
                                                             const HostRows<double>& test,
                                                             const HostRows<double>& probe, OrderSource orders,
                                                             int device) {
  return make(spec, train, test, probe, std::move(orders), device);
}

}  // namespace trilo::nn
