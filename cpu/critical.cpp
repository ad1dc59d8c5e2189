// Critical-point searches on the CPU: one OpenMP iteration per start.
#include "core/critical.hpp"
#include "cpu/cpu_backend.hpp"

namespace trilo::cpu {

void CpuBackend::critical(const backend::CriticalRequest& req, std::int64_t first,
                          std::int64_t count, backend::DescentBatch& out) {
  out.resize(count, req.landscape.dim);
  out.first = first;
  DescentColumns cols{out.start.data(),     out.end.data(),   out.loss.data(),
                      out.grad_norm.data(), out.steps.data(), out.status.data()};
  StartSpec starts = req.starts;
  if (starts.mode == StartMode::kExplicit) starts.points = req.explicit_starts.data();
  with_landscape(req.landscape, [&](auto land) {
    with_max_dim(land, [&](auto max_dim) {
      constexpr int kD = decltype(max_dim)::value;
      const bool f32 = req.precision == backend::Precision::kF32;
      // Dynamic schedule: searches differ in length.
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads_)
      for (std::int64_t r = 0; r < count; ++r) {
        if (f32)
          critical_item<float, kD>(land, req.params, starts, first + r, r, cols);
        else
          critical_item<double, kD>(land, req.params, starts, first + r, r, cols);
      }
    });
  });
}

}  // namespace trilo::cpu
