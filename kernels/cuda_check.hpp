// The one error check of the CUDA backend. Every runtime call goes through
// TRILO_CUDA_CHECK; a kernel launch is followed by
// TRILO_CUDA_CHECK(cudaGetLastError()), which catches bad launch
// configurations at once (faults inside a kernel surface at the next
// synchronising call, which is checked too). Failures become exceptions, so
// `main` prints one line and exits 1, as for every other runtime error;
// running out of device memory is backend::OutOfDeviceMemory, so that the
// caller can retry with smaller tiles.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "backend/tiling.hpp"

namespace trilo::cuda::detail {

// Out of device memory is not sticky: it is cleared here and thrown as
// OutOfDeviceMemory, which for_each_tile answers with smaller tiles.
[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* call, const char* file,
                                          int line) {
  const std::string what = std::string("CUDA error at ") + file + ":" + std::to_string(line) +
                           ": " + cudaGetErrorString(err) + " (" + call + ")";
  if (err == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();
    throw backend::OutOfDeviceMemory(what);
  }
  throw std::runtime_error(what);
}

}  // namespace trilo::cuda::detail

#define TRILO_CUDA_CHECK(call)                                                        \
  do {                                                                                \
    const cudaError_t trilo_cuda_err_ = (call);                                       \
    if (trilo_cuda_err_ != cudaSuccess)                                               \
      ::trilo::cuda::detail::throw_cuda_error(trilo_cuda_err_, #call, __FILE__, __LINE__); \
  } while (0)
