// Operation counts of one descent step, obtained by running the real code
// (src/core's descend_one, the landscape's value_grad and the optimizer) on
// a scalar type that counts what it does. Host only; for `trilobite bench`.
#pragma once

#include <cstdint>

#include "core/catalog.hpp"
#include "core/optimizers.hpp"

namespace trilo::perf {

struct OpCount {
  double add = 0, mul = 0, div = 0;  // + and -, *, / (each one flop)
  double fma = 0;                    // fused multiply-adds (two flops each)
  double special = 0;                // exp, log, sqrt, sin, cos calls
  double compare = 0;                // comparisons and finiteness tests (not flops)

  double flops() const { return add + mul + div + 2 * fma; }
};

// Operations of one step (gradient, norm, checks, update) of a descent on
// a built-in landscape, averaged over `steps` steps from a fixed start.
// Throws std::invalid_argument for a formula landscape.
OpCount count_descent_step(const LandscapeSpec& land, const OptimizerParams& opt,
                           std::int64_t steps = 16);

// Operations of one grid point (one value_grad and the gradient norm).
OpCount count_grid_point(const LandscapeSpec& land);

}  // namespace trilo::perf
