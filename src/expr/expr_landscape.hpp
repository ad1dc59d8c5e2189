// A user formula as a landscape for the host-side code paths (the OpenMP
// backend and the analysis): the same interface as the built-in structs of
// src/core/landscapes.hpp, evaluated by the forward-mode AD evaluator of
// src/expr/derivatives.hpp. Host only; never seen by nvcc.
#pragma once

namespace trilo {

namespace expr {
struct Program;
class CompiledFormula;
}

struct ExprLandscape {
  static constexpr int kFixedDim = 0;
  const expr::Program* program = nullptr;
  int dim = 1;
  // Value and gradient compiled to machine code (src/expr/jit.hpp), when
  // available; otherwise the interpreter runs them.
  const expr::CompiledFormula* compiled = nullptr;

  // The value, and the exact gradient in g. Thread-safe: each thread keeps
  // its own evaluator (scratch space) for the program.
  double value_grad(const double* x, double* g) const;
  float value_grad(const float* x, float* g) const;
  double value(const double* x) const;
};

// Exact Hessian (row-major dim x dim) by second-order forward-mode AD.
void hessian(const ExprLandscape& land, const double* x, double* h);

}  // namespace trilo
