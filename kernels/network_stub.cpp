// Linked when the build has no CUDA: training networks on the GPU is a clear error.
#include <stdexcept>

#include "nn/ensemble_plan.hpp"

namespace trilo::nn {

namespace {

[[noreturn]] void no_cuda() {
  throw std::runtime_error(
      "--backend cuda: this trilobite was not compiled with CUDA (rebuild with -DTRILOBITE_CUDA=ON)");
}

}  // namespace

std::unique_ptr<DeviceEnsemble<float>> make_device_ensemble(const NetSpec&, const HostRows<float>&,
                                                            const HostRows<float>&, const HostRows<float>&,
                                                            OrderSource, int) {
  no_cuda();
}

std::unique_ptr<DeviceEnsemble<double>> make_device_ensemble(const NetSpec&, const HostRows<double>&,
                                                             const HostRows<double>&, const HostRows<double>&,
                                                             OrderSource, int) {
  no_cuda();
}

std::string cuda_device_name(int) { no_cuda(); }

}  // namespace trilo::nn
