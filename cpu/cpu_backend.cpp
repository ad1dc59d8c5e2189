#include "cpu/cpu_backend.hpp"

#include <omp.h>

#include "cpu/descend_lanes_entry.hpp"

namespace trilo::cpu {

CpuBackend::CpuBackend(int threads, bool lanes)
    : threads_(threads > 0 ? threads : omp_get_max_threads()), lanes_(lanes) {}

std::string CpuBackend::device() const {
  return "OpenMP, " + std::to_string(threads_) + (threads_ == 1 ? " thread" : " threads") +
         (lanes_ ? std::string(", descents in ") + lanes_isa_name() + " lanes" : ", scalar descents");
}

}  // namespace trilo::cpu

namespace trilo::backend {

std::unique_ptr<Backend> make_cpu_backend(int threads) {
  return std::make_unique<cpu::CpuBackend>(threads);
}

std::unique_ptr<Backend> make_cpu_scalar_backend(int threads) {
  return std::make_unique<cpu::CpuBackend>(threads, false);
}

}  // namespace trilo::backend
