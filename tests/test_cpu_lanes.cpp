// The CPU backend's lanes path (W descents per instruction, cpu/descend_lanes)
// against the scalar per-descent code (descent_item in a plain loop): bit for
// bit wherever both call the same functions, within a stated bound where the
// lanes use libmvec's vector exp/sin/cos.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "core/catalog.hpp"
#include "core/work.hpp"
#include "cpu/cpu_backend.hpp"
#include "cpu/descend_lanes.hpp"

namespace {

using namespace trilo;
using backend::DescentBatch;
using backend::DescentRequest;
using backend::Precision;

struct Case {
  LandscapeId id;
  int dim;
  OptimizerKind opt;
  Precision prec;
  double noise;
  bool explicit_starts;
};

std::string name(const Case& c) {
  return std::string(landscape_info(c.id).name) + "-" + std::to_string(c.dim) + "d opt " +
         std::to_string(int(c.opt)) + (c.prec == Precision::kF32 ? " f32" : " f64") +
         (c.noise > 0 ? " noise" : "") + (c.explicit_starts ? " explicit" : " random");
}

// Descents that end every way: converged (tol), at the step limit, and
// diverged (starts over 1.2 boxes, bounds at 1.5 boxes, a learning rate too
// large for the steep edges of some, two non-finite explicit starts).
DescentRequest request(const Case& c, std::int64_t n) {
  DescentRequest q;
  q.landscape = {c.id, c.dim};
  q.precision = c.prec;
  q.params.opt.kind = c.opt;
  const bool adaptive = c.opt == OptimizerKind::kAdam || c.opt == OptimizerKind::kRmsprop;
  q.params.opt.lr = adaptive ? 0.05 : (c.id == LandscapeId::kRosenbrock ? 2e-4 : 0.02);
  q.params.max_steps = 300;
  q.params.tol = c.prec == Precision::kF32 ? 1e-3 : 1e-5;
  q.params.noise = c.noise;
  q.params.seed = q.starts.seed = 7;
  q.starts.dim = c.dim;
  const auto box = default_box(c.id, c.dim);
  for (int i = 0; i < c.dim; ++i) {
    const double mid = 0.5 * (box[i].first + box[i].second), half = box[i].second - mid;
    q.starts.lo[i] = mid - 1.2 * half;
    q.starts.hi[i] = mid + 1.2 * half;
    q.params.bound_lo[i] = mid - 1.5 * half;
    q.params.bound_hi[i] = mid + 1.5 * half;
  }
  if (c.explicit_starts) {
    q.starts.mode = StartMode::kExplicit;
    q.explicit_starts.resize(n * c.dim);
    StartSpec random = q.starts;
    random.mode = StartMode::kRandom;
    for (std::int64_t r = 0; r < n; ++r) start_point(random, r, &q.explicit_starts[r * c.dim]);
    q.explicit_starts[3 * c.dim] = NAN;
    q.explicit_starts[5 * c.dim + c.dim - 1] = INFINITY;
  }
  return q;
}

DescentBatch run_backend(backend::Backend& be, const DescentRequest& q, std::int64_t first,
                         std::int64_t count) {
  DescentBatch b;
  be.descend(q, first, count, b);
  return b;
}

// The scalar reference: descent_item in a plain loop.
DescentBatch scalar_reference(const DescentRequest& q, std::int64_t first, std::int64_t count) {
  DescentBatch b;
  const int n = q.landscape.dim;
  b.resize(count, n);
  DescentColumns cols{b.start.data(), b.end.data(), b.loss.data(), b.grad_norm.data(), b.steps.data(), b.status.data()};
  StartSpec s = q.starts;
  if (s.mode == StartMode::kExplicit) s.points = q.explicit_starts.data();
  with_landscape(q.landscape, [&](auto land) {
    with_max_dim(land, [&](auto max_dim) {
      constexpr int kD = decltype(max_dim)::value;
      for (std::int64_t r = 0; r < count; ++r) {
        if (q.precision == Precision::kF32)
          descent_item<float, kD>(land, q.params, s, first + r, r, cols);
        else
          descent_item<double, kD>(land, q.params, s, first + r, r, cols);
      }
    });
  });
  return b;
}

// The lanes worker with the scalar libm per lane (LaneMath::kExact), SSE2
// registers, on two threads: the lane machinery alone.
DescentBatch exact_lanes(const DescentRequest& q, std::int64_t first, std::int64_t count) {
  DescentBatch b;
  const int n = q.landscape.dim;
  b.resize(count, n);
  DescentColumns cols{b.start.data(), b.end.data(), b.loss.data(), b.grad_norm.data(), b.steps.data(), b.status.data()};
  StartSpec s = q.starts;
  if (s.mode == StartMode::kExplicit) s.points = q.explicit_starts.data();
  cpu::LaneQueue queue;
  queue.first = first;
  queue.count = count;
  with_builtin_landscape(q.landscape, [&](auto land) {
    if constexpr (cpu::kLanesServe<decltype(land)>) {
      with_max_dim(land, [&](auto max_dim) {
        constexpr int kD = decltype(max_dim)::value;
        using cpu::Isa;
        using cpu::LaneMath;
#pragma omp parallel num_threads(2)
        {
          if (q.precision == Precision::kF32)
            cpu::lanes_worker<float, 16, Isa::kBase, LaneMath::kExact, kD>(land, q.params, s, queue, cols);
          else
            cpu::lanes_worker<double, 8, Isa::kBase, LaneMath::kExact, kD>(land, q.params, s, queue, cols);
        }
      });
    } else {
      ADD_FAILURE() << "the lanes do not serve this landscape";
    }
  });
  return b;
}

// NaNs count as equal to NaNs: their sign and payload are not fixed by the
// arithmetic (the compiler may commute an operation on two NaNs).
template <class V>
bool same_bits(const V& a, const V& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof a[i]) != 0 && !(a[i] != a[i] && b[i] != b[i])) return false;
  return true;
}

