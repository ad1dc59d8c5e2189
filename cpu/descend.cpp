// Descents on the CPU: W descents per instruction where the lanes path
// serves the landscape (cpu/descend_lanes.hpp), otherwise one OpenMP
// iteration per start through the scalar descent_item.
#include "core/work.hpp"
#include "cpu/cpu_backend.hpp"
#include "cpu/descend_lanes_entry.hpp"

namespace trilo::cpu {
namespace {

template <class T, int MaxDim, class L>
void descend_range(const L& land, const DescentParams& p, const StartSpec& s, std::int64_t first,
                   std::int64_t count, const DescentColumns& cols, int threads) {
  // Dynamic schedule: descents differ a lot in length.
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
  for (std::int64_t r = 0; r < count; ++r) descent_item<T, MaxDim>(land, p, s, first + r, r, cols);
}

StartSpec host_starts(const backend::DescentRequest& req) {
  StartSpec s = req.starts;
  if (s.mode == StartMode::kExplicit) s.points = req.explicit_starts.data();
  return s;
}

}  // namespace

void CpuBackend::descend(const backend::DescentRequest& req, std::int64_t first,
                         std::int64_t count, backend::DescentBatch& out) {
  out.resize(count, req.landscape.dim);
  out.first = first;
  DescentColumns cols{out.start.data(),     out.end.data(),   out.loss.data(),
                      out.grad_norm.data(), out.steps.data(), out.status.data(),
                      out.quench.data(),    out.bounced.data()};
  const StartSpec starts = host_starts(req);
  const bool f32 = req.precision == backend::Precision::kF32;
  if (lanes_ && descend_lanes(req.landscape, f32, req.params, starts, first, count, cols, threads_))
    return;
  with_landscape(req.landscape, [&](auto land) {
    with_max_dim(land, [&](auto max_dim) {
      constexpr int kD = decltype(max_dim)::value;
      if (f32)
        descend_range<float, kD>(land, req.params, starts, first, count, cols, threads_);
      else
        descend_range<double, kD>(land, req.params, starts, first, count, cols, threads_);
    });
  });
}

std::vector<backend::Trajectory> CpuBackend::trace(const backend::DescentRequest& req,
                                                   const std::vector<std::int64_t>& indices,
                                                   std::int64_t every) {
  const int n = req.landscape.dim;
  const std::int64_t cap = trajectory_capacity(req.params, every);
  std::vector<backend::Trajectory> out(indices.size());
  const StartSpec starts = host_starts(req);
  with_landscape(req.landscape, [&](auto land) {
    with_max_dim(land, [&](auto max_dim) {
      constexpr int kD = decltype(max_dim)::value;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads_)
      for (std::int64_t k = 0; k < static_cast<std::int64_t>(indices.size()); ++k) {
        backend::Trajectory& t = out[k];
        t.descent = indices[k];
        t.step.resize(cap);
        t.position.resize(cap * n);
        t.loss.resize(cap);
        std::int64_t rows =
            req.precision == backend::Precision::kF32
                ? trace_item<float, kD>(land, req.params, starts, t.descent, every, t.step.data(),
                                        t.position.data(), t.loss.data())
                : trace_item<double, kD>(land, req.params, starts, t.descent, every,
                                         t.step.data(), t.position.data(), t.loss.data());
        t.step.resize(rows);
        t.position.resize(rows * n);
        t.loss.resize(rows);
      }
    });
  });
  return out;
}

}  // namespace trilo::cpu
