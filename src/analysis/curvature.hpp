// How sharp or flat a minimum is: summaries of its Hessian spectrum.
#pragma once

#include <cstdint>
#include <vector>

#include "core/catalog.hpp"

namespace trilo::analysis {

// One value per table row; NaN where undefined (rows that are not minima,
// or, past the dense limit with fewer Lanczos steps than dimensions, the
// trace and log-determinant).
struct Curvature {
  std::vector<double> hessian_trace;             // sum of eigenvalues
  std::vector<double> lambda_max;        // largest eigenvalue
  std::vector<double> lambda_min;        // smallest eigenvalue
  std::vector<double> condition_number;  // lambda_max / lambda_min
  std::vector<double> log_det;           // sum of log eigenvalues

  bool empty() const { return hessian_trace.empty(); }
};

struct CurvatureOptions {
  int lanczos_above = 16;  // dimensions above this use Lanczos, not dense eigenvalues
  int lanczos_steps = 64;  // Lanczos steps (the whole spectrum when >= dim)
};

// Curvature of the rows whose kind is minimum (PointKind::kMinimum):
// from `eigenvalues` (rows x dim, ascending) when dim <= lanczos_above, else
// from the Ritz values of Lanczos on Hessian-vector products at `position`.
Curvature minima_curvature(const LandscapeSpec& spec, std::int64_t rows,
                           const std::vector<double>& position,
                           const std::vector<double>& eigenvalues,
                           const std::vector<std::int8_t>& kind, const CurvatureOptions& opt);

}  // namespace trilo::analysis
