// Trainings of an ensemble of networks on a device: one chunk of runs at a
// time, all networks of the chunk in lockstep. The weights of n networks are
// one n x P array in the flat order of src/nn/model.hpp; every matrix product
// of a step is one strided-batched GEMM across the ensemble. The semantics
// are train_one's (src/nn/train.hpp): the same initial weights (drawn on the
// host by init_weights), the same batch orders (batch_order), the same
// optimizer and schedule code (core/optimizers.hpp, core/schedule.hpp), the
// same element-wise loss and activations (nn/elementwise.hpp), the same
// rules for converged, max-steps and diverged. Only rounding differs: the
// products' summation order and the device's math library.
//
// This header is the job's side: a trainer of chunks in the model's terms
// (float64 weights in and out, TrainOutcome per run). The device's own
// interface and the plan of its GEMMs and memory are in
// nn/ensemble_plan.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/ensemble_plan.hpp"
#include "nn/model.hpp"
#include "nn/train.hpp"

namespace trilo::nn {

// A trainer of chunks of runs on one device, for one model, training
// parameters and data, in precision T.
class EnsembleTrainer {
 public:
  virtual ~EnsembleTrainer() = default;
  virtual std::string device() const = 0;
  // Trains runs [first, first + count) from `start` (count x P, float64,
  // drawn or given on the host) and writes `end` (count x P), one outcome
  // per run, and the outputs through the loss's link on the probe rows
  // (count x probe rows x outputs; NaN for a diverged run).
  virtual void train(std::int64_t first, std::int64_t count, const double* start, double* end,
                     TrainOutcome* outcome, double* probe_outputs) = 0;
  // `steps` optimizer steps of the mini-batch training of runs [0, count)
  // from `start`, with no evaluation at the end: the seconds from the first
  // step's gather to the last update, the batch orders made beforehand.
  virtual double time_steps(std::int64_t count, const double* start, std::int64_t steps) = 0;
};

// A device trainer on top of make_device_ensemble; the data sets are copied
// to the device at once. `test` may be null. Throws std::runtime_error
// without CUDA or a device.
std::unique_ptr<EnsembleTrainer> make_cuda_ensemble(const Model& m, const TrainParams& p,
                                                    const DataView<float>& train, const DataView<float>* test,
                                                    const DataView<float>& probe, int device);
std::unique_ptr<EnsembleTrainer> make_cuda_ensemble(const Model& m, const TrainParams& p,
                                                    const DataView<double>& train, const DataView<double>* test,
                                                    const DataView<double>& probe, int device);

// The same over the device ensembles `make` builds (make_cuda_ensemble's
// is make_device_ensemble on its device): the tests train with the device's
// code on the host through here.
template <class T>
using DeviceEnsembleMaker = std::function<std::unique_ptr<DeviceEnsemble<T>>(
    const NetSpec& spec, const HostRows<T>& train, const HostRows<T>& test, const HostRows<T>& probe,
    OrderSource orders)>;
std::unique_ptr<EnsembleTrainer> make_ensemble_trainer(const Model& m, const TrainParams& p,
                                                       const DataView<float>& train, const DataView<float>* test,
                                                       const DataView<float>& probe,
                                                       const DeviceEnsembleMaker<float>& make);
std::unique_ptr<EnsembleTrainer> make_ensemble_trainer(const Model& m, const TrainParams& p,
                                                       const DataView<double>& train, const DataView<double>* test,
                                                       const DataView<double>& probe,
                                                       const DeviceEnsembleMaker<double>& make);

// The batch orders of epoch `epoch` for runs [first, first + count), as
// count x rows row indices (32-bit: rows < 2^24), run k's order in row k:
// batch_order(seed, run, epoch, rows) with run = first + k, or
// p.order_run for every run when that is set.
void chunk_orders(const TrainParams& p, std::int64_t first, std::int64_t count, std::int64_t epoch,
                  std::int64_t rows, std::int32_t* out);

// The network and its training as the device takes them.
NetSpec net_spec(const Model& m, const TrainParams& p);

}  // namespace trilo::nn
