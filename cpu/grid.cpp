// Grid evaluation on the CPU: one OpenMP iteration per point.
#include "core/work.hpp"
#include "cpu/cpu_backend.hpp"

namespace trilo::cpu {

void CpuBackend::grid(const backend::GridRequest& req, std::int64_t first, std::int64_t count,
                      backend::GridTile& out) {
  out.resize(count);
  out.first = first;
  GridColumns cols{out.loss.data(), out.grad0.data(), out.grad1.data(), out.grad_norm.data()};
  with_landscape(req.landscape, [&](auto land) {
    with_max_dim(land, [&](auto max_dim) {
      constexpr int kD = decltype(max_dim)::value;
      const bool f32 = req.precision == backend::Precision::kF32;
#pragma omp parallel for schedule(static) num_threads(threads_)
      for (std::int64_t r = 0; r < count; ++r) {
        if (f32)
          grid_item<float, kD>(land, req.plane, first + r, r, cols);
        else
          grid_item<double, kD>(land, req.plane, first + r, r, cols);
      }
    });
  });
}

}  // namespace trilo::cpu
