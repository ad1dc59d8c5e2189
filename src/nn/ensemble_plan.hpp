// The device side of ensemble training as the host sees it, with no Eigen
// (the CUDA translation unit includes it): the network and training as
// plain values, the plan of the strided-batched GEMMs and of device memory,
// and the interface the CUDA code implements (kernels/network_train.cu).
// The plan's functions are host code, checked on the CPU by the tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/optimizers.hpp"
#include "core/schedule.hpp"
#include "nn/elementwise.hpp"

namespace trilo::nn {

// A network and its training, as the device needs them.
struct NetSpec {
  std::vector<int> widths;              // input, hidden..., output
  std::vector<std::int64_t> offsets;    // of each layer's W in the flat vector (its b follows)
  std::int64_t params = 0;
  Activation activation = Activation::kSigmoid;
  LossKind loss = LossKind::kXent;
  double weight_decay = 0;
  OptimizerParams opt;
  LrSchedule schedule;
  std::int64_t batch = 0;      // 0: full batch
  std::int64_t epochs = 1;
  std::int64_t max_steps = 0;  // full batch
  double tol = 0;
  int layers() const { return static_cast<int>(widths.size()) - 1; }
  int inputs() const { return widths.front(); }
  int outputs() const { return widths.back(); }
};

// A data set on the host: rows x features, row-major, and a label per row.
template <class T>
struct HostRows {
  const T* x = nullptr;
  const float* y = nullptr;
  std::int64_t rows = 0;
};

// One training's results. status: 0 converged, 1 max-steps, 2 diverged
// (DescentStatus's values).
struct RunResult {
  double loss = 0, grad_norm = 0, test_loss = 0;
  std::int64_t correct = 0, test_correct = 0, steps = 0;
  std::int8_t status = 1;
};

// A training of the ensemble that is still running; once it stops, its
// status is one of DescentStatus's values (0 converged, 1 max-steps, 2
// diverged).
inline constexpr std::int8_t kRunning = 3;

// The mean loss of one evaluation as evaluate reports it: the summed row
// losses (mse: already averaged over the outputs) over the n rows, plus the
// L2 term 0.5 weight_decay |w|^2 when there is weight decay.
TRILO_HD_INLINE double mean_loss(double sum, std::int64_t n, double weight_decay, double wsq) {
  double loss = n > 0 ? sum / static_cast<double>(n) : 0.0;
  if (weight_decay != 0) loss += 0.5 * weight_decay * wsq;
  return loss;
}

// A full-batch training after its evaluation at step `step` (train_one's
// rule): diverged when the loss or the gradient norm is not finite;
// converged when the norm is <= tol; max-steps at step max_steps; else it
// runs on to the update.
TRILO_HD_INLINE std::int8_t full_batch_verdict(double loss, double grad_norm, double tol, std::int64_t step,
                                               std::int64_t max_steps) {
  if (!is_finite(loss) || !is_finite(grad_norm)) return 2;
  if (grad_norm <= tol) return 0;
  return step == max_steps ? 1 : kRunning;
}

// A mini-batch training at its end, from the full-batch evaluation: no
// divergence test there (a batch or an epoch's end already made it).
TRILO_HD_INLINE std::int8_t final_verdict(double grad_norm, double tol) { return grad_norm <= tol ? 0 : 1; }

// Writes the batch orders of `epoch` for runs [first, first + count),
// count x rows indices (run k's in row k).
using OrderSource =
    std::function<void(std::int64_t first, std::int64_t count, std::int64_t epoch, std::int32_t* out)>;

template <class T>
class DeviceEnsemble {
 public:
  virtual ~DeviceEnsemble() = default;
  virtual std::string device() const = 0;
  // Trains runs [first, first + count) from `start` (count x P), writes
  // `end` (count x P), `result` (count) and the probe outputs (count x
  // probe rows x outputs; a diverged run's are left as they are).
  virtual void train(std::int64_t first, std::int64_t count, const T* start, T* end, RunResult* result,
                     T* probe_outputs) = 0;
  virtual double time_steps(std::int64_t count, const T* start, std::int64_t steps) = 0;
};

// The data go to the device at once; `test` may have no rows.
std::unique_ptr<DeviceEnsemble<float>> make_device_ensemble(const NetSpec& spec, const HostRows<float>& train,
                                                            const HostRows<float>& test,
                                                            const HostRows<float>& probe, OrderSource orders,
                                                            int device);
std::unique_ptr<DeviceEnsemble<double>> make_device_ensemble(const NetSpec& spec, const HostRows<double>& train,
                                                             const HostRows<double>& test,
                                                             const HostRows<double>& probe, OrderSource orders,
                                                             int device);

// The name of CUDA device `device` (taken modulo the devices present), for
// logs and the result file.
std::string cuda_device_name(int device);

// One strided-batched GEMM in cuBLAS's column-major terms: C = op(A) op(B)
// (+ C when accumulating) for each network i, with A, B, C advanced by
// their strides (a stride of 0 shares the operand across the ensemble).
// A row-major r x c matrix is read as its column-major c x r transpose, so
// the shapes below are the transposes of the row-major products of
// src/nn/model.cpp.
struct GemmShape {
  bool trans_a = false, trans_b = false;
  int m = 0, n = 0, k = 0;
  int lda = 0, ldb = 0, ldc = 0;
  std::int64_t stride_a = 0, stride_b = 0, stride_c = 0;
};

// Layer l of a tile: in = widths[l] inputs, out = widths[l + 1] outputs,
// `rows` rows in use of `capacity` per network (network i's rows of a layer
// buffer start at i x capacity x width, row-major), weight stride `params`.
struct LayerDims {
  int in = 0, out = 0;
  std::int64_t rows = 0, capacity = 0, params = 0;
  bool shared_input = false;  // the input is one matrix for every network (stride 0)
};

LayerDims layer_dims(const NetSpec& s, int l, std::int64_t rows, std::int64_t capacity, bool shared_input);

// z (rows x out) = input (rows x in) W^T: A = W, B = the input, C = z.
GemmShape forward_gemm(const LayerDims& d);
// dW (out x in) = delta^T input: A = the input, B = delta, C = dW.
GemmShape weight_grad_gemm(const LayerDims& d);
// db (out) = delta^T 1: A = delta, B = a vector of ones (shared), C = db.
GemmShape bias_grad_gemm(const LayerDims& d);
// back (rows x in) = delta W: A = W, B = delta, C = back.
GemmShape back_gemm(const LayerDims& d);

// Bytes of device memory one row of a tile takes per network: the gathered
// input (mini-batch only), z of every layer, a of every hidden layer, delta
// and back at the widest layer, the label.
std::size_t row_bytes(const NetSpec& s, bool gathered, std::size_t elem);
// Bytes one network of a chunk takes whatever the tile: weights, gradient
// and two optimizer moments, its batch order over `rows` training rows
// (mini-batch only), its probe outputs, and its per-run results.
std::size_t network_bytes(const NetSpec& s, std::int64_t rows, std::int64_t probe_rows, std::size_t elem);

// How a chunk of `count` networks is cut to fit `budget` bytes: networks
// per pass (at least 1) and rows per tile (at least 1, at most `max_rows`,
// the most rows any one evaluation needs). Half the budget goes to the
// networks' own arrays, the rest to the tile.
struct EnsemblePlan {
  std::int64_t networks = 0;
  std::int64_t tile_rows = 0;
};
EnsemblePlan plan_ensemble(std::int64_t count, std::int64_t max_rows, std::size_t per_network,
                           std::size_t per_row, std::size_t budget);

// Optimizer steps per epoch of a mini-batch training: batches of `batch`
// rows over `rows`, the last partial batch kept.
inline std::int64_t batches_per_epoch(std::int64_t rows, std::int64_t batch) { return (rows + batch - 1) / batch; }

}  // namespace trilo::nn
