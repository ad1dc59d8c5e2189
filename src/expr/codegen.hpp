// A formula's node array -> a self-contained C++17 translation unit that
// computes the value and exact gradient by forward-mode differentiation, with
// the dimension baked in, so the compiler can unroll and keep everything in
// registers (the interpreter walks the node array at run time instead).
//
// The generated code follows partials.hpp exactly (the same operations in
// the same order, NaN overriding every partial), so it agrees with Evaluator
// to rounding. It is built only from the node array: operation codes,
// integers and hex-float numbers. No text the user typed (the formula,
// parameter names) ever reaches it, so no formula can inject code.
//
// For the host (CodeTarget::kHost) the unit includes only <cmath>; for the
// GPU (kCuda) it includes nothing and is meant for NVRTC with -default-device
// (kernels/formula_jit.hpp), where the same functions become device code and
// the CUDA math library replaces <cmath>. Either way it defines, with C
// linkage:
//   int    trilo_formula_abi();   // kFormulaAbi, checked after dlopen
//   int    trilo_formula_dim();   // the baked-in dimension
//   double trilo_formula_vg(const double* w, double* g);
//   float  trilo_formula_vg_f(const float* w, float* g);  // computes in double
// Both functions are pure (scratch is on the stack or thread_local), so they
// may be called from many threads at once.
#pragma once

#include <cstddef>
#include <string>

#include "expr/program.hpp"

namespace trilo::expr {

// Bump whenever the generated functions' meaning or signatures change; it is
// part of the cache key and checked on load.
inline constexpr int kFormulaAbi = 1;

// Larger programs are left to the interpreter: compile time grows with size.
inline constexpr std::size_t kMaxCompiledNodes = 100000;

enum class CodeTarget { kHost, kCuda };

// Throws std::invalid_argument when the program reads outside 1..dim
// (Program::check_dimension), is malformed, or is too large to compile (for
// kCuda: needs more per-thread scratch than a GPU thread should hold).
std::string generate_value_grad_source(const Program& p, int dim, CodeTarget target = CodeTarget::kHost);

}  // namespace trilo::expr
