// Exact value, gradient and Hessian of a parsed formula by forward-mode
// automatic differentiation over its node array: each node carries its value,
// its gradient and (for Hessians) its packed second derivatives, built from
// its operands by the chain rule with the partials of partials.hpp. No finite
// differences anywhere. Conventions at non-smooth points and domain errors
// are documented in partials.hpp: invalid points give NaN, never a throw.
//
// Cost per evaluation: O(nodes * n) for the gradient, O(nodes * n^2) for the
// Hessian, counting a sum body once per iteration; nodes that do not depend
// on w cost O(1). Meant for host-side checks and small dimensions; the
// batched and GPU evaluators come later.
#pragma once

#include <cstdint>
#include <vector>

#include "expr/program.hpp"

namespace trilo::expr {

class Evaluator {
 public:
  // Copies the program; throws std::invalid_argument when the formula reads
  // an index outside 1..dim (Program::check_dimension).
  Evaluator(const Program& program, int dim);

  int dim() const { return dim_; }

  // w, grad: dim values; hess: dim*dim values, row-major and symmetric.
  // Each returns the value. Not thread-safe: use one Evaluator per thread.
  double value(const double* w);
  double value_gradient(const double* w, double* grad);
  double value_gradient_hessian(const double* w, double* grad, double* hess);

 private:
  template <int Order>
  double run(const double* w);
  double* grad_of(int node) { return grad_.data() + static_cast<std::size_t>(slot_[node]) * dim_; }
  double* hess_of(int node) { return hess_.data() + static_cast<std::size_t>(slot_[node]) * packed_; }

  Program program_;
  int dim_;
  std::size_t packed_;                // dim*(dim+1)/2: lower triangle, row by row
  std::vector<double> val_;           // per node
  std::vector<std::int32_t> slot_;    // per node: derivative storage, -1 when constant
  std::vector<double> grad_, hess_;   // per slot
  std::vector<std::int64_t> counter_, hi_;  // per loop slot
};

// Conveniences that build an Evaluator for w.size() dimensions.
double evaluate(const Program& program, const std::vector<double>& w);
double evaluate_gradient(const Program& program, const std::vector<double>& w, std::vector<double>& grad);
double evaluate_hessian(const Program& program, const std::vector<double>& w, std::vector<double>& grad,
                        std::vector<double>& hess);

}  // namespace trilo::expr
