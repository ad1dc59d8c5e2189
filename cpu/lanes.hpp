// W descents side by side: a scalar type whose every operation acts on W
// lanes at once (GCC/Clang vector extensions, which any x86-64 target
// lowers to its widest registers). The landscapes, dual numbers and
// optimizer updates of src/core are templates over their scalar, so
// instantiated with Lanes they run W descents per instruction with the
// very arithmetic of the scalar path: + - * / and sqrt are IEEE operations
// lane by lane, and ISO C++ mode (no -ffp-contract=fast) forbids fusing
// them, so each lane rounds exactly as the scalar code does.
//
// The special functions are the one choice: kExact calls the scalar libm
// per lane (bit for bit the scalar path), kVector calls glibc's libmvec,
// whose vector exp/sin/cos/log are documented to within 4 ulp (glibc
// manual, "Known Maximum Errors in Math Functions") against the scalar
// libm's 1 ulp, and whose results depend only on the argument, never on
// the lane or the neighbours, so results stay independent of threads and
// chunks.
#pragma once

#include <cstdint>
#include <cstring>
#include <immintrin.h>
#include <type_traits>

#include "core/hd.hpp"

// Every Lanes function is inlined into a worker compiled for its
// instruction set (cpu/descend_lanes.cpp), so the psABI notes about passing
// wide vectors between functions of different targets do not apply.

#pragma GCC diagnostic ignored "-Wpsabi"

