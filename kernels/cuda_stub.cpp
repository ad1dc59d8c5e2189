// Linked when the build has no CUDA: asking for the GPU is a clear error.
#include <stdexcept>

#include "backend/backend.hpp"

namespace trilo::backend {

std::unique_ptr<Backend> make_cuda_backend(int) {
  throw std::runtime_error(
      "--backend cuda: this trilobite was not compiled with CUDA (rebuild with "
      "-DTRILOBITE_CUDA=ON)");
}
bool cuda_compiled() { return false; }
int cuda_device_count() { return 0; }

}  // namespace trilo::backend
