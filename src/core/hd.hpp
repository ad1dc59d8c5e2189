// Host/device portability: the one macro that lets the math in src/core be
// compiled by g++ for cpu/ and by nvcc for kernels/, plus the scalar math
// functions the landscapes call unqualified (so Dual<> overloads join them).
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define TRILO_HD __host__ __device__
#define TRILO_HD_INLINE __host__ __device__ __forceinline__
#else
#define TRILO_HD
#define TRILO_HD_INLINE inline
#endif

// Unrolls the loop that follows in device code, where arrays indexed by its
// counter must become registers (a loop over a fixed count of descents a
// thread); nothing on the host.
#if defined(__CUDA_ARCH__)
#define TRILO_UNROLL _Pragma("unroll")
#else
#define TRILO_UNROLL
#endif

namespace trilo {

constexpr int kMaxDim = 64;  // largest run-time dimension of any landscape
constexpr double kPi = 3.14159265358979323846;
constexpr double kE = 2.71828182845904523536;

// Scalar overloads, so `exp(x)` inside namespace trilo works for float,
// double and Dual alike, on host and device.
TRILO_HD_INLINE double exp(double a) { return ::exp(a); }
TRILO_HD_INLINE float exp(float a) { return ::expf(a); }
TRILO_HD_INLINE double log(double a) { return ::log(a); }
TRILO_HD_INLINE float log(float a) { return ::logf(a); }
TRILO_HD_INLINE double sqrt(double a) { return ::sqrt(a); }
TRILO_HD_INLINE float sqrt(float a) { return ::sqrtf(a); }
TRILO_HD_INLINE double sin(double a) { return ::sin(a); }
TRILO_HD_INLINE float sin(float a) { return ::sinf(a); }
TRILO_HD_INLINE double cos(double a) { return ::cos(a); }
TRILO_HD_INLINE float cos(float a) { return ::cosf(a); }
TRILO_HD_INLINE double tanh(double a) { return ::tanh(a); }
TRILO_HD_INLINE float tanh(float a) { return ::tanhf(a); }
TRILO_HD_INLINE double erf(double a) { return ::erf(a); }
TRILO_HD_INLINE float erf(float a) { return ::erff(a); }
TRILO_HD_INLINE double log1p(double a) { return ::log1p(a); }
TRILO_HD_INLINE float log1p(float a) { return ::log1pf(a); }
TRILO_HD_INLINE double fabs(double a) { return ::fabs(a); }
TRILO_HD_INLINE float fabs(float a) { return ::fabsf(a); }
TRILO_HD_INLINE double fma(double a, double b, double c) { return ::fma(a, b, c); }
// A product nvcc may not fuse into a following add: where host and device
// must agree bit for bit (lattice coordinates), FMA contraction would not.
TRILO_HD_INLINE double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
#if defined(__CUDA_ARCH__)
TRILO_HD_INLINE bool is_finite(double a) { return isfinite(a); }
TRILO_HD_INLINE bool is_finite(float a) { return isfinite(a); }
#else
TRILO_HD_INLINE bool is_finite(double a) { return std::isfinite(a); }
TRILO_HD_INLINE bool is_finite(float a) { return std::isfinite(a); }
#endif

}  // namespace trilo
