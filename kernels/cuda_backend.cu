#include "kernels/cuda_backend.hpp"

#include <cstring>
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
  TRILO_CUDA_CHECK(cudaStreamCreateWithFlags(&fetch_stream_, cudaStreamNonBlocking));
  TRILO_CUDA_CHECK(cudaEventCreate(&kernels_begin_));
  TRILO_CUDA_CHECK(cudaEventCreate(&kernels_end_));
  formulas_ = std::make_unique<FormulaModules>(device_);
}

CudaBackend::~CudaBackend() {
  if (fetch_stream_ != nullptr) {
    (void)cudaStreamSynchronize(fetch_stream_);
    (void)cudaStreamDestroy(fetch_stream_);
  }
  for (std::unique_ptr<KeptDescents>& k : kept_) k.reset();  // freed on stream_, before it goes
  if (stream_ != nullptr) {
    (void)cudaStreamSynchronize(stream_);  // let queued frees finish before the stream goes
    (void)cudaStreamDestroy(stream_);
  }
  if (kernels_begin_ != nullptr) (void)cudaEventDestroy(kernels_begin_);
  if (kernels_end_ != nullptr) (void)cudaEventDestroy(kernels_end_);
  if (staging_ != nullptr) (void)cudaFreeHost(staging_);
  formulas_.reset();  // after the stream: no queued kernel still needs a library
}

void CudaBackend::activate() const { TRILO_CUDA_CHECK(cudaSetDevice(device_)); }

void CudaBackend::begin_kernels() { TRILO_CUDA_CHECK(cudaEventRecord(kernels_begin_, stream_)); }

void CudaBackend::end_kernels() {
  TRILO_CUDA_CHECK(cudaEventRecord(kernels_end_, stream_));
  kernels_timed_ = true;
}

double CudaBackend::take_device_seconds() {
  const double s = device_seconds_;
  device_seconds_ = 0;
  return s;
}

unsigned char* CudaBackend::staging(std::size_t bytes) {
  if (bytes <= staging_bytes_) return staging_;
  // Grow by at least half again, so a run of growing tiles reallocates rarely.
  const std::size_t want = std::max(bytes, staging_bytes_ + staging_bytes_ / 2);
  if (staging_ != nullptr) {
    TRILO_CUDA_CHECK(cudaStreamSynchronize(stream_));  // no copy into it is still queued
    TRILO_CUDA_CHECK(cudaFreeHost(staging_));
    staging_ = nullptr;
    staging_bytes_ = 0;
  }
  void* raw = nullptr;
  TRILO_CUDA_CHECK(cudaMallocHost(&raw, want));
  staging_ = static_cast<unsigned char*>(raw);
  staging_bytes_ = want;
  return staging_;
}

void CudaBackend::end_tile(const std::vector<HostCopy>& copies) {
  constexpr std::size_t kAlign = 256;
  std::vector<std::size_t> at(copies.size());
  std::size_t total = 0;
  for (std::size_t i = 0; i < copies.size(); ++i) {
    at[i] = total;
    total += (copies[i].bytes + kAlign - 1) / kAlign * kAlign;
  }
  unsigned char* stage = staging(std::max<std::size_t>(total, 1));
  for (std::size_t i = 0; i < copies.size(); ++i)
    if (copies[i].bytes > 0)
      TRILO_CUDA_CHECK(cudaMemcpyAsync(stage + at[i], copies[i].device, copies[i].bytes,
                                       cudaMemcpyDeviceToHost, stream_));
  TRILO_CUDA_CHECK(cudaStreamSynchronize(stream_));
  if (kernels_timed_) {
    float ms = 0;
    TRILO_CUDA_CHECK(cudaEventElapsedTime(&ms, kernels_begin_, kernels_end_));
    device_seconds_ += 1e-3 * double(ms);
    kernels_timed_ = false;
  }
  // Pieces of 1 MiB, shared among the cores: one thread copies ~10 GB/s,
  // well under what the link delivers.
  constexpr std::size_t kPiece = std::size_t(1) << 20;
  std::vector<std::pair<std::size_t, std::size_t>> pieces;  // (copy, offset)
  for (std::size_t i = 0; i < copies.size(); ++i)
    for (std::size_t off = 0; off < copies[i].bytes; off += kPiece) pieces.emplace_back(i, off);
  const auto n = static_cast<std::int64_t>(pieces.size());
#pragma omp parallel for schedule(dynamic, 4) if (n > 8)
  for (std::int64_t k = 0; k < n; ++k) {
    const auto [i, off] = pieces[static_cast<std::size_t>(k)];
    const std::size_t len = std::min(kPiece, copies[i].bytes - off);
    std::memcpy(static_cast<unsigned char*>(copies[i].host) + off, stage + at[i] + off, len);
  }
}

