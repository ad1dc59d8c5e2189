#include "cpu/cpu_backend.hpp"

#include <omp.h>

namespace trilo::cpu {

CpuBackend::CpuBackend(int threads) : threads_(threads > 0 ? threads : omp_get_max_threads()) {}

std::string CpuBackend::device() const {
  return "OpenMP, " + std::to_string(threads_) + (threads_ == 1 ? " thread" : " threads");
}

}  // namespace trilo::cpu

namespace trilo::backend {

std::unique_ptr<Backend> make_cpu_backend(int threads) {
  return std::make_unique<cpu::CpuBackend>(threads);
}

}  // namespace trilo::backend
