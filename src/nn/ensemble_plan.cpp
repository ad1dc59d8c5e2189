#include "nn/ensemble_plan.hpp"

#include <algorithm>

namespace trilo::nn {

LayerDims layer_dims(const NetSpec& m, int l, std::int64_t rows, std::int64_t capacity, bool shared_input) {
  LayerDims d;
  d.in = m.widths[static_cast<std::size_t>(l)];
  d.out = m.widths[static_cast<std::size_t>(l) + 1];
  d.rows = rows;
  d.capacity = capacity;
  d.params = m.params;
  d.shared_input = shared_input;
  return d;
}

namespace {

std::int64_t input_stride(const LayerDims& d) { return d.shared_input ? 0 : d.capacity * d.in; }

}  // namespace

GemmShape forward_gemm(const LayerDims& d) {
  // z^T (out x rows) = W (out x in) input^T (in x rows); W's column-major
  // view is W^T (in x out), hence op(A) = A^T.
  GemmShape g;
  g.trans_a = true;
  g.m = d.out, g.n = static_cast<int>(d.rows), g.k = d.in;
  g.lda = d.in, g.stride_a = d.params;
  g.ldb = d.in, g.stride_b = input_stride(d);
  g.ldc = d.out, g.stride_c = d.capacity * d.out;
  return g;
}

GemmShape weight_grad_gemm(const LayerDims& d) {
  // dW^T (in x out) = input^T (in x rows) delta (rows x out); delta's
  // column-major view is delta^T (out x rows), hence op(B) = B^T.
  GemmShape g;
  g.trans_b = true;
  g.m = d.in, g.n = d.out, g.k = static_cast<int>(d.rows);
  g.lda = d.in, g.stride_a = input_stride(d);
  g.ldb = d.out, g.stride_b = d.capacity * d.out;
  g.ldc = d.in, g.stride_c = d.params;
  return g;
}

GemmShape bias_grad_gemm(const LayerDims& d) {
  // db (out x 1) = delta^T (out x rows) 1 (rows x 1).
  GemmShape g;
  g.m = d.out, g.n = 1, g.k = static_cast<int>(d.rows);
  g.lda = d.out, g.stride_a = d.capacity * d.out;
  g.ldb = static_cast<int>(std::max<std::int64_t>(d.rows, 1)), g.stride_b = 0;
  g.ldc = d.out, g.stride_c = d.params;
  return g;
}

GemmShape back_gemm(const LayerDims& d) {
  // back^T (in x rows) = W^T (in x out) delta^T (out x rows).
  GemmShape g;
  g.m = d.in, g.n = static_cast<int>(d.rows), g.k = d.out;
  g.lda = d.in, g.stride_a = d.params;
  g.ldb = d.out, g.stride_b = d.capacity * d.out;
  g.ldc = d.in, g.stride_c = d.capacity * d.in;
  return g;
}

std::size_t row_bytes(const NetSpec& m, bool gathered, std::size_t elem) {
  std::size_t units = gathered ? static_cast<std::size_t>(m.inputs()) : 0;
  int widest = 0;
  for (int l = 1; l <= m.layers(); ++l) {
    const auto w = static_cast<std::size_t>(m.widths[static_cast<std::size_t>(l)]);
    units += l < m.layers() ? 2 * w : w;  // z, and a for a hidden layer
    widest = std::max(widest, m.widths[static_cast<std::size_t>(l)]);
  }
  units += 2 * static_cast<std::size_t>(widest);  // delta and back
  return units * elem + sizeof(float);           // the row's label
}

std::size_t network_bytes(const NetSpec& m, std::int64_t rows, std::int64_t probe_rows, std::size_t elem) {
  const auto P = static_cast<std::size_t>(m.params);
  std::size_t b = 4 * P * elem;  // weights, gradient, two moments
  if (m.batch > 0) b += static_cast<std::size_t>(rows) * sizeof(std::int32_t);
  b += static_cast<std::size_t>(probe_rows) * static_cast<std::size_t>(m.outputs()) * elem;
  return b + 64;  // loss sums, counts, status, steps, results
}

EnsemblePlan plan_ensemble(std::int64_t count, std::int64_t max_rows, std::size_t per_network,
                           std::size_t per_row, std::size_t budget) {
  EnsemblePlan p;
  const std::size_t half = budget / 2;
  p.networks = std::clamp<std::int64_t>(static_cast<std::int64_t>(half / std::max<std::size_t>(per_network, 1)), 1,
                                        std::max<std::int64_t>(count, 1));
  const std::size_t per_tile_row = static_cast<std::size_t>(p.networks) * std::max<std::size_t>(per_row, 1);
  p.tile_rows = std::clamp<std::int64_t>(static_cast<std::int64_t>(half / per_tile_row), 1,
                                         std::max<std::int64_t>(max_rows, 1));
  return p;
}

}  // namespace trilo::nn
