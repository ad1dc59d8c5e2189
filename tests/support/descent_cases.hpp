// Descent cases and a bitwise batch comparison shared by the tests of the
// descent loop's variants (tunings, several descents a thread, the device
// kernels): every variant must end each descent exactly where the general
// loop ends it.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "backend/backend.hpp"
#include "core/descent.hpp"
#include "core/sampling.hpp"

namespace trilo::test {

// Optimizer k at rate lr, 300 steps then a 200-step quench, tolerance 1e-4,
// a tight box [-3, 3] on every axis that descents which overshoot leave.
template <class L>
DescentParams tight_box_params(const L& land, OptimizerKind k, double lr, double noise) {
  DescentParams p;
  p.opt.kind = k;
  p.opt.lr = lr;
  p.max_steps = 300;
  p.quench_steps = 200;
  p.noise = noise;
  p.seed = 11;
  p.tol = 1e-4;
  for (int i = 0; i < land.dim; ++i) {
    p.bound_lo[i] = -3.0;
    p.bound_hi[i] = 3.0;
  }
  return p;
}

// Random starts in [-2.9, 2.9] on every axis, just inside that box.
inline StartSpec tight_box_starts(int dim) {
  StartSpec s;
  s.dim = dim;
  s.seed = 5;
  for (int i = 0; i < dim; ++i) {
    s.lo[i] = -2.9;
    s.hi[i] = 2.9;
  }
  return s;
}

// The columns of a batch, for code that writes them directly.
inline DescentColumns columns_of(backend::DescentBatch& b) {
  return {b.start.data(), b.end.data(),    b.loss.data(),  b.grad_norm.data(),
          b.steps.data(), b.status.data(), b.quench.data(), b.bounced.data()};
}

template <class V>
bool same_bits(const V& a, const V& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(typename V::value_type)) == 0;
}

// Every column of two batches, bit for bit.
inline void expect_same_batch(const backend::DescentBatch& got, const backend::DescentBatch& ref,
                              const char* what) {
  EXPECT_TRUE(same_bits(got.start, ref.start)) << what;
  EXPECT_TRUE(same_bits(got.end, ref.end)) << what;
  EXPECT_TRUE(same_bits(got.loss, ref.loss)) << what;
  EXPECT_TRUE(same_bits(got.grad_norm, ref.grad_norm)) << what;
  EXPECT_EQ(got.steps, ref.steps) << what;
  EXPECT_EQ(got.status, ref.status) << what;
  EXPECT_EQ(got.quench, ref.quench) << what;
  EXPECT_EQ(got.bounced, ref.bounced) << what;
}

}  // namespace trilo::test
