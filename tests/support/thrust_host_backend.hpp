// The GPU's reduction by merge cell (kernels/reduce_cells_thrust.hpp) run on
// the host under Thrust's C++ system, so that machines without a device
// test the very algorithm the CUDA backend runs: a backend that descends on
// the CPU and reduces, and keeps descents for descend_cells, as the CUDA
// backend does, with host memory standing in for the device's. Built where
// the CUDA toolkit's Thrust headers are found (thrust_host_available()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

#include "backend/backend.hpp"
#include "backend/reduced_cells.hpp"

namespace trilo::test {

bool thrust_host_available();
// Buffers of more than `buffer_limit` bytes do not fit in its "device
// memory": they throw backend::OutOfDeviceMemory, or std::bad_alloc with
// `bad_alloc` (as Thrust's scratch does), so that the fallbacks of
// descend_cells run.
std::unique_ptr<backend::Backend> make_thrust_host_backend(
    std::size_t buffer_limit = std::numeric_limits<std::size_t>::max(), bool bad_alloc = false);
// How many descend_cells calls of a make_thrust_host_backend backend
// brought their chunk home unreduced (it or its reduction did not fit).
std::int64_t thrust_host_chunks_at_home(const backend::Backend& b);
// How many of its two slots hold kept descents now (end_cells frees them).
int thrust_host_kept_slots(const backend::Backend& b);
// The algorithm itself on host columns: each row's cell for rows phase,
// phase + every, ... (none when every is 0).
backend::ReducedCells reduce_cells_thrust_host(const backend::EndColumns& e, double tol, std::int64_t every,
                                               std::int64_t phase);

struct ThrustHostBackendMaker {
  static std::unique_ptr<backend::Backend> make() { return make_thrust_host_backend(); }
  static bool available() { return thrust_host_available(); }
  static const char* missing() { return "the CUDA toolkit's Thrust headers were not found"; }
};

}  // namespace trilo::test