void expect_bitwise(const DescentBatch& got, const DescentBatch& ref, const std::string& what) {
  EXPECT_TRUE(same_bits(got.start, ref.start)) << what << ": start";
  EXPECT_TRUE(same_bits(got.end, ref.end)) << what << ": end";
  EXPECT_TRUE(same_bits(got.loss, ref.loss)) << what << ": loss";
  EXPECT_TRUE(same_bits(got.grad_norm, ref.grad_norm)) << what << ": grad_norm";
  EXPECT_EQ(got.steps, ref.steps) << what;
  EXPECT_EQ(got.status, ref.status) << what;
}

// Tallies how the reference's descents ended: each case must have some that
// did not diverge, and the cases together every ending, or the test proves less.
void count_statuses(const DescentBatch& ref, int* seen, const std::string& what) {
  int here[3] = {};
  for (auto s : ref.status) ++here[s], ++seen[s];
  EXPECT_GT(here[int(DescentStatus::kConverged)] + here[int(DescentStatus::kMaxSteps)], 0) << what;
}

std::vector<Case> polynomial_cases() {
  std::vector<Case> cases;
  const OptimizerKind opts[] = {OptimizerKind::kGd, OptimizerKind::kMomentum, OptimizerKind::kNesterov,
                                OptimizerKind::kAdam, OptimizerKind::kRmsprop};
  const LandscapeId lands[] = {LandscapeId::kHimmelblau, LandscapeId::kRosenbrock,
                               LandscapeId::kSixHumpCamel, LandscapeId::kStyblinskiTang,
                               LandscapeId::kBeale, LandscapeId::kDoubleWell, LandscapeId::kBowl};
  int k = 0;
  for (LandscapeId id : lands)
    for (OptimizerKind o : opts) {
      // Each landscape meets each optimizer; precision, noise, start kind
      // and dimension rotate so that every combination of them appears.
      const int dim = landscape_info(id).fixed_dim > 0 ? 2 : (k % 2 ? 5 : 20);
      cases.push_back({id, dim, o, k % 2 ? Precision::kF32 : Precision::kF64, (k / 2) % 2 ? 0.3 : 0.0,
                       (k / 4) % 2 == 1});
      ++k;
    }
  return cases;
}

TEST(CpuLanes, PolynomialLandscapesEndBitwiseWhereTheScalarPathEnds) {
  cpu::CpuBackend lanes(2);
  int seen[3] = {};
  for (const Case& c : polynomial_cases()) {
    const DescentRequest q = request(c, 333);
    const DescentBatch ref = scalar_reference(q, 0, 333);
    count_statuses(ref, seen, name(c));
    expect_bitwise(run_backend(lanes, q, 0, 333), ref, name(c));
  }
  for (int s = 0; s < 3; ++s) EXPECT_GT(seen[s], 100) << "status " << s;
  std::printf("converged %d, max steps %d, diverged %d\n", seen[0], seen[1], seen[2]);
}

