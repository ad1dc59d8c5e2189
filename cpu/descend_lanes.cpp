// The lanes path of CpuBackend::descend (cpu/descend_lanes.hpp), compiled
// for the widest instruction set the machine has, chosen at run time: each
// worker below is one flattened function with its own target, so no code
// outside it is compiled for an instruction set the CPU may lack.
// This file is compiled with -ffp-contract=off (no fused multiply-adds
// where the scalar path has none) and -fno-math-errno (sqrt as one vector
// instruction; it changes no result), see CMakeLists.txt.
#include "cpu/descend_lanes_entry.hpp"

#include <omp.h>

#include "cpu/descend_lanes.hpp"

namespace trilo::cpu {
namespace {

template <class T, int MaxDim, class L>
__attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,bmi,bmi2,popcnt"), flatten))
void worker_avx512(const L& land, const DescentParams& p, const StartSpec& s, LaneQueue& q,
                   const DescentColumns& out) {
  lanes_worker<T, 64 / sizeof(T), Isa::kAvx512, LaneMath::kVector, MaxDim>(land, p, s, q, out);
}

template <class T, int MaxDim, class L>
__attribute__((target("avx2,fma,bmi,bmi2,popcnt"), flatten))
void worker_avx2(const L& land, const DescentParams& p, const StartSpec& s, LaneQueue& q,
                 const DescentColumns& out) {
  lanes_worker<T, 64 / sizeof(T), Isa::kAvx2, LaneMath::kVector, MaxDim>(land, p, s, q, out);
}

template <class T, int MaxDim, class L>
__attribute__((flatten)) void worker_base(const L& land, const DescentParams& p,
                                          const StartSpec& s, LaneQueue& q,
                                          const DescentColumns& out) {
  lanes_worker<T, 64 / sizeof(T), Isa::kBase, LaneMath::kVector, MaxDim>(land, p, s, q, out);
}

Isa machine_isa() {
  static const Isa isa = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
      return Isa::kAvx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
    return Isa::kBase;
  }();
  return isa;
}

template <class T, int MaxDim, class L>
void run(const L& land, const DescentParams& p, const StartSpec& s, std::int64_t first,
         std::int64_t count, const DescentColumns& out, int threads) {
  LaneQueue q;
  q.first = first;
  q.count = count;
  const Isa isa = machine_isa();
  // Threads beyond the blocks there are would only idle.
  const std::int64_t blocks = (count + LaneQueue::kGrab - 1) / LaneQueue::kGrab;
  const int team = blocks < threads ? static_cast<int>(blocks > 0 ? blocks : 1) : threads;
#pragma omp parallel num_threads(team)
  {
    if (isa == Isa::kAvx512)
      worker_avx512<T, MaxDim>(land, p, s, q, out);
    else if (isa == Isa::kAvx2)
      worker_avx2<T, MaxDim>(land, p, s, q, out);
    else
      worker_base<T, MaxDim>(land, p, s, q, out);
  }
}

}  // namespace

const char* lanes_isa_name() {
  switch (machine_isa()) {
    case Isa::kAvx512: return "AVX-512";
    case Isa::kAvx2: return "AVX2";
    default: return "SSE2";
  }
}

bool descend_lanes(const LandscapeSpec& spec, bool f32, const DescentParams& p,
                   const StartSpec& s, std::int64_t first, std::int64_t count,
                   const DescentColumns& out, int threads) {
  bool served = false;
  with_landscape(spec, [&](auto land) {
    using L = decltype(land);
    if constexpr (kLanesServe<L>) {
      with_max_dim(land, [&](auto max_dim) {
        constexpr int kD = decltype(max_dim)::value;
        if (f32)
          run<float, kD>(land, p, s, first, count, out, threads);
        else
          run<double, kD>(land, p, s, first, count, out, threads);
      });
      served = true;
    }
  });
  return served;
}

}  // namespace trilo::cpu
