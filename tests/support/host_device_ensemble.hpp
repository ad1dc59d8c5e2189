// The device's ensemble trainer (kernels/network_ensemble.hpp) run on the
// host: every functor in the device's order, the block sums in the device's
// tree, the GEMMs from their definition (support/batched_gemm.hpp), copies
// home that land only at sync() and new buffers full of NaN, so that
// machines without a device train with the device's own code and catch
// what it reads before it writes or waits. `free_bytes` stands for the
// device's free memory: a small one makes the trainer cut a chunk into
// several passes and its evaluations into several tiles.
#pragma once

#include <cstddef>

#include "nn/ensemble.hpp"

namespace trilo::test {

nn::DeviceEnsembleMaker<float> host_device_ensemble_f32(std::size_t free_bytes);
nn::DeviceEnsembleMaker<double> host_device_ensemble_f64(std::size_t free_bytes);

}  // namespace trilo::test
