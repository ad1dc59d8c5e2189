// The descent job's chunks kept where they are made (Backend::descend_cells
// and fetch_end_points on a device): each slot's descents in columns of a
// space's memory, of which only the rows asked for come home. Host code
// over a space (kernels/reduce_cells_thrust.hpp says what a space
// provides), shared by the CUDA backend and the tests' host run of it; the
// reduction of a kept chunk is descend_kept_cells, in that header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "backend/backend.hpp"
#include "core/work.hpp"

namespace trilo::cell_reduction {

// The first row of a chunk of job rows [first, ...) that a job keeping the
// job rows divisible by `every` brings home (0 when every is 0).
inline std::int64_t home_phase(std::int64_t first, std::int64_t every) {
  return every > 0 ? (every - first % every) % every : 0;
}

// Rows phase, phase + every, ... of n (every > 0) of a column of rows of
// `width` bytes in the space's memory into the same rows of host memory:
// one copy when the rows are consecutive, one 2-D copy when they lie at
// most `max_pitch` bytes apart, else one copy a row.
template <class Space>
void copy_rows_home(Space& s, void* host, const void* mem, std::size_t width, std::int64_t n,
                    std::int64_t every, std::int64_t phase, std::size_t max_pitch = std::size_t(1) << 30) {
  if (phase >= n || width == 0) return;
  const std::int64_t rows = (n - 1 - phase) / every + 1;
  auto* h = static_cast<unsigned char*>(host) + phase * width;
  const auto* d = static_cast<const unsigned char*>(mem) + phase * width;
  const std::size_t pitch = static_cast<std::size_t>(every) * width;
  if (every == 1) {
    s.home(h, d, rows * static_cast<std::int64_t>(width));
  } else if (pitch <= max_pitch) {
    s.home_rows(h, pitch, d, pitch, width, static_cast<std::size_t>(rows));
  } else {  // rows so far apart that a chunk holds few of them
    for (std::int64_t r = 0; r < rows; ++r) s.home(h + r * pitch, d + r * pitch, static_cast<std::int64_t>(width));
  }
}

// Every column of `n` descents of dimension `dim` in buffers of type
// Buffer<U> (the space's memory). The buffers grow to the largest chunk and
// are reused.
template <template <class> class Buffer>
struct KeptColumns {
  Buffer<double> start, end, loss, grad_norm;
  Buffer<std::int64_t> steps;
  Buffer<std::int8_t> status, quench, bounced;
  std::int64_t n = 0;
  int dim = 0;

  // Room for `rows` rows of dimension d from space `s` (throws what its
  // buffers throw when they do not fit).
  template <class Space>
  void hold(Space& s, std::int64_t rows, int d) {
    const auto need = [](const auto& b, std::int64_t k) { return b.size() < static_cast<std::size_t>(k); };
    if (need(start, rows * d)) {
      start = s.template buffer<double>(static_cast<std::size_t>(rows * d));
      end = s.template buffer<double>(static_cast<std::size_t>(rows * d));
    }
    if (need(loss, rows)) {
      const auto m = static_cast<std::size_t>(rows);
      loss = s.template buffer<double>(m);
      grad_norm = s.template buffer<double>(m);
      steps = s.template buffer<std::int64_t>(m);
      status = s.template buffer<std::int8_t>(m);
      quench = s.template buffer<std::int8_t>(m);
      bounced = s.template buffer<std::int8_t>(m);
    }
    n = rows;
    dim = d;
  }
  // The columns from row `row` on.
  DescentColumns at(std::int64_t row) {
    return {start.data() + row * dim, end.data() + row * dim, loss.data() + row,   grad_norm.data() + row,
            steps.data() + row,       status.data() + row,    quench.data() + row, bounced.data() + row};
  }
};

// Rows phase, phase + every, ... of every column of `k` into the same rows
// of `out` (which holds k.n rows), then waits for them.
template <class Space, class Kept>
void kept_rows_home(Space& s, Kept& k, std::int64_t every, std::int64_t phase, backend::DescentBatch& out) {
  const auto rows = [&](auto& host, const auto& kept, int width) {
    copy_rows_home(s, host.data(), kept.data(), sizeof(host[0]) * static_cast<std::size_t>(width), k.n, every,
                   phase);
  };
  rows(out.start, k.start, k.dim);
  rows(out.end, k.end, k.dim);
  rows(out.loss, k.loss, 1);
  rows(out.grad_norm, k.grad_norm, 1);
  rows(out.steps, k.steps, 1);
  rows(out.status, k.status, 1);
  rows(out.quench, k.quench, 1);
  rows(out.bounced, k.bounced, 1);
  s.sync();
}

// Completes `out`, the batch last kept in `k`, with every row's end point,
// steps, status and quench result (Backend::fetch_end_points); nothing
// when the chunk came home whole (k null).
template <class Space, class Kept>
void fetch_kept_end_points(Space& s, const Kept* k, backend::DescentBatch& out) {
  if (k == nullptr) return;
  if (k->n != out.count || k->dim != out.dim)
    throw std::logic_error("fetch_end_points: the batch is not the last one descended into this slot");
  s.home(out.end.data(), k->end.data(), k->n * k->dim);
  s.home(out.steps.data(), k->steps.data(), k->n);
  s.home(out.status.data(), k->status.data(), k->n);
  s.home(out.quench.data(), k->quench.data(), k->n);
  s.sync();
}

}  // namespace trilo::cell_reduction
