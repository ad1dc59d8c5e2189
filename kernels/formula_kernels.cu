// The kernels of formula landscapes, compiled ahead of time to LTO-IR (not
// into the library: CMakeLists.txt builds this file with `nvcc -ltoir` and
// embeds the result) and linked at run time with a formula's generated
// value_grad (formula_jit.hpp). One kernel per job, precision and dimension
// bound; each is one call to the loop every built-in landscape runs.
#define TRILO_FORMULA_KERNELS_TU 1
#include "kernels/formula_kernels.hpp"
#include "kernels/work_loops.cuh"

using trilo::DescentColumns;
using trilo::DescentParams;
using trilo::GridColumns;
using trilo::PlaneSpec;
using trilo::StartSpec;
using trilo::cuda::ExternFormula;

// The names must follow formula_kernel_name().
#define TRILO_FORMULA_KERNELS(T, PREC, D)                                                        \
  extern "C" __global__ void trilo_formula_descend_##PREC##_d##D(                                \
      ExternFormula land, DescentParams p, StartSpec s, std::int64_t first, std::int64_t count,  \
      DescentColumns cols) {                                                                     \
    trilo::cuda::descend_loop<T, D>(land, p, s, first, count, cols);                             \
  }                                                                                              \
  extern "C" __global__ void trilo_formula_trace_##PREC##_d##D(                                  \
      ExternFormula land, DescentParams p, StartSpec s, const std::int64_t* indices,             \
      const double* start_rows, std::int64_t count, std::int64_t every, std::int64_t cap,        \
      std::int64_t* steps, double* positions, double* losses, std::int64_t* rows) {              \
    trilo::cuda::trace_loop<T, D>(land, p, s, indices, start_rows, count, every, cap, steps,     \
                                  positions, losses, rows);                                      \
  }                                                                                              \
  extern "C" __global__ void trilo_formula_grid_##PREC##_d##D(                                   \
      ExternFormula land, PlaneSpec plane, std::int64_t first, std::int64_t count,               \
      GridColumns cols) {                                                                        \
    trilo::cuda::grid_loop<T, D>(land, plane, first, count, cols);                               \
  }

TRILO_FORMULA_KERNELS(double, f64, 2)
TRILO_FORMULA_KERNELS(float, f32, 2)
TRILO_FORMULA_KERNELS(double, f64, 16)
TRILO_FORMULA_KERNELS(float, f32, 16)
TRILO_FORMULA_KERNELS(double, f64, 64)
TRILO_FORMULA_KERNELS(float, f32, 64)
static_assert(trilo::kMaxDim == 64, "the last bound above must be kMaxDim");
