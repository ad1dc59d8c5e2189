#include "expr/expr_landscape.hpp"

#include <memory>
#include <vector>

#include "expr/derivatives.hpp"
#include "expr/jit.hpp"
#include "expr/program.hpp"

namespace trilo {

namespace {

// One evaluator per thread and program: the evaluator holds per-node scratch
// space, so threads must not share one.
expr::Evaluator& evaluator_for(const ExprLandscape& land) {
  thread_local std::uint64_t serial = 0;
  thread_local int dim = 0;
  thread_local std::unique_ptr<expr::Evaluator> ev;
  if (!ev || serial != land.program->serial || dim != land.dim) {
    ev = std::make_unique<expr::Evaluator>(*land.program, land.dim);
    serial = land.program->serial;
    dim = land.dim;
  }
  return *ev;
}

}  // namespace

double ExprLandscape::value_grad(const double* x, double* g) const {
  if (compiled) return compiled->value_grad(x, g);
  return evaluator_for(*this).value_gradient(x, g);
}

float ExprLandscape::value_grad(const float* x, float* g) const {
  if (compiled) return compiled->value_grad(x, g);
  // The evaluator works in float64; a float32 run rounds its results.
  thread_local std::vector<double> xd, gd;
  xd.assign(x, x + dim);
  gd.resize(dim);
  const double f = evaluator_for(*this).value_gradient(xd.data(), gd.data());
  for (int i = 0; i < dim; ++i) g[i] = static_cast<float>(gd[i]);
  return static_cast<float>(f);
}

double ExprLandscape::value(const double* x) const { return evaluator_for(*this).value(x); }

void hessian(const ExprLandscape& land, const double* x, double* h) {
  std::vector<double> g(land.dim);
  evaluator_for(land).value_gradient_hessian(x, g.data(), h);
}

}  // namespace trilo
