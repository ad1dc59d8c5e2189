// The descent kernel's variants on the device (TRILOBITE_DESCENT_KERNEL,
// kernels/descend.cu): each gives the general kernel's batch bit for bit,
// for descents that converge, run out of steps, quench and leave the box.
// CUDA only; skips without a device.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "backend/backend.hpp"
#include "support/backend_makers.hpp"
#include "support/cli.hpp"
#include "support/descent_cases.hpp"

namespace {

using namespace trilo;

// The variant's batch: the variable set for this call alone.
backend::DescentBatch run_variant(backend::Backend& be, const backend::DescentRequest& q,
                                  std::int64_t first, std::int64_t count, const char* variant) {
  setenv("TRILOBITE_DESCENT_KERNEL", variant, 1);
  backend::DescentBatch b;
  be.descend(q, first, count, b);
  unsetenv("TRILOBITE_DESCENT_KERNEL");
  return b;
}

TEST(DescentKernelVariants, EachEndsWhereTheGeneralKernelEnds) {
  if (!test::CudaBackendMaker::available()) GTEST_SKIP() << "no CUDA device present";
  auto be = test::CudaBackendMaker::make();
  // The variants' case: quartic-dimple in float32, gradient descent; a rate
  // near the stability limit at the minima (curvature about 8.3 along x:
  // 2 / 8.3 = 0.24), so that some descents converge, others run out of steps
  // and quench, and starts on the steep walls leave the tight box.
  backend::DescentRequest q;
  q.landscape = {LandscapeId::kQuarticDimple, 2};
  q.precision = backend::Precision::kF32;
  q.params.opt.kind = OptimizerKind::kGd;
  q.params.opt.lr = 0.22;
  q.params.max_steps = 60;
  q.params.quench_steps = 30;
  q.params.tol = 1e-4;
  q.params.seed = q.starts.seed = 3;
  q.starts.dim = 2;
  for (int i = 0; i < 2; ++i) {
    q.starts.lo[i] = -2.9;
    q.starts.hi[i] = 2.9;
    q.params.bound_lo[i] = -3.0;
    q.params.bound_hi[i] = 3.0;
  }
  const std::int64_t first = 1000, count = 100003;  // not a multiple of any K
  const backend::DescentBatch ref = run_variant(*be, q, first, count, "general");
  int ended[3] = {};
  for (const std::int8_t s : ref.status) ++ended[s];
  EXPECT_GT(ended[0], 0) << "some converge";
  EXPECT_GT(ended[1], 0) << "some run out of steps";
  EXPECT_GT(ended[2], 0) << "some leave the box";
  for (const char* v : {"hoist", "step32", "gd", "tuned", "fixed", "tuned-fixed", "ilp2",
                        "tuned-fixed-ilp2", "tuned-fixed-ilp4"}) {
    test::expect_same_batch(run_variant(*be, q, first, count, v), ref, v);
  }
}

}  // namespace

namespace {

// A name that is no variant is refused before any work, on every backend
// (the kernel itself reads the variable only when it launches).
TEST(DescentKernelVariants, AnUnknownNameIsRefusedBeforeAnyWork) {
  const std::string f = test::unique("v.h5");
  std::remove(f.c_str());
  std::remove((f + ".partial").c_str());
  setenv("TRILOBITE_DESCENT_KERNEL", "tuned-fast", 1);
  test::expect_refused("descend --backend cpu --starts 100 --force -o " + f,
                       "TRILOBITE_DESCENT_KERNEL: 'tuned-fast' is none of general, hoist", f);
  for (const std::string& job : {std::string("sweep --vary lr=0.01:0.1:2 --starts 10"),
                                  std::string("critical --starts 10"), std::string("basins --basin-res 8")}) {
    const test::Outcome o = test::trilobite(job + " --backend cpu -q --force -o " + f);
    EXPECT_EQ(o.status, 2) << job << ": " << o.err;
    EXPECT_NE(o.err.find("TRILOBITE_DESCENT_KERNEL: 'tuned-fast'"), std::string::npos) << job << ": " << o.err;
    EXPECT_FALSE(test::exists(f)) << job;
  }
  const test::Outcome bench = test::trilobite("bench --backend cpu --cases quartic-dimple-2d --starts 1000");
  EXPECT_EQ(bench.status, 2) << bench.err;
  EXPECT_NE(bench.err.find("TRILOBITE_DESCENT_KERNEL"), std::string::npos) << bench.err;
  setenv("TRILOBITE_DESCENT_KERNEL", "tuned-fixed-ilp4", 1);
  const test::Outcome o = test::trilobite("descend --backend cpu --starts 100 -q --force -o " + test::unique("ok.h5"));
  unsetenv("TRILOBITE_DESCENT_KERNEL");
  EXPECT_EQ(o.status, 0) << o.err;
}

}  // namespace
