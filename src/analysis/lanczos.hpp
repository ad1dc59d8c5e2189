// Extreme Hessian eigenvalues without forming the Hessian: the Lanczos
// iteration on Hessian-vector products (forward-mode duals over the exact
// gradient), for dimensions where a dense eigensolver would be too costly.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/catalog.hpp"

namespace trilo::analysis {

// y = A v for a symmetric n x n operator A.
using Operator = std::function<void(const double* v, double* y)>;

// Ritz values of `steps` Lanczos steps (ascending), with full
// reorthogonalisation (Gram-Schmidt applied twice against every earlier
// vector). On breakdown (an invariant subspace found, e.g. a repeated
// eigenvalue) it goes on from a fresh random vector orthogonal to all
// earlier ones, so steps = n gives the whole spectrum, multiplicities
// included. The extreme Ritz values converge first (Golub & Van Loan,
// Matrix Computations, 4th ed., sec. 10.1). The start vector is a fixed
// function of `seed`.
std::vector<double> lanczos_eigenvalues(const Operator& a, int n, int steps,
                                        std::uint64_t seed = 1);

// H(x) v, exact: the directional derivative of the gradient through
// Dual<double, 1> for built-ins, the dense Hessian for formulas.
void hessian_vector(const LandscapeSpec& spec, const double* x, const double* v, double* out);

}  // namespace trilo::analysis
