// The reduction of end points by merge cell (backend/reduced_cells.hpp) as
// Thrust algorithms: the counting rows are compacted, keyed by cell
// (core/cell_key.hpp, the host clustering's very key), sorted by (cell,
// steps, row), and reduced by key into the step histograms, each cell's
// first row and its radius. Only those come home (and, when asked for, one
// cell index per row); the few cells are put in the order of their first
// rows on the host.
//
// Written once over a "space" that says where the arrays live and how they
// come home, so the same algorithm runs on the GPU (kernels/reduce_cells.cu,
// Thrust's CUDA system on the backend's stream) and on the host under
// Thrust's C++ system, where the tests check it against the host reference
// on machines without a device; so does the reduction of a chunk kept where
// it was made (descend_kept_cells, kernels/kept_columns.hpp). A space S
// provides:
//   S::policy()                          the Thrust execution policy;
//   S::template buffer<T>(n)             n elements of T in its memory (.data(),
//                                        .size()); throws backend::OutOfDeviceMemory
//                                        when they do not fit;
//   S::home(T* host, const T* mem, n)    a queued copy into host memory;
//   S::home_rows(host, pitch, mem, pitch, width, rows)   a queued 2-D copy;
//   S::sync()                            waits for the queued copies.
#pragma once

#include <thrust/copy.h>
#include <thrust/count.h>
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
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <numeric>
#include <vector>

#include "backend/reduced_cells.hpp"
#include "backend/tiling.hpp"
#include "core/cell_key.hpp"
#include "core/hd.hpp"
#include "kernels/kept_columns.hpp"

// The functors differ between an nvcc and a g++ translation unit (device
// code or none); distinct namespaces keep the two builds from sharing names.
#if defined(__CUDACC__)
#define TRILO_CELLS_NS for_device
#else
#define TRILO_CELLS_NS for_host
#endif

