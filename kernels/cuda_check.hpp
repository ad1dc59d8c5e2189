// The one error check of the CUDA backend. Every runtime call goes through
// TRILO_CUDA_CHECK; a kernel launch is followed by
// TRILO_CUDA_CHECK(cudaGetLastError()), which catches bad launch
// configurations at once (faults inside a kernel surface at the next
// synchronising call, which is checked too). Failures become exceptions, so
// `main` prints one line and exits 1, as for every other runtime error.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace trilo::cuda::detail {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* call, const char* file,
                                          int line) {
  throw std::runtime_error(std::string("CUDA error at ") + file + ":" + std::to_string(line) +
                           ": " + cudaGetErrorString(err) + " (" + call + ")");
}

}  // namespace trilo::cuda::detail

#define TRILO_CUDA_CHECK(call)                                                        \
  do {                                                                                \
    const cudaError_t trilo_cuda_err_ = (call);                                       \
    if (trilo_cuda_err_ != cudaSuccess)                                               \
      ::trilo::cuda::detail::throw_cuda_error(trilo_cuda_err_, #call, __FILE__, __LINE__); \
  } while (0)
