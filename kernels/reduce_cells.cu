// The reduction of end points by merge cell on the GPU (backend/reduced_cells.hpp),
// with Thrust: the counting rows are compacted, keyed by cell
// (core/cell_key.hpp, the host clustering's very key), sorted by (cell,
// steps, row), and reduced by key into the step histograms, each cell's
// first row and its radius. Only those cross the link (and, when asked for,
// one cell index per row); the few cells are put in the order of their first
// rows on the host. The one translation unit of kernels/ that includes Thrust.
#include <thrust/binary_search.h>
#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/execution_policy.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/constant_iterator.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/discard_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/reduce.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform_scan.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "core/cell_key.hpp"
#include "kernels/cuda_backend.hpp"

namespace trilo::cuda {
namespace {

using backend::EndColumns;
using backend::ReducedCells;

struct Counts {
  const std::int8_t* status;
  const std::int8_t* quench;
  __device__ bool operator()(std::int64_t i) const { return end_point_counts(status, quench, i); }
};

// keys[i] for row i = rows[k].
struct KeyRows {
  const std::int64_t* rows;
  const double* end;
  int dim;
  double tol;
  CellKey* keys;
  __device__ void operator()(std::int64_t k) const {
    keys[k] = cell_key(end + rows[k] * dim, dim, tol);
  }
};

// Order of compacted positions a, b: by cell, then steps, then row.
struct CellStepsRowLess {
  const CellKey* keys;
  const std::int64_t* rows;
  const std::int64_t* steps;
  __device__ bool operator()(std::int64_t a, std::int64_t b) const {
    if (keys[a] < keys[b]) return true;
    if (keys[b] < keys[a]) return false;
    const std::int64_t sa = steps[rows[a]], sb = steps[rows[b]];
    if (sa != sb) return sa < sb;
    return rows[a] < rows[b];
  }
};

struct SameCell {
  const CellKey* keys;
  __device__ bool operator()(std::int64_t a, std::int64_t b) const { return keys[a] == keys[b]; }
};
struct SameCellSteps {
  const CellKey* keys;
  const std::int64_t* rows;
  const std::int64_t* steps;
  __device__ bool operator()(std::int64_t a, std::int64_t b) const {
    return keys[a] == keys[b] && steps[rows[a]] == steps[rows[b]];
  }
};

// 1 where sorted position p starts a cell.
struct CellHead {
  const std::int64_t* order;
  const CellKey* keys;
  __device__ std::int32_t operator()(std::int64_t p) const {
    return p == 0 || !(keys[order[p]] == keys[order[p - 1]]) ? 1 : 0;
  }
};

struct RowAt {
  const std::int64_t* order;
  const std::int64_t* rows;
  __device__ std::int64_t operator()(std::int64_t p) const { return rows[order[p]]; }
};

// Squared distance of sorted position p's end point from its cell's first.
struct Radius2 {
  const std::int64_t* order;
  const std::int64_t* rows;
  const std::int32_t* cell;  // per sorted position, 1-based
  const std::int64_t* first;  // per cell, its first row
  const double* end;
  int dim;
  __device__ double operator()(std::int64_t p) const {
    const double* a = end + rows[order[p]] * dim;
    const double* b = end + first[cell[p] - 1] * dim;
    double r2 = 0;
    for (int j = 0; j < dim; ++j) r2 += (a[j] - b[j]) * (a[j] - b[j]);
    return r2;
  }
};

struct GatherFirst {
  const std::int64_t* first;
  const double* end;
  int dim;
  double* out;
  __device__ void operator()(std::int64_t q) const { out[q] = end[first[q / dim] * dim + q % dim]; }
};

struct ScatterCell {
  const std::int64_t* order;
  const std::int64_t* rows;
  const std::int32_t* cell;
  std::int32_t* cell_of;
  __device__ void operator()(std::int64_t p) const { cell_of[rows[order[p]]] = cell[p] - 1; }
};

// Histogram entry k (named by the compacted position of its first row):
// its steps and its cell.
struct HistogramEntry {
  const std::int64_t* rows;
  const std::int64_t* hist_row;
  const std::int64_t* steps;
  const std::int32_t* cell_of;
  std::int64_t* hist_steps;
  std::int32_t* hist_cell;
  __device__ void operator()(std::int64_t k) const {
    const std::int64_t r = rows[hist_row[k]];
    hist_steps[k] = steps[r];
    hist_cell[k] = cell_of[r];
  }
};

template <class T>
std::vector<T> home(const DeviceBuffer<T>& b, std::int64_t n, cudaStream_t stream) {
  std::vector<T> v(static_cast<std::size_t>(n));
  copy_to_host_async(v.data(), b.data(), n, stream);
  return v;
}

// Rows phase, phase + every, ... of n (every > 0) of a device column of
// rows of `width` bytes into the same rows of host memory `host`.
void copy_rows_home(void* host, const void* device, std::size_t width, std::int64_t n, std::int64_t every,
                    std::int64_t phase, cudaStream_t stream) {
  if (phase >= n || width == 0) return;
  const std::int64_t rows = (n - 1 - phase) / every + 1;
  auto* h = static_cast<unsigned char*>(host) + phase * width;
  const auto* d = static_cast<const unsigned char*>(device) + phase * width;
  const std::size_t pitch = static_cast<std::size_t>(every) * width;
  if (every == 1) {
    TRILO_CUDA_CHECK(cudaMemcpyAsync(h, d, static_cast<std::size_t>(rows) * width, cudaMemcpyDeviceToHost, stream));
  } else if (pitch <= (std::size_t(1) << 30)) {
    TRILO_CUDA_CHECK(cudaMemcpy2DAsync(h, pitch, d, pitch, width, static_cast<std::size_t>(rows),
                                       cudaMemcpyDeviceToHost, stream));
  } else {  // rows so far apart that a chunk holds few of them
    for (std::int64_t r = 0; r < rows; ++r)
      TRILO_CUDA_CHECK(cudaMemcpyAsync(h + r * pitch, d + r * pitch, width, cudaMemcpyDeviceToHost, stream));
  }
}

// `e` in device memory. Each row's cell comes home for rows phase, phase +
// every, ... (-1 for the others); none when every is 0.
ReducedCells reduce_cells_device(const EndColumns& e, double tol, std::int64_t every, std::int64_t phase,
                                 cudaStream_t stream) {
  const bool per_row = every > 0;
  const auto size = [](std::int64_t k) { return static_cast<std::size_t>(k); };
  const auto policy = thrust::cuda::par_nosync.on(stream);
  const thrust::counting_iterator<std::int64_t> zero(0);
  const int d = e.dim;

  // The counting rows, then their keys.
  DeviceBuffer<std::int64_t> rows(size(e.n), stream);
  const std::int64_t m =
      thrust::copy_if(policy, zero, zero + e.n, rows.data(), Counts{e.status, e.quench}) - rows.data();
  DeviceBuffer<CellKey> keys(size(m), stream);
  thrust::for_each(policy, zero, zero + m, KeyRows{rows.data(), e.end, d, tol, keys.data()});

  // Compacted positions sorted by (cell, steps, row).
  DeviceBuffer<std::int64_t> order(size(m), stream);
  thrust::sequence(policy, order.data(), order.data() + m);
  thrust::sort(policy, order.data(), order.data() + m, CellStepsRowLess{keys.data(), rows.data(), e.steps});

  // Cells: 1-based index per sorted position; each cell's first row.
  DeviceBuffer<std::int32_t> cell(size(m), stream);
  thrust::transform_inclusive_scan(policy, zero, zero + m, cell.data(), CellHead{order.data(), keys.data()},
                                   thrust::plus<std::int32_t>());
  std::int32_t cells = 0;
  if (m > 0) copy_to_host_async(&cells, cell.data() + m - 1, 1, stream);
  TRILO_CUDA_CHECK(cudaStreamSynchronize(stream));
  DeviceBuffer<std::int64_t> first(size(cells), stream);
  const auto row_at = thrust::make_transform_iterator(zero, RowAt{order.data(), rows.data()});
  thrust::reduce_by_key(policy, order.data(), order.data() + m, row_at, thrust::make_discard_iterator(),
                        first.data(), SameCell{keys.data()}, thrust::minimum<std::int64_t>());
  DeviceBuffer<double> radius2(size(cells), stream), position(size(cells) * d, stream);
  thrust::reduce_by_key(
      policy, order.data(), order.data() + m,
      thrust::make_transform_iterator(zero, Radius2{order.data(), rows.data(), cell.data(), first.data(), e.end, d}),
      thrust::make_discard_iterator(), radius2.data(), SameCell{keys.data()}, thrust::maximum<double>());
  thrust::for_each(policy, zero, zero + std::int64_t(cells) * d, GatherFirst{first.data(), e.end, d, position.data()});

  // Step histograms: one entry per run of equal (cell, steps), named by its
  // first row; its cell is read from the per-row cell index.
  DeviceBuffer<std::int64_t> hist_row(size(m), stream), hist_count(size(m), stream);
  DeviceBuffer<std::int32_t> cell_of(size(e.n), stream);
  thrust::fill(policy, cell_of.data(), cell_of.data() + e.n, -1);
  thrust::for_each(policy, zero, zero + m, ScatterCell{order.data(), rows.data(), cell.data(), cell_of.data()});
  const std::int64_t h =
      thrust::reduce_by_key(policy, order.data(), order.data() + m, thrust::constant_iterator<std::int64_t>(1),
                            hist_row.data(), hist_count.data(), SameCellSteps{keys.data(), rows.data(), e.steps})
          .first -
      hist_row.data();
  // hist_row holds compacted positions: their rows, steps and cells.
  DeviceBuffer<std::int64_t> hist_steps(size(h), stream);
  DeviceBuffer<std::int32_t> hist_cell(size(h), stream);
  thrust::for_each(policy, zero, zero + h,
                   HistogramEntry{rows.data(), hist_row.data(), e.steps, cell_of.data(), hist_steps.data(),
                                  hist_cell.data()});

  std::vector<std::int64_t> first_h = home(first, cells, stream), steps_h = home(hist_steps, h, stream),
                            count_h = home(hist_count, h, stream);
  std::vector<double> radius2_h = home(radius2, cells, stream), position_h = home(position, std::int64_t(cells) * d, stream);
  std::vector<std::int32_t> hist_cell_h = home(hist_cell, h, stream);
  std::vector<std::int32_t> cell_of_h(per_row ? size(e.n) : 0, -1);
  if (per_row) copy_rows_home(cell_of_h.data(), cell_of.data(), sizeof(std::int32_t), e.n, every, phase, stream);
  std::int64_t status_rows[3];
  for (int k = 0; k < 3; ++k)
    status_rows[k] = thrust::count(policy, e.status, e.status + e.n, static_cast<std::int8_t>(k));
  TRILO_CUDA_CHECK(cudaStreamSynchronize(stream));

  // The cells in the order of their first rows (histograms follow them).
  std::vector<std::int32_t> by_first(size(cells)), rank(size(cells));
  std::iota(by_first.begin(), by_first.end(), 0);
  std::sort(by_first.begin(), by_first.end(), [&](std::int32_t a, std::int32_t b) { return first_h[a] < first_h[b]; });
  for (std::int32_t k = 0; k < cells; ++k) rank[size(by_first[size(k)])] = k;
  std::vector<std::int64_t> hist_begin(size(cells) + 1, 0);
  for (std::int64_t k = 0; k < h; ++k) ++hist_begin[size(hist_cell_h[size(k)]) + 1];
  std::partial_sum(hist_begin.begin(), hist_begin.end(), hist_begin.begin());

  ReducedCells out;
  out.dim = d;
  out.rows = e.n;
  for (int k = 0; k < 3; ++k) out.status_rows[k] = status_rows[k];
  out.offset.push_back(0);
  for (std::int32_t k = 0; k < cells; ++k) {
    const std::int32_t c = by_first[size(k)];
    out.first.push_back(first_h[size(c)]);
    out.position.insert(out.position.end(), position_h.begin() + std::int64_t(c) * d,
                        position_h.begin() + std::int64_t(c + 1) * d);
    out.radius.push_back(std::sqrt(radius2_h[size(c)]));
    for (std::int64_t j = hist_begin[size(c)]; j < hist_begin[size(c) + 1]; ++j) {
      out.steps.push_back(steps_h[size(j)]);
      out.count.push_back(count_h[size(j)]);
    }
    out.offset.push_back(static_cast<std::int64_t>(out.steps.size()));
  }
  if (per_row) {
    for (std::int32_t& c : cell_of_h)
      if (c >= 0) c = rank[size(c)];
    out.cell_of = std::move(cell_of_h);
  }
  return out;
}

}  // namespace

backend::ReducedCells CudaBackend::reduce_cells(const backend::DescentBatch& batch, double tol,
                                                bool per_row) {
  activate();
  const std::int64_t n = batch.count;
  const int d = batch.dim;
  const bool quench = !batch.quench.empty();
  DeviceBuffer<double> end(static_cast<std::size_t>(n * d), stream_);
  DeviceBuffer<std::int8_t> status(static_cast<std::size_t>(n), stream_),
      quenched(quench ? static_cast<std::size_t>(n) : 0, stream_);
  DeviceBuffer<std::int64_t> steps(static_cast<std::size_t>(n), stream_);
  copy_to_device_async(end.data(), batch.end.data(), n * d, stream_);
  copy_to_device_async(status.data(), batch.status.data(), n, stream_);
  if (quench) copy_to_device_async(quenched.data(), batch.quench.data(), n, stream_);
  copy_to_device_async(steps.data(), batch.steps.data(), n, stream_);
  return reduce_cells_device({end.data(), status.data(), quench ? quenched.data() : nullptr, steps.data(), n, d},
                             tol, per_row ? 1 : 0, 0, stream_);
}

void CudaBackend::descend_cells(const backend::DescentRequest& req, std::int64_t first, std::int64_t count,
                                double tol, std::int64_t every, int slot, backend::DescentBatch& out,
                                backend::ReducedCells& cells) {
  activate();
  const int d = req.landscape.dim;
  std::unique_ptr<KeptDescents>& k = kept_[slot & 1];
  if (!k) k = std::make_unique<KeptDescents>();
  try {
    k->hold(count, d, stream_);
  } catch (const backend::OutOfDeviceMemory&) {
    // A chunk too large to keep on this device: its tiles come home as
    // descend() sends them, and the host reduces it (fetch_end_points then
    // has nothing to add).
    k.reset();
    descend(req, first, count, out);
    cells = Backend::reduce_cells(out, tol, every > 0);
    return;
  }
  keeping_ = k.get();
  try {
    descend(req, first, count, out);
  } catch (...) {
    keeping_ = nullptr;
    throw;
  }
  keeping_ = nullptr;
  // Row i is brought home where (first + i) % every == 0.
  const std::int64_t phase = every > 0 ? (every - first % every) % every : 0;
  cells = reduce_cells_device({k->end.data(), k->status.data(), k->quench.data(), k->steps.data(), count, d}, tol,
                              every, phase, stream_);
  if (every > 0) {
    const auto rows = [&](auto& host, const auto& device, int width) {
      copy_rows_home(host.data(), device.data(), sizeof(host[0]) * static_cast<std::size_t>(width), count, every,
                     phase, stream_);
    };
    rows(out.start, k->start, d);
    rows(out.end, k->end, d);
    rows(out.loss, k->loss, 1);
    rows(out.grad_norm, k->grad_norm, 1);
    rows(out.steps, k->steps, 1);
    rows(out.status, k->status, 1);
    rows(out.quench, k->quench, 1);
    rows(out.bounced, k->bounced, 1);
    TRILO_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
}

}  // namespace trilo::cuda
