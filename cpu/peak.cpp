// The CPU's peak rates, measured on the spot: independent chains of vector
// fused multiply-adds on every thread (the widest instruction set the CPU
// has, chosen at run time, whatever flags the rest of the build used), and
// streaming stores into a buffer much larger than the caches.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu/cpu_backend.hpp"

namespace trilo::cpu {

namespace {

// Enough independent accumulators to hide the FMA latency on two ports
// (4-5 cycles x 2), so the loop runs at the issue rate.
constexpr int kChains = 12;

struct FmaKernel {
  const char* isa;
  int lanes64;  // doubles per vector
  double (*run)(std::int64_t iters, bool single);
};

__attribute__((target("avx512f"))) double fma_avx512(std::int64_t iters, bool single) {
  double sink = 0;
  if (single) {
    __m512 acc[kChains], b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_ps(1.0f + k);
    for (std::int64_t i = 0; i < iters; ++i)
      for (int k = 0; k < kChains; ++k) acc[k] = _mm512_fmadd_ps(acc[k], b, c);
    float out[16];
    for (int k = 0; k < kChains; ++k) {
      _mm512_storeu_ps(out, acc[k]);
      for (float v : out) sink += v;
    }
  } else {
    __m512d acc[kChains], b = _mm512_set1_pd(0.999999), c = _mm512_set1_pd(1e-7);
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_pd(1.0 + k);
    for (std::int64_t i = 0; i < iters; ++i)
      for (int k = 0; k < kChains; ++k) acc[k] = _mm512_fmadd_pd(acc[k], b, c);
    double out[8];
    for (int k = 0; k < kChains; ++k) {
      _mm512_storeu_pd(out, acc[k]);
      for (double v : out) sink += v;
    }
  }
  return sink;
}

__attribute__((target("avx2,fma"))) double fma_avx2(std::int64_t iters, bool single) {
  double sink = 0;
  if (single) {
    __m256 acc[kChains], b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int k = 0; k < kChains; ++k) acc[k] = _mm256_set1_ps(1.0f + k);
    for (std::int64_t i = 0; i < iters; ++i)
      for (int k = 0; k < kChains; ++k) acc[k] = _mm256_fmadd_ps(acc[k], b, c);
    float out[8];
    for (int k = 0; k < kChains; ++k) {
      _mm256_storeu_ps(out, acc[k]);
      for (float v : out) sink += v;
    }
  } else {
    __m256d acc[kChains], b = _mm256_set1_pd(0.999999), c = _mm256_set1_pd(1e-7);
    for (int k = 0; k < kChains; ++k) acc[k] = _mm256_set1_pd(1.0 + k);
    for (std::int64_t i = 0; i < iters; ++i)
      for (int k = 0; k < kChains; ++k) acc[k] = _mm256_fmadd_pd(acc[k], b, c);
    double out[4];
    for (int k = 0; k < kChains; ++k) {
      _mm256_storeu_pd(out, acc[k]);
      for (double v : out) sink += v;
    }
  }
  return sink;
}

// No FMA: a multiply and an add per element (SSE2, x86-64's baseline).
double fma_sse2(std::int64_t iters, bool single) {
  double sink = 0;
  if (single) {
    __m128 acc[kChains], b = _mm_set1_ps(0.999999f), c = _mm_set1_ps(1e-7f);
    for (int k = 0; k < kChains; ++k) acc[k] = _mm_set1_ps(1.0f + k);
    for (std::int64_t i = 0; i < iters; ++i)
      for (int k = 0; k < kChains; ++k) acc[k] = _mm_add_ps(_mm_mul_ps(acc[k], b), c);
    float out[4];
    for (int k = 0; k < kChains; ++k) {
      _mm_storeu_ps(out, acc[k]);
      for (float v : out) sink += v;
    }
  } else {
    __m128d acc[kChains], b = _mm_set1_pd(0.999999), c = _mm_set1_pd(1e-7);
    for (int k = 0; k < kChains; ++k) acc[k] = _mm_set1_pd(1.0 + k);
    for (std::int64_t i = 0; i < iters; ++i)
      for (int k = 0; k < kChains; ++k) acc[k] = _mm_add_pd(_mm_mul_pd(acc[k], b), c);
    double out[2];
    for (int k = 0; k < kChains; ++k) {
      _mm_storeu_pd(out, acc[k]);
      for (double v : out) sink += v;
    }
  }
  return sink;
}

FmaKernel best_kernel() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {"AVX-512 FMA", 8, fma_avx512};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {"AVX2 FMA", 4, fma_avx2};
  return {"SSE2 mul+add", 2, fma_sse2};
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Flop/s of `threads` threads running the kernel; the best of three runs.
double measure_flops(const FmaKernel& k, int threads, bool single) {
  const std::int64_t iters = std::int64_t(1) << 22;  // ~0.1 s per run at a few GHz
  volatile double sink = 0;
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    double s = 0;
#pragma omp parallel num_threads(threads) reduction(+ : s)
    s += k.run(iters, single);
    const double t = seconds_since(t0);
    sink = sink + s;
    const double lanes = single ? 2.0 * k.lanes64 : k.lanes64;
    // Two flops per element and iteration: one FMA, or a multiply and an add.
    best = std::max(best, double(threads) * double(iters) * kChains * lanes * 2.0 / t);
  }
  (void)sink;
  return best;
}

// B/s of stores over a 512 MiB buffer split among the threads; best of three.
double measure_write_bandwidth(int threads) {
  const std::size_t n = (std::size_t(512) << 20) / sizeof(double);
  std::vector<double> buf(n);  // touched once here, so the timed runs do not page-fault
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads)
    {
      const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
      const std::size_t p = static_cast<std::size_t>(omp_get_num_threads());
      std::fill(buf.begin() + n * t / p, buf.begin() + n * (t + 1) / p, double(rep));
    }
    best = std::max(best, double(n * sizeof(double)) / seconds_since(t0));
  }
  return best;
}

}  // namespace

backend::PeakRates CpuBackend::peak() {
  const FmaKernel k = best_kernel();
  backend::PeakRates r;
  r.fp64_flops = measure_flops(k, threads_, false);
  r.fp32_flops = measure_flops(k, threads_, true);
  r.write_bytes = measure_write_bandwidth(threads_);
  r.source = std::string("measured: ") + k.isa + " loops and streaming stores on " +
             std::to_string(threads_) + (threads_ == 1 ? " thread" : " threads");
  return r;
}

}  // namespace trilo::cpu
