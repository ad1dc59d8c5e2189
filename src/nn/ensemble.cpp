#include "nn/ensemble.hpp"

#include <omp.h>

#include <algorithm>
#include <limits>

namespace trilo::nn {

void chunk_orders(const TrainParams& p, std::int64_t first, std::int64_t count, std::int64_t epoch,
                  std::int64_t rows, std::int32_t* out) {
  const auto put = [&](std::int64_t k, const std::vector<std::int64_t>& order) {
    std::transform(order.begin(), order.end(), out + k * rows,
                   [](std::int64_t r) { return static_cast<std::int32_t>(r); });
  };
  if (p.order_run >= 0) {
    const std::vector<std::int64_t> order = batch_order(p.seed, p.order_run, epoch, rows);
    for (std::int64_t k = 0; k < count; ++k) put(k, order);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (std::int64_t k = 0; k < count; ++k) put(k, batch_order(p.seed, first + k, epoch, rows));
}

NetSpec net_spec(const Model& m, const TrainParams& p) {
  NetSpec s;
  s.widths = m.widths;
  for (int l = 0; l < m.layers(); ++l) s.offsets.push_back(m.offset(l));
  s.params = m.params();
  s.activation = m.activation;
  s.loss = m.loss;
  s.weight_decay = m.weight_decay;
  s.opt = p.opt;
  s.schedule = p.schedule;
  s.batch = p.batch;
  s.epochs = p.epochs;
  s.max_steps = p.max_steps;
  s.tol = p.tol;
  return s;
}

namespace {

template <class T>
HostRows<T> host_rows(const DataView<T>* d) {
  if (!d) return {};
  return {d->x.data(), d->y.data(), d->rows};
}

// The job's trainer over the device's: float64 weights to and from the
// training precision (as train_one converts them), results as TrainOutcome.
template <class T>
class DeviceTrainer final : public EnsembleTrainer {
 public:
  DeviceTrainer(const Model& m, const TrainParams& p, const DataView<T>& train, const DataView<T>* test,
                const DataView<T>& probe, const DeviceEnsembleMaker<T>& make)
      : P_(m.params()),
        width_(probe.rows * m.outputs()),
        n_train_(train.rows),
        n_test_(test ? test->rows : 0),
        scored_(train.scored) {
    const std::int64_t rows = train.rows;
    // The trainer makes an epoch's orders on a thread of its own while the
    // device runs the epoch before; a new thread starts with OpenMP's
    // default team size, not this thread's (--threads), so that is carried.
    const int threads = omp_get_max_threads();
    OrderSource orders = [p, rows, threads](std::int64_t first, std::int64_t count, std::int64_t epoch,
                                            std::int32_t* out) {
      omp_set_num_threads(threads);
      chunk_orders(p, first, count, epoch, rows, out);
    };
    dev_ = make(net_spec(m, p), host_rows(&train), host_rows(test), host_rows(&probe), std::move(orders));
  }

  std::string device() const override { return dev_->device(); }

  void train(std::int64_t first, std::int64_t count, const double* start, double* end, TrainOutcome* outcome,
             double* probe_outputs) override {
    const auto n = static_cast<std::size_t>(count);
    const auto P = static_cast<std::size_t>(P_), W = static_cast<std::size_t>(width_);
    std::vector<T> s(start, start + n * P), e(n * P), probe(n * W);
    std::vector<RunResult> r(n);
    dev_->train(first, count, s.data(), e.data(), r.data(), probe.data());
    std::copy(e.begin(), e.end(), end);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t k = 0; k < n; ++k) {
      TrainOutcome& o = outcome[k];
      o.steps = r[k].steps;
      o.status = static_cast<DescentStatus>(r[k].status);
      o.test_loss = o.test_accuracy = nan;
      double* out = probe_outputs + k * W;
      if (o.status == DescentStatus::kDiverged) {
        o.loss = o.grad_norm = o.accuracy = nan;
        std::fill(out, out + W, nan);
        continue;
      }
      o.loss = r[k].loss;
      o.grad_norm = r[k].grad_norm;
      o.accuracy = accuracy_of(r[k].correct, n_train_, scored_);
      if (n_test_ > 0) {
        o.test_loss = r[k].test_loss;
        o.test_accuracy = accuracy_of(r[k].test_correct, n_test_, scored_);
      }
      std::copy(probe.begin() + static_cast<std::ptrdiff_t>(k * W),
                probe.begin() + static_cast<std::ptrdiff_t>((k + 1) * W), out);
    }
  }

  double time_steps(std::int64_t count, const double* start, std::int64_t steps) override {
    const std::vector<T> s(start, start + count * P_);
    return dev_->time_steps(count, s.data(), steps);
  }

 private:
  std::int64_t P_, width_, n_train_, n_test_;
  bool scored_;  // the labels are classes (DataView::scored)
  std::unique_ptr<DeviceEnsemble<T>> dev_;
};

template <class T>
DeviceEnsembleMaker<T> on_device(int device) {
  return [device](const NetSpec& spec, const HostRows<T>& train, const HostRows<T>& test, const HostRows<T>& probe,
                  OrderSource orders) {
    return make_device_ensemble(spec, train, test, probe, std::move(orders), device);
  };
}

}  // namespace

std::unique_ptr<EnsembleTrainer> make_cuda_ensemble(const Model& m, const TrainParams& p,
                                                    const DataView<float>& train, const DataView<float>* test,
                                                    const DataView<float>& probe, int device) {
  return std::make_unique<DeviceTrainer<float>>(m, p, train, test, probe, on_device<float>(device));
}

std::unique_ptr<EnsembleTrainer> make_cuda_ensemble(const Model& m, const TrainParams& p,
                                                    const DataView<double>& train, const DataView<double>* test,
                                                    const DataView<double>& probe, int device) {
  return std::make_unique<DeviceTrainer<double>>(m, p, train, test, probe, on_device<double>(device));
}

std::unique_ptr<EnsembleTrainer> make_ensemble_trainer(const Model& m, const TrainParams& p,
                                                       const DataView<float>& train, const DataView<float>* test,
                                                       const DataView<float>& probe,
                                                       const DeviceEnsembleMaker<float>& make) {
  return std::make_unique<DeviceTrainer<float>>(m, p, train, test, probe, make);
}

std::unique_ptr<EnsembleTrainer> make_ensemble_trainer(const Model& m, const TrainParams& p,
                                                       const DataView<double>& train, const DataView<double>* test,
                                                       const DataView<double>& probe,
                                                       const DeviceEnsembleMaker<double>& make) {
  return std::make_unique<DeviceTrainer<double>>(m, p, train, test, probe, make);
}

}  // namespace trilo::nn
