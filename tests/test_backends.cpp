// One scenario, every backend: each backend against the serial float64
// reference (the shared per-index code in a plain loop). The CUDA cases skip
// cleanly when no GPU is present.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "analysis/critical.hpp"
#include "analysis/minima.hpp"
#include "backend/backend.hpp"
#include "core/critical.hpp"
#include "core/work.hpp"
#include "expr/builtin_formulas.hpp"
#include "expr/parser.hpp"
#include "support/backend_makers.hpp"

namespace {

using namespace trilo;
using backend::DescentBatch;
using backend::DescentRequest;
using backend::Precision;

using test::CpuBackendMaker;
using test::CudaBackendMaker;

template <class Maker>
class EveryBackend : public test::BackendTest<Maker> {};
using Makers = ::testing::Types<CpuBackendMaker, CudaBackendMaker>;
TYPED_TEST_SUITE(EveryBackend, Makers);

DescentRequest dimple(Precision p) {
  DescentRequest q;
  q.landscape = {LandscapeId::kQuarticDimple, 2};
  q.precision = p;
  q.params.opt.lr = 0.01;
  q.params.max_steps = 5000;
  q.params.seed = q.starts.seed = 42;
  for (int i = 0; i < 2; ++i) {
    q.starts.lo[i] = -2.5;
    q.starts.hi[i] = 2.5;
    q.params.bound_lo[i] = -25;
    q.params.bound_hi[i] = 25;
  }
  return q;
}

// The serial reference: descent_item in a plain loop, float64.
DescentBatch serial_reference(const DescentRequest& q, std::int64_t n) {
  DescentBatch b;
  b.resize(n, 2);
  DescentColumns cols{b.start.data(), b.end.data(), b.loss.data(), b.grad_norm.data(), b.steps.data(), b.status.data()};
  StartSpec s = q.starts;
  if (s.mode == StartMode::kExplicit) s.points = q.explicit_starts.data();
  QuarticDimple land;
  for (std::int64_t i = 0; i < n; ++i) descent_item<double, 2>(land, q.params, s, i, i, cols);
  return b;
}

TYPED_TEST(EveryBackend, SameSeedGivesBitwiseTheSameStarts) {
  DescentRequest q = dimple(Precision::kF64);
  q.params.max_steps = 0;
  const std::int64_t n = 1000 + 17;  // not a multiple of any block size
  DescentBatch got;
  this->be_->descend(q, 0, n, got);
  EXPECT_EQ(got.start, serial_reference(q, n).start);
}

TYPED_TEST(EveryBackend, BasinLatticeStartsAreBitwiseTheSameAndSymmetric) {
  DescentRequest q = dimple(Precision::kF64);
  q.params.max_steps = 0;
  q.starts.mode = StartMode::kPlane;
  PlaneSpec& p = q.starts.plane;
  p.n0 = 97;  // a box whose nodes are not dyadic: fused multiply-adds would show
  p.n1 = 3;
  p.lo0 = p.lo1 = -5.12;
  p.hi0 = p.hi1 = 5.12;
  DescentBatch got;
  this->be_->descend(q, 0, p.size(), got);
  EXPECT_EQ(got.start, serial_reference(q, p.size()).start);
  for (int i = 0; i < 97; ++i) ASSERT_EQ(got.start[2 * i], -got.start[2 * (96 - i)]) << "node " << i;
}

TYPED_TEST(EveryBackend, DescentsReachTheSameMinimaAsTheSerialReference) {
  for (Precision p : {Precision::kF64, Precision::kF32}) {
    DescentRequest q = dimple(p);
    q.params.tol = p == Precision::kF32 ? 1e-4 : 1e-6;  // float32 gradients bottom out near 1e-6
    const std::int64_t n = 4099;
    DescentBatch got;
    this->be_->descend(q, 0, n, got);
    DescentBatch ref = serial_reference(q, n);
    std::vector<double> lo{-2.5, -2.5}, hi{2.5, 2.5};
    analysis::MergeOptions mo;
    auto a = analysis::merge_minima({LandscapeId::kQuarticDimple, 2}, lo, hi,
                                    {got.end.data(), got.status.data(), got.steps.data(), n}, {}, mo);
    auto b = analysis::merge_minima({LandscapeId::kQuarticDimple, 2}, lo, hi,
                                    {ref.end.data(), ref.status.data(), ref.steps.data(), n}, {}, mo);
    ASSERT_EQ(a.table.n_minima, b.table.n_minima);
    for (std::int64_t r = 0; r < a.table.n_minima * 2; ++r)
      EXPECT_NEAR(a.table.position[r], b.table.position[r], 1e-9);
    std::int64_t same = 0;
    for (std::int64_t i = 0; i < n; ++i) same += a.descent_labels[i] == b.descent_labels[i];
    // Only starts on a basin boundary may differ, through rounding.
    EXPECT_GE(double(same) / n, 0.999) << "precision " << int(p);
  }
}

TYPED_TEST(EveryBackend, BasinMapLabelsAgreeWithTheSerialReferenceOnAtLeast999Permille) {
  DescentRequest q = dimple(Precision::kF64);
  q.starts.mode = StartMode::kPlane;
  q.params.noise_stream = RngStream::kBasinNoise;
  PlaneSpec& p = q.starts.plane;
  p.n0 = p.n1 = 101;
  p.lo0 = p.lo1 = -2.5;
  p.hi0 = p.hi1 = 2.5;
  const std::int64_t n = p.size();
  DescentBatch got;
  this->be_->descend(q, 0, n, got);
  DescentBatch ref = serial_reference(q, n);
  std::vector<double> lo{-2.5, -2.5}, hi{2.5, 2.5};
  auto a = analysis::merge_minima({LandscapeId::kQuarticDimple, 2}, lo, hi, {},
                                  {got.end.data(), got.status.data(), got.steps.data(), n}, {});
  auto b = analysis::merge_minima({LandscapeId::kQuarticDimple, 2}, lo, hi, {},
                                  {ref.end.data(), ref.status.data(), ref.steps.data(), n}, {});
  ASSERT_EQ(a.table.n_minima, b.table.n_minima);
  std::int64_t same = 0;
  for (std::int64_t i = 0; i < n; ++i) same += a.basin_labels[i] == b.basin_labels[i];
  EXPECT_GE(double(same) / n, 0.999);
}

TYPED_TEST(EveryBackend, GridMatchesTheSerialReference) {
  backend::GridRequest q;
  q.landscape = {LandscapeId::kRastrigin, 3};
  q.plane.dim = 3;
  q.plane.axis0 = 0;
  q.plane.axis1 = 2;
  q.plane.n0 = 97;
  q.plane.n1 = 61;
  q.plane.lo0 = q.plane.lo1 = -5.12;
  q.plane.hi0 = q.plane.hi1 = 5.12;
  q.plane.origin[1] = 0.3;
  backend::GridTile got;
  this->be_->grid(q, 5, q.plane.size() - 5, got);  // an offset tile
  Rastrigin land{3};
  for (std::int64_t i = 0; i < got.count; ++i) {
    double x[3], g[3];
    plane_point(q.plane, 5 + i, x);
    double f = land.value_grad(x, g);
    ASSERT_NEAR(got.loss[i], f, 1e-12 * std::max(1.0, std::abs(f)));
    ASSERT_NEAR(got.grad0[i], g[0], 1e-10 * std::max(1.0, std::abs(g[0])));
    ASSERT_NEAR(got.grad1[i], g[2], 1e-10 * std::max(1.0, std::abs(g[2])));
  }
}

TYPED_TEST(EveryBackend, EmptyAndSingleRequestsWork) {
  DescentRequest q = dimple(Precision::kF64);
  DescentBatch got;
  this->be_->descend(q, 0, 0, got);
  EXPECT_EQ(got.count, 0);
  this->be_->descend(q, 123, 1, got);
  ASSERT_EQ(got.count, 1);
  DescentBatch ref = serial_reference(q, 124);
  EXPECT_EQ(got.start[0], ref.start[2 * 123]);
  EXPECT_NEAR(got.end[0], ref.end[2 * 123], 1e-9);
}

TYPED_TEST(EveryBackend, NonFiniteStartsDivergeInsteadOfCrashing) {
  DescentRequest q = dimple(Precision::kF64);
  q.starts.mode = StartMode::kExplicit;
  q.explicit_starts = {std::nan(""), 0.0, 1e300, 1e300, 0.5, 0.5};
  DescentBatch got;
  this->be_->descend(q, 0, 3, got);
  EXPECT_EQ(got.status[0], int(DescentStatus::kDiverged));
  EXPECT_EQ(got.status[1], int(DescentStatus::kDiverged));
  EXPECT_EQ(got.status[2], int(DescentStatus::kConverged));
}

backend::CriticalRequest himmelblau_census(Precision p) {
  backend::CriticalRequest q;
  q.landscape = {LandscapeId::kHimmelblau, 2};
  q.precision = p;
  q.params.tol = p == Precision::kF32 ? 1e-3 : 1e-10;
  q.params.max_step = 1.4;
  q.starts.seed = 7;
  for (int i = 0; i < 2; ++i) {
    q.starts.lo[i] = -5;
    q.starts.hi[i] = 5;
    q.params.bound_lo[i] = -50;
    q.params.bound_hi[i] = 50;
  }
  return q;
}

TYPED_TEST(EveryBackend, CriticalSearchesEndWhereTheSerialReferenceEnds) {
  const backend::CriticalRequest q = himmelblau_census(Precision::kF64);
  const std::int64_t n = 1000 + 17, first = 3;
  DescentBatch got;
  this->be_->critical(q, first, n, got);
  ASSERT_EQ(got.count, n);
  DescentBatch ref;
  ref.resize(n, 2);
  DescentColumns cols{ref.start.data(), ref.end.data(), ref.loss.data(), ref.grad_norm.data(), ref.steps.data(), ref.status.data()};
  for (std::int64_t i = 0; i < n; ++i)
    critical_item<double, 2>(Himmelblau{}, q.params, q.starts, first + i, i, cols);
  EXPECT_EQ(got.start, ref.start);
  std::int64_t converged = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    EXPECT_EQ(got.status[i], ref.status[i]) << "search " << i;
    converged += got.status[i] == int(DescentStatus::kConverged);
    // Where both converged they found the same point (to float64 rounding of
    // the last Newton steps; the GPU may contract multiply-adds).
    EXPECT_NEAR(got.end[2 * i], ref.end[2 * i], 1e-8);
    EXPECT_NEAR(got.end[2 * i + 1], ref.end[2 * i + 1], 1e-8);
  }
  EXPECT_GE(converged, n * 99 / 100);
}

