// Spectra of large symmetric operators known only through products: the
// trace by Hutchinson's estimator and the eigenvalue density by stochastic
// Lanczos quadrature (Ghorbani, Krishnan & Xiao 2019; Yao et al. 2020,
// PyHessian). Both draw Rademacher probe vectors from Philox keyed by
// (seed, index, sample), so probe s of the density is the same vector as
// sample s of the trace estimate.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/lanczos.hpp"

namespace trilo::analysis {

// v[j] = +-1: bit j % 32 of word (j % 128) / 32 of the Philox block j / 128,
// keyed by (seed, index, stream kProbe, step sample); set: +1, clear: -1.
void rademacher(std::uint64_t seed, std::uint64_t index, std::uint32_t sample, std::int64_t n, double* v);

// Hutchinson's trace estimate: the mean of v.Av over `samples` Rademacher
// vectors (samples 0 .. samples-1 of `index`).
double hutchinson_trace(const Operator& a, std::int64_t n, std::uint64_t seed, std::uint64_t index, int samples);

// Stochastic Lanczos quadrature: for each probe p < probes, `steps` Lanczos
// steps from Rademacher vector p give nodes and weights (lanczos_quadrature);
// the density estimate is the mean over probes of sum_k w_pk delta(x - node_pk).
// Rows are `steps` wide; a probe whose Lanczos stopped early at an invariant
// subspace pads its row with node NaN, weight 0.
struct SlqResult {
  int probes = 0, steps = 0;
  std::vector<double> nodes, weights;  // probes x steps, nodes ascending within a row
};
SlqResult stochastic_lanczos(const Operator& a, std::int64_t n, int probes, int steps, std::uint64_t seed,
                             std::uint64_t index);

// PyHessian's broadening: the Gaussian's variance is 1e-5 max(1, hi - lo),
// for nodes spanning [lo, hi]. Returned as a standard deviation.
double default_sigma(double lo, double hi);

// `bins` evenly spaced eigenvalues from lo - 5 sigma to hi + 5 sigma (both
// ends included), wide enough that a broadened density of nodes in [lo, hi]
// keeps all but 6e-7 of its mass.
std::vector<double> eigenvalue_grid(double lo, double hi, double sigma, int bins);

// The Gaussian-broadened density on `grid`:
//   rho(x) = (1/probes) sum_p sum_k w_pk exp(-(x - node_pk)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)),
// not renormalised, so it integrates to the weights' mean sum (1) up to the
// mass beyond the grid and the quadrature rule's error. NaN nodes are skipped.
std::vector<double> broadened_density(const SlqResult& slq, double sigma, const std::vector<double>& grid);

}  // namespace trilo::analysis