TEST(CpuLanes, LaneMachineryWithScalarMathIsBitwiseTheScalarPathForEveryLandscape) {
  // With the scalar libm per lane even exp and sin/cos agree bit for bit:
  // whatever the vector-math path differs by comes from libmvec alone.
  for (LandscapeId id : {LandscapeId::kQuarticDimple, LandscapeId::kRastrigin, LandscapeId::kRosenbrock})
    for (Precision p : {Precision::kF64, Precision::kF32})
      for (double noise : {0.0, 0.3}) {
        const Case c{id, id == LandscapeId::kRastrigin ? 3 : 2, OptimizerKind::kAdam, p, noise, noise > 0};
        const DescentRequest q = request(c, 257);
        const DescentBatch ref = scalar_reference(q, 0, 257);
        expect_bitwise(exact_lanes(q, 0, 257), ref, name(c));
      }
}

TEST(CpuLanes, VectorMathLandscapesStayWithinTheStatedBoundOfTheScalarPath) {
  // libmvec's exp/sin/cos are within 4 ulp, the scalar libm's within 1: on
  // these descents the end points then differ by a few ulp of the landscape's
  // scale; a descent may end one step earlier or later at the tolerance.
  cpu::CpuBackend lanes(2);
  for (LandscapeId id : {LandscapeId::kQuarticDimple, LandscapeId::kRastrigin})
    for (Precision p : {Precision::kF64, Precision::kF32}) {
      const Case c{id, id == LandscapeId::kRastrigin ? 4 : 2, OptimizerKind::kMomentum, p, 0.0, false};
      DescentRequest q = request(c, 1000);
      q.params.opt.lr = 0.002;
      const DescentBatch got = run_backend(lanes, q, 0, 1000), ref = scalar_reference(q, 0, 1000);
      EXPECT_TRUE(same_bits(got.start, ref.start)) << name(c);
      const double bound = p == Precision::kF64 ? 1e-10 : 2e-3;
      int same_status = 0;
      double worst = 0;
      for (int r = 0; r < 1000; ++r) {
        if (got.status[r] != ref.status[r]) continue;
        ++same_status;
        if (ref.status[r] == int(DescentStatus::kDiverged)) continue;
        for (int i = 0; i < c.dim; ++i)
          worst = std::max(worst, std::abs(got.end[r * c.dim + i] - ref.end[r * c.dim + i]));
      }
      EXPECT_GE(same_status, 995) << name(c);
      EXPECT_LE(worst, bound) << name(c);
      std::printf("%s: %d of 1000 same status, largest end-point difference %.3g\n", name(c).c_str(),
                  same_status, worst);
    }
}

TEST(CpuLanes, ThreadsAndChunksDoNotChangeAnyBit) {
  const Case c{LandscapeId::kRastrigin, 3, OptimizerKind::kNesterov, Precision::kF64, 0.3, false};
  const DescentRequest q = request(c, 1000);
  cpu::CpuBackend one(1), two(2);
  const DescentBatch whole = run_backend(two, q, 0, 1000);
  expect_bitwise(run_backend(one, q, 0, 1000), whole, "one thread");
  // Chunks of odd sizes at odd offsets: lanes meet other neighbours.
  DescentBatch pieces;
  pieces.resize(1000, 3);
  for (std::int64_t first = 0, size = 1; first < 1000; first += size, size = size * 3 + 1) {
    const std::int64_t count = std::min<std::int64_t>(size, 1000 - first);
    const DescentBatch b = run_backend(two, q, first, count);
    std::copy(b.end.begin(), b.end.end(), pieces.end.begin() + first * 3);
    std::copy(b.steps.begin(), b.steps.end(), pieces.steps.begin() + first);
  }
  EXPECT_TRUE(same_bits(pieces.end, whole.end));
  EXPECT_EQ(pieces.steps, whole.steps);
}

TEST(CpuLanes, ScalarBackendAndUnservedLandscapesUseTheScalarPath) {
  cpu::CpuBackend scalar(2, false), lanes(2);
  EXPECT_EQ(scalar.name(), "cpu-scalar");
  EXPECT_EQ(lanes.name(), "cpu");
  const Case dimple{LandscapeId::kQuarticDimple, 2, OptimizerKind::kGd, Precision::kF64, 0.0, false};
  const DescentRequest q = request(dimple, 100);
  expect_bitwise(run_backend(scalar, q, 0, 100), scalar_reference(q, 0, 100), "cpu-scalar");
  const Case ackley{LandscapeId::kAckley, 3, OptimizerKind::kGd, Precision::kF64, 0.0, false};
  const DescentRequest qa = request(ackley, 100);
  expect_bitwise(run_backend(lanes, qa, 0, 100), scalar_reference(qa, 0, 100), "ackley");
}

}  // namespace