std::int64_t CudaBackend::chunk_items(std::size_t bytes_per_item) const {
  const std::size_t fit = chunk_bytes_ / std::max<std::size_t>(bytes_per_item, 1);
  const std::size_t most = static_cast<std::size_t>(kMaxChunkItems);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::min(fit, most)));
}

namespace {

// FP32 and FP64 lanes per SM by compute capability (NVIDIA's CUDA C++
// Programming Guide, "Arithmetic Instructions" throughput table).
std::pair<int, int> lanes_per_sm(int major, int minor) {
  if (major == 9 || major == 10) return {128, 64};  // Hopper, Blackwell data centre
  if (major == 8 && minor == 0) return {64, 32};    // A100
  if (major == 8) return {128, 2};                  // Ampere/Ada consumer parts
  if (major == 7 && minor == 0) return {64, 32};    // V100
  return {64, 2};                                   // a cautious guess for others
}

}  // namespace

backend::PeakRates CudaBackend::peak() {
  activate();
  int sms = 0, clock_khz = 0, major = 0, minor = 0;
  TRILO_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device_));
  TRILO_CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device_));
  TRILO_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device_));
  TRILO_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device_));
  const auto [l32, l64] = lanes_per_sm(major, minor);
  backend::PeakRates r;
  const double fma_per_s = double(sms) * double(clock_khz) * 1e3;
  r.fp32_flops = 2.0 * fma_per_s * l32;
  r.fp64_flops = 2.0 * fma_per_s * l64;
  // Write bandwidth measured: cudaMemsetAsync over 1 GiB, best of three.
  const std::size_t bytes = std::size_t(1) << 30;
  DeviceBuffer<unsigned char> buf(bytes, stream_);
  cudaEvent_t start = nullptr, stop = nullptr;
  TRILO_CUDA_CHECK(cudaEventCreate(&start));
  TRILO_CUDA_CHECK(cudaEventCreate(&stop));
  float best_ms = 0;
  for (int rep = 0; rep < 4; ++rep) {  // the first one is a warm-up
    TRILO_CUDA_CHECK(cudaEventRecord(start, stream_));
    TRILO_CUDA_CHECK(cudaMemsetAsync(buf.data(), rep, bytes, stream_));
    TRILO_CUDA_CHECK(cudaEventRecord(stop, stream_));
    TRILO_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    TRILO_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    if (rep > 0 && (best_ms == 0 || ms < best_ms)) best_ms = ms;
  }
  (void)cudaEventDestroy(start);
  (void)cudaEventDestroy(stop);
  r.write_bytes = double(bytes) / (double(best_ms) * 1e-3);
  r.source = "FP rates from " + std::to_string(sms) + " SMs x " + std::to_string(clock_khz / 1000) +
             " MHz x lanes of sm_" + std::to_string(major * 10 + minor) +
             "; write bandwidth measured (cudaMemsetAsync, 1 GiB)";
  return r;
}

}  // namespace trilo::cuda

namespace trilo::backend {

std::unique_ptr<Backend> make_cuda_backend(int device) {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess || n == 0) {
    (void)cudaGetLastError();  // leave no error behind for a later, unrelated check
    std::string why = err != cudaSuccess ? std::string(" (") + cudaGetErrorString(err) + ")" : "";
    throw std::runtime_error("--backend cuda: no CUDA device is present" + why);
  }
  return std::make_unique<cuda::CudaBackend>((device < 0 ? 0 : device) % n);
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
