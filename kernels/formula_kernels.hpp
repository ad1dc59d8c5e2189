// What the host side of the CUDA backend and the formula kernels
// (formula_kernels.cu, compiled ahead of time to LTO-IR) agree on: the
// landscape struct the kernels see, and the kernels' names.
//
// A formula runs on the GPU as the shared descent, trace and grid loops
// (work_loops.cuh) over ExternFormula, whose value_grad calls two functions
// this build does not contain: NVRTC compiles them at run time from the
// formula's node array (src/expr/codegen.hpp, CodeTarget::kCuda), and
// nvJitLink links them with the kernels into one cubin (formula_jit.hpp).
#pragma once

#include <string>
#include <type_traits>

#include "core/work.hpp"

#if defined(TRILO_FORMULA_KERNELS_TU)
// Defined by the generated code (see src/expr/codegen.hpp).
extern "C" __device__ double trilo_formula_vg(const double* w, double* g);
extern "C" __device__ float trilo_formula_vg_f(const float* w, float* g);
#endif

namespace trilo::cuda {

// A formula's landscape on the device: only the dimension travels; the value
// and gradient are the generated functions. The host side sees the same
// layout (one int) to pass it as a kernel argument.
struct ExternFormula {
  static constexpr int kFixedDim = 0;
  int dim;
#if defined(TRILO_FORMULA_KERNELS_TU)
  __device__ double value_grad(const double* x, double* g) const { return trilo_formula_vg(x, g); }
  __device__ float value_grad(const float* x, float* g) const { return trilo_formula_vg_f(x, g); }
#endif
};

enum class FormulaJob { kDescend, kTrace, kGrid };

// The bound on the dimension the kernels are compiled for (2, 16 or
// kMaxDim): the rule of with_max_dim, as for a built-in landscape.
inline int formula_max_dim(int dim) {
  int bound = 0;
  with_max_dim(ExternFormula{dim}, [&](auto d) { bound = decltype(d)::value; });
  return bound;
}

// "trilo_formula_<job>_<f32|f64>_d<bound>", as formula_kernels.cu spells them.
inline std::string formula_kernel_name(FormulaJob job, bool f32, int max_dim) {
  const char* j = job == FormulaJob::kDescend ? "descend" : job == FormulaJob::kTrace ? "trace" : "grid";
  return std::string("trilo_formula_") + j + (f32 ? "_f32_d" : "_f64_d") + std::to_string(max_dim);
}

}  // namespace trilo::cuda