namespace trilo::cpu {

enum class Isa { kBase, kAvx2, kAvx512 };  // the instruction set a worker is compiled for
enum class LaneMath { kExact, kVector };

namespace mvec {
// glibc libmvec, x86-64 vector ABI names (b: SSE2, d: AVX2, e: AVX-512).
typedef double d2 __attribute__((vector_size(16)));
typedef double d4 __attribute__((vector_size(32)));
typedef double d8 __attribute__((vector_size(64)));
typedef float f4 __attribute__((vector_size(16)));
typedef float f8 __attribute__((vector_size(32)));
typedef float f16 __attribute__((vector_size(64)));
#define TRILO_MVEC(fn)                                                              \
  extern "C" d2 _ZGVbN2v_##fn(d2);                                                  \
  extern "C" f4 _ZGVbN4v_##fn##f(f4);                                               \
  extern "C" __attribute__((target("avx2"))) d4 _ZGVdN4v_##fn(d4);                  \
  extern "C" __attribute__((target("avx2"))) f8 _ZGVdN8v_##fn##f(f8);               \
  extern "C" __attribute__((target("avx512f"))) d8 _ZGVeN8v_##fn(d8);               \
  extern "C" __attribute__((target("avx512f"))) f16 _ZGVeN16v_##fn##f(f16);         \
  struct fn##_fn {                                                                  \
    static void call(d2& a) { a = _ZGVbN2v_##fn(a); }                               \
    static void call(f4& a) { a = _ZGVbN4v_##fn##f(a); }                            \
    __attribute__((target("avx2"))) static void call(d4& a) { a = _ZGVdN4v_##fn(a); } \
    __attribute__((target("avx2"))) static void call(f8& a) { a = _ZGVdN8v_##fn##f(a); } \
    __attribute__((target("avx512f"))) static void call(d8& a) { a = _ZGVeN8v_##fn(a); } \
    __attribute__((target("avx512f"))) static void call(f16& a) { a = _ZGVeN16v_##fn##f(a); } \
  };
TRILO_MVEC(exp)
TRILO_MVEC(log)
TRILO_MVEC(sin)
TRILO_MVEC(cos)
#undef TRILO_MVEC

template <class T, Isa I>
struct Native;  // the register type of one libmvec call
template <> struct Native<double, Isa::kBase> { using type = d2; };
template <> struct Native<float, Isa::kBase> { using type = f4; };
template <> struct Native<double, Isa::kAvx2> { using type = d4; };
template <> struct Native<float, Isa::kAvx2> { using type = f8; };
template <> struct Native<double, Isa::kAvx512> { using type = d8; };
template <> struct Native<float, Isa::kAvx512> { using type = f16; };
}  // namespace mvec

template <class T, int W, Isa I, LaneMath M>
struct Lanes {
  typedef T V __attribute__((vector_size(sizeof(T) * W)));
  static constexpr int kWidth = W;
  V v;

  Lanes() = default;
  // Constants broadcast, as T(c) converts them in the scalar code.
  template <class S, class = std::enable_if_t<std::is_arithmetic_v<S>>>
  Lanes(S c) {  // NOLINT: literals promote implicitly, as for double
    for (int l = 0; l < W; ++l) v[l] = T(c);
  }
  static Lanes of(V a) {
    Lanes r;
    r.v = a;
    return r;
  }
  T operator[](int l) const { return v[l]; }
  void set(int l, T a) { v[l] = a; }
};

#define TRILO_LANES template <class T, int W, Isa I, LaneMath M>
#define TRILO_L Lanes<T, W, I, M>
TRILO_LANES inline TRILO_L operator+(const TRILO_L& a, const TRILO_L& b) { return TRILO_L::of(a.v + b.v); }
TRILO_LANES inline TRILO_L operator-(const TRILO_L& a, const TRILO_L& b) { return TRILO_L::of(a.v - b.v); }
TRILO_LANES inline TRILO_L operator*(const TRILO_L& a, const TRILO_L& b) { return TRILO_L::of(a.v * b.v); }
TRILO_LANES inline TRILO_L operator/(const TRILO_L& a, const TRILO_L& b) { return TRILO_L::of(a.v / b.v); }
TRILO_LANES inline TRILO_L operator-(const TRILO_L& a) { return TRILO_L::of(-a.v); }
TRILO_LANES inline TRILO_L& operator+=(TRILO_L& a, const TRILO_L& b) { return a = a + b; }
TRILO_LANES inline TRILO_L& operator-=(TRILO_L& a, const TRILO_L& b) { return a = a - b; }
TRILO_LANES inline TRILO_L& operator*=(TRILO_L& a, const TRILO_L& b) { return a = a * b; }
TRILO_LANES inline TRILO_L& operator/=(TRILO_L& a, const TRILO_L& b) { return a = a / b; }

// Comparisons, masks and sqrt, compiled for the worker's instruction set:
// written in a function without it, GCC splits a 512-bit comparison into
// scalar ones before inlining can give it the wide registers.
// Masks travel in a struct and vectors by reference between these helpers:
// a function compiled without the worker's instruction set must not pass or
// return a wide vector by value (clang rejects that ABI change; GCC warns,
// -Wpsabi), even though everything here is inlined into the worker.
template <class M>
struct LaneMask {
  M m;  // all bits set in a lane where true
  bool operator[](int l) const { return m[l] != 0; }
};
template <Isa I>
struct Ops;
template <int Bytes>
struct IntVec {
  typedef long long type __attribute__((vector_size(Bytes)));
};
#define TRILO_LANE_OPS(ISA, TARGET, TEST)                                                \
  template <>                                                                            \
  struct Ops<ISA> {                                                                      \
    /* The descent ends: non-finite loss or gradient, or |g|^2 <= tol^2. */              \
    template <class V, class S>                                                          \
    TARGET static auto ends(const V& loss, const V& gn2, S tol2) {                       \
      return mask(~(((loss - loss) == (loss - loss)) & ((gn2 - gn2) == (gn2 - gn2))) |   \
                  (gn2 <= tol2));                                                        \
    }                                                                                    \
    template <class M>                                                                   \
    TARGET static LaneMask<M> either(const LaneMask<M>& a, const LaneMask<M>& b) {       \
      return {a.m | b.m};                                                                \
    }                                                                                    \
    /* Not (lo <= a <= hi), NaN included: the scalar path's divergence test. */         \
    template <class V, class S>                                                          \
    TARGET static auto outside(const V& a, S lo, S hi) {                                 \
      return mask(~((a >= lo) & (a <= hi)));                                             \
    }                                                                                    \
    /* Any lane set: OR the halves together down to one register, then one test   */ \
    /* instruction (a mask register stays a mask register, no trip through memory). */ \
    template <class M>                                                                   \
    TARGET static bool any(const M& m) {                                                 \
      constexpr int kBytes = sizeof(M);                                                  \
      if constexpr (kBytes <= kTestBytes) {                                              \
        return test_any(m);                                                              \
      } else {                                                                           \
        typename IntVec<kBytes / 2>::type a, b;                                          \
        std::memcpy(&a, &m, kBytes / 2);                                                 \
        std::memcpy(&b, reinterpret_cast<const char*>(&m) + kBytes / 2, kBytes / 2);     \
        const auto c = a | b;                                                            \
        return any(c);                                                                   \
      }                                                                                  \
    }                                                                                    \
    /* Correctly rounded lane by lane, as the scalar sqrt. */                           \
    template <class V>                                                                   \
    TARGET static void sqrt(V& a) {                                                      \
      for (int l = 0; l < int(sizeof(V) / sizeof(a[0])); ++l) a[l] = __builtin_sqrt(a[l]); \
    }                                                                                    \
                                                                                         \
   private:                                                                              \
    template <class M>                                                                   \
    TARGET static LaneMask<M> mask(const M& m) { return {m}; }                           \
    TEST                                                                                 \
  };
// The widest register one test instruction checks for any set bit.
#define TRILO_TEST_AVX512                                                                \
 public:                                                                                 \
  static constexpr int kTestBytes = 64;                                                  \
  template <class M>                                                                     \
  __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw"))) static bool test_any(const M& m) { \
    if constexpr (sizeof(M) == 64) {                                                     \
      __m512i v;                                                                         \
      std::memcpy(&v, &m, 64);                                                           \
      return _mm512_test_epi64_mask(v, v) != 0;                                          \
    } else {                                                                             \
      return Ops<Isa::kAvx2>::test_any(m);                                               \
    }                                                                                    \
  }
#define TRILO_TEST_AVX2                                                                  \
 public:                                                                                 \
  static constexpr int kTestBytes = 32;                                                  \
  template <class M>                                                                     \
  __attribute__((target("avx2"))) static bool test_any(const M& m) {                    \
    if constexpr (sizeof(M) == 32) {                                                     \
      __m256i v;                                                                         \
      std::memcpy(&v, &m, 32);                                                           \
      return !_mm256_testz_si256(v, v);                                                  \
    } else {                                                                             \
      return Ops<Isa::kBase>::test_any(m);                                               \
    }                                                                                    \
  }
#define TRILO_TEST_BASE                                                                  \
 public:                                                                                 \
  static constexpr int kTestBytes = 16;                                                  \
  template <class M>                                                                     \
  static bool test_any(const M& m) {                                                     \
    static_assert(sizeof(M) == 16, "lane masks are at least 16 bytes");                  \
    __m128i v;                                                                           \
    std::memcpy(&v, &m, 16);                                                             \
    return _mm_movemask_epi8(v) != 0;                                                    \
  }
TRILO_LANE_OPS(Isa::kBase, , TRILO_TEST_BASE)
TRILO_LANE_OPS(Isa::kAvx2, __attribute__((target("avx2"))), TRILO_TEST_AVX2)
TRILO_LANE_OPS(Isa::kAvx512, __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw"))),
               TRILO_TEST_AVX512)
#undef TRILO_LANE_OPS
#undef TRILO_TEST_AVX512
#undef TRILO_TEST_AVX2
#undef TRILO_TEST_BASE

// Lane masks: all bits set where true.
// Lanes whose descent ends at this loss and squared gradient norm (a - a
// is +0 for every finite a and NaN for infinities and NaN).
TRILO_LANES inline auto lanes_end(const TRILO_L& loss, const TRILO_L& gn2, T tol2) {
  return Ops<I>::ends(loss.v, gn2.v, tol2);
}
template <Isa I, class M>
inline LaneMask<M> lanes_either(const LaneMask<M>& a, const LaneMask<M>& b) {
  return Ops<I>::either(a, b);
}
TRILO_LANES inline auto lanes_outside(const TRILO_L& a, T lo, T hi) {
  return Ops<I>::outside(a.v, lo, hi);
}
template <Isa I, class M>
inline bool lanes_any(const LaneMask<M>& m) {
  return Ops<I>::any(m.m);
}

TRILO_LANES inline TRILO_L sqrt(const TRILO_L& a) {
  TRILO_L r = a;
  Ops<I>::sqrt(r.v);
  return r;
}

// Special functions: per lane through the scalar libm, or in native-width
// pieces through libmvec.
template <class Fn, class T, int W, Isa I, LaneMath M, class Scalar>
inline Lanes<T, W, I, M> lanes_special(const Lanes<T, W, I, M>& a, Scalar scalar) {
  Lanes<T, W, I, M> r;
  if constexpr (M == LaneMath::kExact) {
    for (int l = 0; l < W; ++l) r.v[l] = scalar(a.v[l]);
  } else {
    using N = typename mvec::Native<T, I>::type;
    constexpr int kPer = sizeof(N) / sizeof(T);
    static_assert(W % kPer == 0, "lane count must be a multiple of the register width");
    for (int k = 0; k < W / kPer; ++k) {
      N piece;
      std::memcpy(&piece, reinterpret_cast<const char*>(&a.v) + k * sizeof(N), sizeof(N));
      Fn::call(piece);
      std::memcpy(reinterpret_cast<char*>(&r.v) + k * sizeof(N), &piece, sizeof(N));
    }
  }
  return r;
}
TRILO_LANES inline TRILO_L exp(const TRILO_L& a) {
  return lanes_special<mvec::exp_fn>(a, [](T x) { return trilo::exp(x); });
}
TRILO_LANES inline TRILO_L log(const TRILO_L& a) {
  return lanes_special<mvec::log_fn>(a, [](T x) { return trilo::log(x); });
}
TRILO_LANES inline TRILO_L sin(const TRILO_L& a) {
  return lanes_special<mvec::sin_fn>(a, [](T x) { return trilo::sin(x); });
}
TRILO_LANES inline TRILO_L cos(const TRILO_L& a) {
  return lanes_special<mvec::cos_fn>(a, [](T x) { return trilo::cos(x); });
}
#undef TRILO_LANES
#undef TRILO_L

}  // namespace trilo::cpu

