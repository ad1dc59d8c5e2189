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

// Gauss quadrature of A's spectral measure seen from u = start / |start|:
// `steps` Lanczos steps from u (full reorthogonalisation, as above) give the
// tridiagonal T; its eigenvalues are the nodes and the squared first
// components of its unit eigenvectors the weights (Golub & Meurant,
// Matrices, Moments and Quadrature, 2010, ch. 6). Then
// sum_k weights[k] f(nodes[k]) = u^T f(A) u exactly for every polynomial f
// of degree below 2 steps, and the weights sum to 1. At an invariant
// subspace it stops early (fewer nodes, exact for every f). Empty when
// start is zero or not finite.
struct Quadrature {
  std::vector<double> nodes, weights;  // nodes ascending
};
Quadrature lanczos_quadrature(const Operator& a, int n, const double* start, int steps);

// H(x) v, exact: the directional derivative of the gradient through
// Dual<double, 1> for built-ins, the dense Hessian for formulas.
void hessian_vector(const LandscapeSpec& spec, const double* x, const double* v, double* out);

}  // namespace trilo::analysis
