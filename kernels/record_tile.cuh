// One tile of descent-shaped records on the device (descents and
// critical-point searches write the same six columns; descents also their
// quench result and bounce flag): the tile's device buffers, its explicit
// starts copied over, the launch, and the copies back into rows
// [row, row + m) of the host batch. A tile that does not fit is
// retried smaller by CudaBackend::run_tiled and rewrites every row it owns.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda_backend.hpp"

namespace trilo::cuda {

// Explicit starts must cover items [lo, hi) (`what` names the items).
inline void require_explicit_rows(const StartSpec& starts,
                                  const std::vector<double>& explicit_starts, std::int64_t lo,
                                  std::int64_t hi, const char* what) {
  const int d = starts.dim;
  const std::int64_t have = d > 0 ? static_cast<std::int64_t>(explicit_starts.size()) / d : 0;
  if (lo < 0 || hi > have)
    throw std::invalid_argument(std::string("explicit starts: ") + what + " up to " +
                                std::to_string(hi) + " asked for, " + std::to_string(have) +
                                " starts given");
}

// The start of a call that fills `out` with items [first, first + count):
// `out` sized and placed, the explicit starts checked. False when there is
// nothing to launch (an empty launch is an error in CUDA).
// `req` is a descent or critical-point request.
template <class Request>
bool prepare_records(const Request& req, std::int64_t first, std::int64_t count, const char* what,
                     backend::DescentBatch& out) {
  out.resize(count, req.landscape.dim);
  out.first = first;
  if (count <= 0) return false;
  if (req.starts.mode == StartMode::kExplicit)
    require_explicit_rows(req.starts, req.explicit_starts, first, first + count, what);
  return true;
}

// Items [first, first + m) of `starts` (explicit ones read from
// `explicit_starts` by global index): launch(s, cols, stream) runs the
// kernels on device StartSpec `s` into `cols`. With `descent_flags` the
// columns also hold the quench result and the bounce flag of each row.
template <class Launch>
void record_tile(CudaBackend& be, const StartSpec& starts,
                 const std::vector<double>& explicit_starts, int dim, std::int64_t first,
                 std::int64_t m, std::int64_t row, bool descent_flags, backend::DescentBatch& out,
                 Launch&& launch) {
  cudaStream_t stream = be.stream();
  const bool explicit_mode = starts.mode == StartMode::kExplicit;
  // Descents kept on the device (CudaBackend::descend_cells) are written
  // into the kept columns and not copied home.
  KeptDescents* kept = descent_flags ? be.keeping() : nullptr;
  const std::int64_t own = kept ? 0 : m;
  const auto size = [](std::int64_t k) { return static_cast<std::size_t>(k); };
  DeviceBuffer<double> start(size(own * dim), stream), end(size(own * dim), stream);
  DeviceBuffer<double> loss(size(own), stream), grad_norm(size(own), stream);
  DeviceBuffer<std::int64_t> steps(size(own), stream);
  DeviceBuffer<std::int8_t> status(size(own), stream);
  DeviceBuffer<std::int8_t> quench(descent_flags ? size(own) : 0, stream);
  DeviceBuffer<std::int8_t> bounced(descent_flags ? size(own) : 0, stream);
  DeviceBuffer<double> points(explicit_mode ? size(m * starts.dim) : 0, stream);
  DescentColumns cols{start.data(),     end.data(),   loss.data(),
                      grad_norm.data(), steps.data(), status.data()};
  if (descent_flags) {
    cols.quench = quench.data();
    cols.bounced = bounced.data();
  }
  if (kept) cols = kept->at(row);
  StartSpec s = starts;
  if (explicit_mode) {
    copy_to_device_async(points.data(), explicit_starts.data() + first * starts.dim, m * starts.dim,
                         stream);
    s.points = points.data();
    s.points_first = first;
  }
  be.begin_kernels();
  launch(s, cols, stream);
  TRILO_CUDA_CHECK(cudaGetLastError());
  be.end_kernels();
  be.end_tile(kept ? std::vector<CudaBackend::HostCopy>{} : descent_copies(out, row, m, dim, cols));
}

}  // namespace trilo::cuda
