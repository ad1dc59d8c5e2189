// Uses the installed library: the catalog and the CPU backend. Descends on
// Himmelblau's function from (3.2, 2.3) and checks the end is its minimum
// (3, 2), where the value is 0 (Himmelblau 1972). Exit 0 when it is.
#include <backend/backend.hpp>
#include <core/catalog.hpp>

#include <cmath>
#include <cstdio>

int main() {
  using namespace trilo;
  const LandscapeInfo& info = landscape_info("himmelblau");
  backend::DescentRequest q;
  q.landscape = LandscapeSpec{info.id, 2, nullptr};
  q.params.opt.lr = 0.01;
  q.params.max_steps = 5000;
  q.params.tol = 1e-10;
  for (int i = 0; i < 2; ++i) {
    q.params.bound_lo[i] = -50;
    q.params.bound_hi[i] = 50;
  }
  q.starts.dim = 2;
  q.starts.mode = StartMode::kExplicit;
  q.explicit_starts = {3.2, 2.3};
  backend::DescentBatch out;
  backend::make_cpu_backend(1)->descend(q, 0, 1, out);
  const double dx = out.end[0] - 3.0, dy = out.end[1] - 2.0;
  std::printf("%s: (3.2, 2.3) -> (%.9f, %.9f), loss %.3g, %lld steps\n", info.name, out.end[0],
              out.end[1], out.loss[0], static_cast<long long>(out.steps[0]));
  return std::hypot(dx, dy) < 1e-8 && out.loss[0] < 1e-15 ? 0 : 1;
}
