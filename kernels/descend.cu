// Descents on the GPU: one thread per start in a grid-stride loop, in chunks
// of bounded device memory. The path of each descent is the one of
// cpu/descend.cpp: both run descent_item / trace_item of src/core/work.hpp
// (through work_loops.cuh, as the formula kernels do).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "core/descent_variants.hpp"
#include "core/work.hpp"
#include "kernels/cuda_backend.hpp"
#include "kernels/record_tile.cuh"
#include "kernels/work_loops.cuh"

namespace trilo::cuda {
namespace {

// Each thread keeps several MaxDim-long arrays (point, gradient, optimizer
// moments); small blocks leave the scheduler room when those spill to local
// memory at the larger dimension bounds.
constexpr int kDescentBlock = 128;

template <class T, int MaxDim, class Tuning, class L>
__global__ void descend_kernel(L land, DescentParams p, StartSpec s, std::int64_t first,
                               std::int64_t count, DescentColumns cols) {
  descend_loop<T, MaxDim, Tuning>(land, p, s, first, count, cols);
}

// The same, K descents a thread stepped together (core/descent_interleaved.hpp).
template <class T, int MaxDim, int K, class Tuning, class L>
__global__ void descend_interleaved_kernel(L land, DescentParams p, StartSpec s, std::int64_t first,
                                           std::int64_t count, DescentColumns cols) {
  descend_interleaved_loop<T, MaxDim, K, Tuning>(land, p, s, first, count, cols);
}

// The variants of core/descent_variants.hpp: the one TRILOBITE_DESCENT_KERNEL
// names (0, general, when unset; the jobs refuse another name before any
// work, this is the last guard).
int kernel_variant() {
  const char* v = std::getenv("TRILOBITE_DESCENT_KERNEL");
  const std::string s = v && *v ? v : "general";
  const int i = descent_variant_index(s);
  if (i < 0) throw std::runtime_error("TRILOBITE_DESCENT_KERNEL: '" + s + "' is none of " + descent_variant_names());
  return i;
}

// A variant's kernel and the descents each of its threads runs.
template <class L>
struct VariantKernel {
  void (*kernel)(L, DescentParams, StartSpec, std::int64_t, std::int64_t, DescentColumns) = nullptr;
  int per_thread = 1;
};

// Kernel number I of kVariants, for quartic-dimple in float32.
template <int I>
VariantKernel<QuarticDimple> variant_kernel_of() {
  constexpr DescentVariant v = kDescentVariants[I];
  using Tuning =
      DescentTuning<v.optimizer, v.hoist, std::conditional_t<v.step32, std::int32_t, std::int64_t>,
                    v.fixed_dim>;
  constexpr int kD = QuarticDimple::kFixedDim;
  if constexpr (v.per_thread == 1)
    return {descend_kernel<float, kD, Tuning, QuarticDimple>, 1};
  else
    return {descend_interleaved_kernel<float, kD, v.per_thread, Tuning, QuarticDimple>,
            v.per_thread};
}
template <std::size_t... I>
VariantKernel<QuarticDimple> variant_kernel_at(int i, std::index_sequence<I...>) {
  VariantKernel<QuarticDimple> k;
  ((i == int(I) ? (k = variant_kernel_of<int(I)>(), 0) : 0), ...);
  return k;
}

// Variant i's kernel for this landscape and request, or null for the general one.
template <class T, class L>
VariantKernel<L> variant_kernel(int i, const DescentParams& p) {
  if constexpr (std::is_same_v<L, QuarticDimple> && std::is_same_v<T, float>) {
    const DescentVariant& v = kDescentVariants[i];
    if (i == 0 || (v.optimizer >= 0 && static_cast<int>(p.opt.kind) != v.optimizer) ||
        (v.step32 && !step_counter_fits<std::int32_t>(p)))
      return {};
    return variant_kernel_at(i, std::make_index_sequence<kDescentVariantCount>{});
  } else {
    return {};
  }
}

template <class T, int MaxDim, class L>
__global__ void trace_kernel(L land, DescentParams p, StartSpec s, const std::int64_t* indices,
                             const double* start_rows, std::int64_t count, std::int64_t every,
                             std::int64_t cap, std::int64_t* steps, double* positions,
                             double* losses, std::int64_t* rows) {
  trace_loop<T, MaxDim>(land, p, s, indices, start_rows, count, every, cap, steps, positions,
                        losses, rows);
}

// The launches: a built-in landscape's templated kernel, or a formula's
// compiled one with the same parameters (formula_kernels.cu).
// (A variant may run several descents a thread, on fewer threads.)
template <class T, int MaxDim, class L>
void launch_descend(const L& land, cudaStream_t stream, DescentParams p, StartSpec s,
                    std::int64_t first, std::int64_t m, DescentColumns cols) {
  VariantKernel<L> v = variant_kernel<T, L>(kernel_variant(), p);
  if (v.kernel == nullptr) v = {descend_kernel<T, MaxDim, DefaultTuning, L>, 1};
  const unsigned blocks = launch_blocks((m + v.per_thread - 1) / v.per_thread, kDescentBlock);
  v.kernel<<<blocks, kDescentBlock, 0, stream>>>(land, p, s, first, m, cols);
}
template <class T, int MaxDim>
void launch_descend(const FormulaLaunch& f, cudaStream_t stream, DescentParams p, StartSpec s,
                    std::int64_t first, std::int64_t m, DescentColumns cols) {
  ExternFormula land = f.land;
  f.launch(launch_blocks(m, kDescentBlock), kDescentBlock, stream,
           {&land, &p, &s, &first, &m, &cols});
}

template <class T, int MaxDim, class L>
void launch_trace(const L& land, unsigned blocks, cudaStream_t stream, DescentParams p, StartSpec s,
                  const std::int64_t* indices, const double* start_rows, std::int64_t m,
                  std::int64_t every, std::int64_t cap, std::int64_t* steps, double* positions,
                  double* losses, std::int64_t* rows) {
  trace_kernel<T, MaxDim><<<blocks, kDescentBlock, 0, stream>>>(
      land, p, s, indices, start_rows, m, every, cap, steps, positions, losses, rows);
}
template <class T, int MaxDim>
void launch_trace(const FormulaLaunch& f, unsigned blocks, cudaStream_t stream, DescentParams p,
                  StartSpec s, const std::int64_t* indices, const double* start_rows,
                  std::int64_t m, std::int64_t every, std::int64_t cap, std::int64_t* steps,
                  double* positions, double* losses, std::int64_t* rows) {
  ExternFormula land = f.land;
  f.launch(blocks, kDescentBlock, stream,
           {&land, &p, &s, &indices, &start_rows, &m, &every, &cap, &steps, &positions, &losses,
            &rows});
}

// Descents [first, first + m) into rows [row, row + m) of `out`.
template <class T, int MaxDim, class L>
void descend_tile(const L& land, const backend::DescentRequest& req, std::int64_t first,
                  std::int64_t m, std::int64_t row, CudaBackend& be, backend::DescentBatch& out) {
  record_tile(be, req.starts, req.explicit_starts, req.landscape.dim, first, m, row, true, out,
              [&](const StartSpec& s, const DescentColumns& cols, cudaStream_t stream) {
                launch_descend<T, MaxDim>(land, stream, req.params, s, first, m, cols);
              });
}

// The traces of descents indices[0, m) into out[0, m), with device buffers
// for this tile alone (as descend_tile).
template <class T, int MaxDim, class L>
void trace_tile(const L& land, const backend::DescentRequest& req, const std::int64_t* indices,
                std::int64_t m, std::int64_t every, cudaStream_t stream,
                backend::Trajectory* out) {
  const int n = req.landscape.dim;
  const int d = req.starts.dim;
  const bool explicit_mode = req.starts.mode == StartMode::kExplicit;
  const std::int64_t cap = trajectory_capacity(req.params, every);
  const auto size = [](std::int64_t k) { return static_cast<std::size_t>(k); };
  DeviceBuffer<std::int64_t> index_buf(size(m), stream), row_buf(size(m), stream);
  DeviceBuffer<std::int64_t> steps(size(m * cap), stream);
  DeviceBuffer<double> positions(size(m * cap * n), stream), losses(size(m * cap), stream);
  DeviceBuffer<double> start_rows(explicit_mode ? size(m * d) : 0, stream);
  std::vector<double> host_starts(explicit_mode ? size(m * d) : 0);
  std::vector<std::int64_t> rows(size(m));

  copy_to_device_async(index_buf.data(), indices, m, stream);
  if (explicit_mode) {
    for (std::int64_t k = 0; k < m; ++k) {
      require_explicit_rows(req.starts, req.explicit_starts, indices[k], indices[k] + 1, "descents");
      std::copy_n(req.explicit_starts.begin() + indices[k] * d, d, host_starts.begin() + k * d);
    }
    copy_to_device_async(start_rows.data(), host_starts.data(), m * d, stream);
  }
  launch_trace<T, MaxDim>(land, launch_blocks(m, kDescentBlock), stream, req.params, req.starts,
                          index_buf.data(), explicit_mode ? start_rows.data() : nullptr, m, every,
                          cap, steps.data(), positions.data(), losses.data(), row_buf.data());
  TRILO_CUDA_CHECK(cudaGetLastError());
  copy_to_host_async(rows.data(), row_buf.data(), m, stream);
  TRILO_CUDA_CHECK(cudaStreamSynchronize(stream));  // the row counts size the copies below
  for (std::int64_t k = 0; k < m; ++k) {
    backend::Trajectory& t = out[k];
    const std::int64_t r = rows[size(k)];
    t.descent = indices[k];
    t.step.resize(size(r));
    t.position.resize(size(r * n));
    t.loss.resize(size(r));
    copy_to_host_async(t.step.data(), steps.data() + k * cap, r, stream);
    copy_to_host_async(t.position.data(), positions.data() + k * cap * n, r * n, stream);
    copy_to_host_async(t.loss.data(), losses.data() + k * cap, r, stream);
  }
  TRILO_CUDA_CHECK(cudaStreamSynchronize(stream));
}

}  // namespace

void CudaBackend::descend(const backend::DescentRequest& req, std::int64_t first,
                          std::int64_t count, backend::DescentBatch& out) {
  if (!prepare_records(req, first, count, "descents", out)) return;
  activate();
  const bool explicit_mode = req.starts.mode == StartMode::kExplicit;
  const std::size_t n = static_cast<std::size_t>(req.landscape.dim);
  const std::size_t per_item = (2 * n + 2) * sizeof(double) + sizeof(std::int64_t) +
                               3 * sizeof(std::int8_t) +
                               (explicit_mode ? req.starts.dim * sizeof(double) : 0);
  with_device_landscape(req.landscape, req.precision, FormulaJob::kDescend,
                        [&](const auto& land, auto t, auto max_dim) {
                          run_tiled(first, count, per_item, [&](std::int64_t f, std::int64_t m) {
                            descend_tile<decltype(t), decltype(max_dim)::value>(
                                land, req, f, m, f - first, *this, out);
                          });
                        });
}

std::vector<backend::Trajectory> CudaBackend::trace(const backend::DescentRequest& req,
                                                    const std::vector<std::int64_t>& indices,
                                                    std::int64_t every) {
  std::vector<backend::Trajectory> out(indices.size());
  if (indices.empty()) return out;
  activate();
  const std::size_t n = static_cast<std::size_t>(req.landscape.dim);
  const std::size_t cap =
      static_cast<std::size_t>(trajectory_capacity(req.params, every));
  const std::size_t per_trace = cap * (n + 1) * sizeof(double) + cap * sizeof(std::int64_t) +
                                2 * sizeof(std::int64_t) + req.starts.dim * sizeof(double);
  const auto total = static_cast<std::int64_t>(indices.size());
  with_device_landscape(req.landscape, req.precision, FormulaJob::kTrace,
                        [&](const auto& land, auto t, auto max_dim) {
                          run_tiled(0, total, per_trace, [&](std::int64_t f, std::int64_t m) {
                            trace_tile<decltype(t), decltype(max_dim)::value>(
                                land, req, indices.data() + f, m, every, stream_, out.data() + f);
                          });
                        });
  return out;
}

}  // namespace trilo::cuda