TYPED_TEST(EveryBackend, Float32CriticalSearchesFindHimmelblausNinePoints) {
  const backend::CriticalRequest q = himmelblau_census(Precision::kF32);
  DescentBatch got;
  this->be_->critical(q, 0, 4096, got);
  analysis::MergeOptions mo;
  auto res = analysis::merge_critical({LandscapeId::kHimmelblau, 2}, {-5, -5}, {5, 5},
                                      {got.end.data(), got.status.data(), got.steps.data(), 4096}, mo);
  EXPECT_EQ(res.table.n_minima, 4);
  EXPECT_EQ(res.table.n_saddles, 4);
  EXPECT_EQ(res.table.n_maxima, 1);
}

// A formula takes the built-in's path: interpreted on the CPU, compiled at run
// time (NVRTC) into the same descent loop on the GPU.
TYPED_TEST(EveryBackend, FormulaTwinOfTheDimpleDescendsAndTracesLikeTheBuiltin) {
  DescentRequest q = dimple(Precision::kF64);
  const expr::Program p = expr::parse(expr::builtin_as_formula(LandscapeId::kQuarticDimple));
  DescentRequest qf = q;
  qf.landscape = {LandscapeId::kExpr, 2, &p, nullptr};
  const std::int64_t n = 500 + 3;
  DescentBatch a, b;
  this->be_->descend(q, 0, n, a);
  this->be_->descend(qf, 0, n, b);
  EXPECT_EQ(b.start, a.start);
  for (std::int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(b.status[i], a.status[i]) << i;
    ASSERT_NEAR(b.end[2 * i], a.end[2 * i], 1e-9) << i;
    ASSERT_NEAR(b.end[2 * i + 1], a.end[2 * i + 1], 1e-9) << i;
  }
  const std::vector<std::int64_t> picks = {0, 7, 502};
  auto ta = this->be_->trace(q, picks, 50), tb = this->be_->trace(qf, picks, 50);
  ASSERT_EQ(tb.size(), ta.size());
  for (std::size_t k = 0; k < ta.size(); ++k) {
    ASSERT_EQ(tb[k].step.size(), ta[k].step.size()) << k;
    for (std::size_t r = 0; r < ta[k].position.size(); ++r) ASSERT_NEAR(tb[k].position[r], ta[k].position[r], 1e-9);
  }
}

}  // namespace
