// The learning rate and step budget a built-in landscape's descents use
// when the user gives no --lr or --steps (docs/landscapes.md, "Default
// learning rates").
//
// Gradient descent is stable near a minimum only while lr < 2 / lambda_max,
// lambda_max the largest Hessian eigenvalue there. Each landscape's default
// is lr = 1 / lambda_max rounded down to one significant digit, with
// lambda_max the largest eigenvalue over the default box (measured on a
// 201 x 201 lattice of the box, by the exact Hessian; the any-dimension
// landscapes are separable or nearly so, and their bound holds in every
// dimension). Beale and Goldstein-Price are the exceptions: their curvature
// grows by four orders of magnitude from the minima to the box's corners,
// so a corner-stable rate would need millions of steps. Goldstein-Price's
// lambda_max is the largest over its minima; Beale's (49 at its minimum)
// gives a rate at which most corner starts diverge, so its rate was chosen
// by measurement (the one of 0.02, 0.002, 0.001, 0.0005, 0.0003 at which
// most descents converge) and its lambda_max is 1 / that rate. Starts in
// the steep corners of both may diverge. The step budgets let most
// descents from uniform random starts converge at that rate
// (tests/test_cli_options.cpp, Defaults.*).
#pragma once

#include <cstdint>

#include "core/catalog.hpp"

namespace trilo {

struct DescentDefaults {
  double lambda_max;   // the curvature bound the rate comes from
  double lr;           // 1 / lambda_max, rounded down to one significant digit
  std::int64_t steps;  // the step budget
};

// Formulas (LandscapeId::kExpr) have no known curvature: lr 0.01, 5000 steps.
inline DescentDefaults descent_defaults(LandscapeId id) {
  switch (id) {
    case LandscapeId::kQuarticDimple: return {26.0, 0.03, 5000};
    case LandscapeId::kBowl: return {2.0, 0.5, 5000};
    case LandscapeId::kDoubleWell: return {67.0, 0.01, 5000};
    case LandscapeId::kHimmelblau: return {327.0, 0.003, 5000};
    case LandscapeId::kSixHumpCamel: return {592.0, 0.001, 10000};
    case LandscapeId::kRosenbrock: return {5720.0, 0.0001, 500000};
    case LandscapeId::kRastrigin: return {397.0, 0.002, 5000};
    case LandscapeId::kAckley: return {109.0, 0.009, 5000};
    case LandscapeId::kStyblinskiTang: return {134.0, 0.007, 5000};
    case LandscapeId::kBeale: return {2000.0, 0.0005, 300000};
    case LandscapeId::kGoldsteinPrice: return {26200.0, 0.00003, 20000};
    case LandscapeId::kExpr: break;
  }
  return {0.0, 0.01, 5000};
}

}  // namespace trilo