namespace trilo::cell_reduction {
inline namespace TRILO_CELLS_NS {

struct Counts {
  const std::int8_t* status;
  const std::int8_t* quench;
  TRILO_HD bool operator()(std::int64_t i) const { return end_point_counts(status, quench, i); }
};

// keys[k] for row rows[k].
struct KeyRows {
  const std::int64_t* rows;
  const double* end;
  int dim;
  double tol;
  CellKey* keys;
  TRILO_HD void operator()(std::int64_t k) const { keys[k] = cell_key(end + rows[k] * dim, dim, tol); }
};

// Order of compacted positions a, b: by cell, then steps, then row.
struct CellStepsRowLess {
  const CellKey* keys;
  const std::int64_t* rows;
  const std::int64_t* steps;
  TRILO_HD bool operator()(std::int64_t a, std::int64_t b) const {
    if (keys[a] < keys[b]) return true;
    if (keys[b] < keys[a]) return false;
    const std::int64_t sa = steps[rows[a]], sb = steps[rows[b]];
    if (sa != sb) return sa < sb;
    return rows[a] < rows[b];
  }
};

struct SameCell {
  const CellKey* keys;
  TRILO_HD bool operator()(std::int64_t a, std::int64_t b) const { return keys[a] == keys[b]; }
};
struct SameCellSteps {
  const CellKey* keys;
  const std::int64_t* rows;
  const std::int64_t* steps;
  TRILO_HD bool operator()(std::int64_t a, std::int64_t b) const {
    return keys[a] == keys[b] && steps[rows[a]] == steps[rows[b]];
  }
};

// 1 where sorted position p starts a cell.
struct CellHead {
  const std::int64_t* order;
  const CellKey* keys;
  TRILO_HD std::int32_t operator()(std::int64_t p) const {
    return p == 0 || !(keys[order[p]] == keys[order[p - 1]]) ? 1 : 0;
  }
};

struct RowAt {
  const std::int64_t* order;
  const std::int64_t* rows;
  TRILO_HD std::int64_t operator()(std::int64_t p) const { return rows[order[p]]; }
};

// Squared distance of sorted position p's end point from its cell's first;
// infinite where it is NaN (a member with a NaN coordinate), so that the
// cell's radius does not depend on the order of the reduction and the cell
// is refused.
struct Radius2 {
  const std::int64_t* order;
  const std::int64_t* rows;
  const std::int32_t* cell;   // per sorted position, 1-based
  const std::int64_t* first;  // per cell, its first row
  const double* end;
  int dim;
  TRILO_HD double operator()(std::int64_t p) const {
    const double* a = end + rows[order[p]] * dim;
    const double* b = end + first[cell[p] - 1] * dim;
    double r2 = 0;
    for (int j = 0; j < dim; ++j) r2 += (a[j] - b[j]) * (a[j] - b[j]);
    return r2 == r2 ? r2 : std::numeric_limits<double>::infinity();
  }
};

struct GatherFirst {
  const std::int64_t* first;
  const double* end;
  int dim;
  double* out;
  TRILO_HD void operator()(std::int64_t q) const { out[q] = end[first[q / dim] * dim + q % dim]; }
};

struct ScatterCell {
  const std::int64_t* order;
  const std::int64_t* rows;
  const std::int32_t* cell;
  std::int32_t* cell_of;
  TRILO_HD void operator()(std::int64_t p) const { cell_of[rows[order[p]]] = cell[p] - 1; }
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
  TRILO_HD void operator()(std::int64_t k) const {
    const std::int64_t r = rows[hist_row[k]];
    hist_steps[k] = steps[r];
    hist_cell[k] = cell_of[r];
  }
};

template <class Space, class T>
std::vector<T> home(Space& s, const T* mem, std::int64_t n) {
  std::vector<T> v(static_cast<std::size_t>(n));
  if (n > 0) s.home(v.data(), mem, n);
  return v;
}

// `e` in the space's memory. Each row's cell comes home for rows phase,
// phase + every, ... (-1 for the others); none when every is 0.
template <class Space>
backend::ReducedCells reduce_cells(Space& s, const backend::EndColumns& e, double tol, std::int64_t every,
                                   std::int64_t phase) {
  const bool per_row = every > 0;
  const auto size = [](std::int64_t k) { return static_cast<std::size_t>(k); };
  const auto policy = s.policy();
  const thrust::counting_iterator<std::int64_t> zero(0);
  const int d = e.dim;

  // The counting rows, then their keys.
  auto rows = s.template buffer<std::int64_t>(size(e.n));
  const std::int64_t m =
      thrust::copy_if(policy, zero, zero + e.n, rows.data(), Counts{e.status, e.quench}) - rows.data();
  auto keys = s.template buffer<CellKey>(size(m));
  thrust::for_each(policy, zero, zero + m, KeyRows{rows.data(), e.end, d, tol, keys.data()});

  // Compacted positions sorted by (cell, steps, row).
  auto order = s.template buffer<std::int64_t>(size(m));
  thrust::sequence(policy, order.data(), order.data() + m);
  thrust::sort(policy, order.data(), order.data() + m, CellStepsRowLess{keys.data(), rows.data(), e.steps});

  // Cells: 1-based index per sorted position; each cell's first row.
  auto cell = s.template buffer<std::int32_t>(size(m));
  thrust::transform_inclusive_scan(policy, zero, zero + m, cell.data(), CellHead{order.data(), keys.data()},
                                   thrust::plus<std::int32_t>());
  std::int32_t cells = 0;
  if (m > 0) s.home(&cells, cell.data() + m - 1, 1);
  s.sync();
  auto first = s.template buffer<std::int64_t>(size(cells));
  const auto row_at = thrust::make_transform_iterator(zero, RowAt{order.data(), rows.data()});
  thrust::reduce_by_key(policy, order.data(), order.data() + m, row_at, thrust::make_discard_iterator(),
                        first.data(), SameCell{keys.data()}, thrust::minimum<std::int64_t>());
  auto radius2 = s.template buffer<double>(size(cells));
  auto position = s.template buffer<double>(size(cells) * d);
  thrust::reduce_by_key(
      policy, order.data(), order.data() + m,
      thrust::make_transform_iterator(zero, Radius2{order.data(), rows.data(), cell.data(), first.data(), e.end, d}),
      thrust::make_discard_iterator(), radius2.data(), SameCell{keys.data()}, thrust::maximum<double>());
  thrust::for_each(policy, zero, zero + std::int64_t(cells) * d, GatherFirst{first.data(), e.end, d, position.data()});

  // Step histograms: one entry per run of equal (cell, steps), named by its
  // first row; its cell is read from the per-row cell index.
  auto hist_row = s.template buffer<std::int64_t>(size(m));
  auto hist_count = s.template buffer<std::int64_t>(size(m));
  auto cell_of = s.template buffer<std::int32_t>(size(e.n));
  thrust::fill(policy, cell_of.data(), cell_of.data() + e.n, -1);
  thrust::for_each(policy, zero, zero + m, ScatterCell{order.data(), rows.data(), cell.data(), cell_of.data()});
  const std::int64_t h =
      thrust::reduce_by_key(policy, order.data(), order.data() + m, thrust::constant_iterator<std::int64_t>(1),
                            hist_row.data(), hist_count.data(), SameCellSteps{keys.data(), rows.data(), e.steps})
          .first -
      hist_row.data();
  // hist_row holds compacted positions: their rows, steps and cells.
  auto hist_steps = s.template buffer<std::int64_t>(size(h));
  auto hist_cell = s.template buffer<std::int32_t>(size(h));
  thrust::for_each(policy, zero, zero + h,
                   HistogramEntry{rows.data(), hist_row.data(), e.steps, cell_of.data(), hist_steps.data(),
                                  hist_cell.data()});

  const std::vector<std::int64_t> first_h = home(s, first.data(), cells), steps_h = home(s, hist_steps.data(), h),
                                  count_h = home(s, hist_count.data(), h);
  const std::vector<double> radius2_h = home(s, radius2.data(), cells),
                            position_h = home(s, position.data(), std::int64_t(cells) * d);
  const std::vector<std::int32_t> hist_cell_h = home(s, hist_cell.data(), h);
  std::vector<std::int32_t> cell_of_h(per_row ? size(e.n) : 0, -1);
  if (per_row) copy_rows_home(s, cell_of_h.data(), cell_of.data(), sizeof(std::int32_t), e.n, every, phase);
  std::int64_t status_rows[3];
  for (int k = 0; k < 3; ++k)
    status_rows[k] = thrust::count(policy, e.status, e.status + e.n, static_cast<std::int8_t>(k));
  s.sync();

  // The cells in the order of their first rows (histograms follow them).
  std::vector<std::int32_t> by_first(size(cells)), rank(size(cells));
  std::iota(by_first.begin(), by_first.end(), 0);
  std::sort(by_first.begin(), by_first.end(), [&](std::int32_t a, std::int32_t b) { return first_h[a] < first_h[b]; });
  for (std::int32_t k = 0; k < cells; ++k) rank[size(by_first[size(k)])] = k;
  std::vector<std::int64_t> hist_begin(size(cells) + 1, 0);
  for (std::int64_t k = 0; k < h; ++k) ++hist_begin[size(hist_cell_h[size(k)]) + 1];
  std::partial_sum(hist_begin.begin(), hist_begin.end(), hist_begin.begin());

  backend::ReducedCells out;
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

// Descents [first, first + count) of dimension d and their cells, kept in
// slot `k` (Backend::descend_cells; Kept a KeptColumns of the space's
// buffers). descend_into(Kept* columns) makes the descents into `out`
// (sized and placed for them), writing their columns to `columns` when it
// is not null (then `out`'s rows need not hold them). Rows
// (first + i) % every == 0 come home with their cells. A chunk that cannot
// be kept or reduced comes home whole, unreduced (cells.made false): the
// job clusters its end points one by one, as fast as any chunk of the
// end-point path.
template <class Space, class Kept, class DescendInto>
void descend_kept_cells(Space& s, std::unique_ptr<Kept>& k, std::int64_t first, std::int64_t count, int d,
                        double tol, std::int64_t every, backend::DescentBatch& out, backend::ReducedCells& cells,
                        DescendInto&& descend_into) {
  const auto unreduced = [&] {
    cells = backend::ReducedCells{};
    cells.made = false;
    k.reset();  // fetch has nothing to add
  };
  if (!k) k = std::make_unique<Kept>();
  try {
    k->hold(s, count, d);
  } catch (const backend::OutOfDeviceMemory&) {
    // A chunk too large to keep: its descents come home as they are made.
    unreduced();
    descend_into(nullptr);
    return;
  }
  descend_into(k.get());
  const std::int64_t phase = home_phase(first, every);
  // The descents fit, their reduction may not (it takes about as much
  // again, and Thrust's scratch): then every row comes home, unreduced.
  const auto at_home = [&] {
    s.sync();
    kept_rows_home(s, *k, 1, 0, out);
    unreduced();
  };
  try {
    cells = reduce_cells(s, {k->end.data(), k->status.data(), k->quench.data(), k->steps.data(), count, d}, tol,
                         every, phase);
    if (every > 0) kept_rows_home(s, *k, every, phase, out);
  } catch (const backend::OutOfDeviceMemory&) {
    at_home();
  } catch (const std::bad_alloc&) {  // Thrust's scratch
    at_home();
  }
}

}  // namespace TRILO_CELLS_NS
}  // namespace trilo::cell_reduction
