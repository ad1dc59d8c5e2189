// Ensembles of networks trained on a device (nn/ensemble_plan.hpp): the
// weights of n networks as one n x P array, every matrix product of a step
// one strided-batched GEMM across the ensemble (shapes from the plan), the
// element-wise parts as small functors that call the functions the CPU
// calls (nn/elementwise.hpp, core/optimizers.hpp). Per-network sums (loss,
// gradient norm) are reduced by one block of kBlock threads per network in
// a fixed tree, so a training is the same on every run of the same device.
//
// Written once over a "space" that says where the arrays live and how the
// work runs: the GPU's (kernels/network_train.cu: device memory, kernels
// on one stream, cuBLAS) and, in the tests, the host's, which runs every
// functor in the device's order (the block sums in the same tree) so that
// machines without a device train with this very code. A space S provides:
//   S::Buffer<U>, S::buffer<U>(n)        n elements of U in its memory (.data());
//   S::to_device(dst, src, n)           a queued copy that has read `src` when it returns;
//   S::to_host(dst, src, n)             a queued copy, in `dst` after sync();
//   S::Staging<U>, S::staging<U>(n)     n elements of U of host memory a copy to the device reads
//                                       without waiting for the queue (pinned on the GPU) (.data(),
//                                       .size(); movable);
//   S::copy_staged(dst, stage, n)       a queued copy from staging memory, which must not change
//   S::wait_staged(stage)               until this returns (the stage's last copy has read it);
//   S::fill_bytes(p, byte, bytes)        a queued memset;
//   S::for_each(n, f)                    f(i) for every i in [0, n);
//   S::per_block(blocks, f)              block_sums(blocks, f) below;
//   S::gemm(shape, a, b, c, beta, batch) a strided-batched GEMM (cuBLAS's terms);
//   S::sync()                            waits for everything queued;
//   S::free_bytes(), S::name()           the memory free, the device's name;
//   S::activate()                        makes its device the calling thread's.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/ensemble_plan.hpp"

// The functors differ between an nvcc and a g++ translation unit; distinct
// namespaces keep the two builds from sharing names.
#if defined(__CUDACC__)
#define TRILO_ENSEMBLE_NS for_device
#else
#define TRILO_ENSEMBLE_NS for_host
#endif

namespace trilo::nn {
inline namespace TRILO_ENSEMBLE_NS {

constexpr int kBlock = 256;
constexpr std::int8_t kActive = kRunning;
constexpr std::int8_t kDiverged = 2;

// The index of element (net, row, unit) of a layer buffer.
TRILO_HD_INLINE std::int64_t at(std::int64_t net, std::int64_t row, int unit, std::int64_t cap, int width) {
  return (net * cap + row) * width + unit;
}

// Element i of the range (net, row, unit) of a layer buffer, rows and
// units fastest: its unit, its network and its index.
struct LayerElement {
  int unit;
  std::int64_t net, k;
};
TRILO_HD_INLINE LayerElement layer_element(std::int64_t i, int width, std::int64_t rows, std::int64_t cap) {
  const int unit = static_cast<int>(i % width);
  const std::int64_t row = (i / width) % rows, net = i / (width * rows);
  return {unit, net, at(net, row, unit, cap, width)};
}

// One thread's partial sums in a block-per-network functor F: F::partial(net,
// t) for threads t = 0..kBlock-1, summed over the block in the fixed tree
// (for half = kBlock/2, ..., 1: thread t < half adds thread t + half's),
// each component apart; F::finish(net, total) with the block's total.
struct BlockSums {
  double a = 0, b = 0;
  long long c = 0;
};

// z += b (the GEMM wrote input W^T), and a = act(z) for a hidden layer.
template <class T>
struct BiasAct {
  T* z;
  T* a;
  const T* w;
  std::int64_t bias_at, params;
  int width;
  std::int64_t rows, cap;
  Activation f;
  TRILO_HD void operator()(std::int64_t i) const {
    const LayerElement e = layer_element(i, width, rows, cap);
    z[e.k] += w[e.net * params + bias_at + e.unit];
    if (a) a[e.k] = act(f, z[e.k]);
  }
};

// delta = back act'(z) at a hidden layer.
template <class T>
struct ActBack {
  T* delta;
  const T* back;
  const T* z;
  const T* a;
  int width;
  std::int64_t rows, cap;
  Activation f;
  TRILO_HD void operator()(std::int64_t i) const {
    const std::int64_t k = layer_element(i, width, rows, cap).k;
    delta[k] = back[k] * act_d1(f, z[k], a[k]);
  }
};

// Per network: the loss of the tile's rows (mse: averaged over the K
// outputs) added to loss_sum and the rows classified right to correct;
// delta (the gradient of the mean over n_div rows, with respect to the
// logits) when it is not null. Labels: y[net * y_stride + row].
template <class T>
struct TileLoss {
  const T* z;
  T* delta;
  const float* y;
  std::int64_t y_stride;
  int K;
  std::int64_t rows, cap, n_div;
  LossKind kind;
  double* loss_sum;
  long long* correct;
  TRILO_HD BlockSums partial(std::int64_t net, int t) const {
    BlockSums s;
    for (std::int64_t r = t; r < rows; r += kBlock) {
      const std::int64_t k = at(net, r, 0, cap, K);
      s.c += row_loss(kind, z + k, K, y[net * y_stride + r], n_div, delta ? delta + k : nullptr, s.a);
    }
    return s;
  }
  TRILO_HD void finish(std::int64_t net, const BlockSums& s) const {
    loss_sum[net] += kind == LossKind::kMse ? s.a / K : s.a;  // mse: the mean over the outputs too
    correct[net] += s.c;
  }
};

// Per network, after the tiles: the L2 term's gradient added to g (when
// grad), |g|^2 and |w|^2 in float64.
template <class T>
struct Norms {
  T* g;
  const T* w;
  std::int64_t params;
  double weight_decay;
  bool grad;
  double* gn2;
  double* wsq;
  TRILO_HD BlockSums partial(std::int64_t net, int t) const {
    const T lam = T(weight_decay);
    BlockSums s;
    for (std::int64_t j = t; j < params; j += kBlock) {
      const std::int64_t k = net * params + j;
      const double wj = static_cast<double>(w[k]);
      s.b += wj * wj;
      if (grad) {
        if (weight_decay != 0) g[k] += lam * w[k];
        const double gj = static_cast<double>(g[k]);
        s.a += gj * gj;
      }
    }
    return s;
  }
  TRILO_HD void finish(std::int64_t net, const BlockSums& s) const {
    gn2[net] = s.a;
    wsq[net] = s.b;
  }
};

// What one evaluation of every network left behind.
struct EvalSums {
  const double* loss_sum;
  const long long* correct;
  const double* gn2;
  const double* wsq;
};
// Where each training's outcome goes.
struct Outcomes {
  std::int8_t* status;
  long long* steps;
  double* loss;
  double* grad_norm;
  long long* correct;
};

// Full batch, at step `step`, after the evaluation: full_batch_verdict;
// a training that stops keeps this evaluation as its last. With
// `final_eval` (the end of a mini-batch training) every training still
// running ends here (final_verdict).
struct Decide {
  std::int64_t step, max_steps;
  double tol;
  std::int64_t n;
  double weight_decay;
  EvalSums e;
  Outcomes o;
  bool final_eval;
  TRILO_HD void operator()(std::int64_t i) const {
    if (o.status[i] != kActive) return;
    const double loss = mean_loss(e.loss_sum[i], n, weight_decay, e.wsq[i]);
    const double gn = sqrt(e.gn2[i]);
    const std::int8_t v = final_eval ? final_verdict(gn, tol) : full_batch_verdict(loss, gn, tol, step, max_steps);
    if (v == kActive) return;
    o.status[i] = v;
    o.steps[i] = step;
    if (v == kDiverged) return;
    o.loss[i] = loss;
    o.grad_norm[i] = gn;
    o.correct[i] = e.correct[i];
  }
};

// Mini-batch, at step `step`: diverged when the batch's loss is not finite.
struct BatchCheck {
  std::int64_t step, n;
  double weight_decay;
  EvalSums e;
  Outcomes o;
  TRILO_HD void operator()(std::int64_t i) const {
    if (o.status[i] != kActive) return;
    if (!is_finite(mean_loss(e.loss_sum[i], n, weight_decay, e.wsq[i]))) {
      o.status[i] = kDiverged;
      o.steps[i] = step;
    }
  }
};

// Per network at the end of an epoch: diverged when a weight is not finite.
template <class T>
struct FiniteWeights {
  const T* w;
  std::int64_t params, step;
  Outcomes o;
  TRILO_HD BlockSums partial(std::int64_t net, int t) const {
    BlockSums s;
    for (std::int64_t j = t; j < params; j += kBlock) s.c |= !is_finite(static_cast<double>(w[net * params + j]));
    return s;
  }
  TRILO_HD void finish(std::int64_t net, const BlockSums& s) const {
    if (s.c != 0 && o.status[net] == kActive) {
      o.status[net] = kDiverged;
      o.steps[net] = step;
    }
  }
};

// The optimizer's update of every weight of the trainings still on; b1t
// and b2t are Adam's running powers before this step (equal across the
// ensemble, whose trainings all took the same steps).
template <class T>
struct Update {
  T* w;
  const T* g;
  T* m1;
  T* m2;
  std::int64_t params;
  const std::int8_t* status;
  OptimizerParams p;
  T lr, b1t, b2t;
  TRILO_HD void operator()(std::int64_t i) const {
    if (status[i / params] != kActive) return;
    T b1 = b1t, b2 = b2t;
    optimizer_update(p, lr, m1 + i, m2 + i, b1, b2, 1, g + i, w + i);
  }
};

// Each network's batch rows [first, first + rows) of its order into xg, yg.
template <class T>
struct Gather {
  T* xg;
  float* yg;
  const T* x;
  const float* y;
  const std::int32_t* order;
  std::int64_t order_rows, first, rows, cap;
  int features;
  TRILO_HD void operator()(std::int64_t i) const {
    const int f = static_cast<int>(i % features);
    const std::int64_t r = (i / features) % rows, net = i / (features * rows);
    const std::int64_t src = order[net * order_rows + first + r];
    xg[at(net, r, f, cap, features)] = x[src * features + f];
    if (f == 0) yg[net * cap + r] = y[src];
  }
};

// The outputs through the link for rows [first, first + rows) of the probe set.
template <class T>
struct Link {
  const T* z;
  T* out;
  int K;
  std::int64_t rows, cap, out_stride, first;
  LossKind kind;
  TRILO_HD void operator()(std::int64_t i) const {
    const std::int64_t r = i % rows, net = i / rows;
    link_row(kind, z + at(net, r, 0, cap, K), K, out + net * out_stride + (first + r) * K);
  }
};

template <class T>
struct Fill {
  T* x;
  T v;
  TRILO_HD void operator()(std::int64_t i) const { x[i] = v; }
};

// A data set in the space's memory.
template <class T, class Space>
struct DeviceRows {
  typename Space::template Buffer<T> x;
  typename Space::template Buffer<float> y;
  std::int64_t rows = 0;
};

template <class T, class Space>
class Ensemble final : public DeviceEnsemble<T> {
 public:
  template <class... SpaceArgs>
  Ensemble(const NetSpec& spec, const HostRows<T>& train, const HostRows<T>& test, const HostRows<T>& probe,
           OrderSource orders, SpaceArgs&&... space_args)
      : sp_(std::forward<SpaceArgs>(space_args)...), s_(spec), orders_(std::move(orders)) {
    upload(train, train_);
    upload(test, test_);
    upload(probe, probe_);
    sp_.sync();
  }
  Ensemble(const Ensemble&) = delete;
  Ensemble& operator=(const Ensemble&) = delete;

  std::string device() const override { return sp_.name(); }

  void train(std::int64_t first, std::int64_t count, const T* start, T* end, RunResult* result,
             T* probe_outputs) override {
    sp_.activate();
    const EnsemblePlan plan = plan_for(count);
    const std::int64_t P = s_.params, W = probe_.rows * s_.outputs();
    for (std::int64_t k = 0; k < count; k += plan.networks) {
      const std::int64_t n = std::min(plan.networks, count - k);
      Pass pass(*this, n, plan.tile_rows, start + k * P);
      pass.train(first + k, -1);
      pass.finish(end + k * P, result + k, probe_outputs + k * W);
    }
  }

  double time_steps(std::int64_t count, const T* start, std::int64_t steps) override {
    sp_.activate();
    const EnsemblePlan plan = plan_for(count);
    double seconds = 0;
    for (std::int64_t k = 0; k < count; k += plan.networks) {
      const std::int64_t n = std::min(plan.networks, count - k);
      Pass pass(*this, n, plan.tile_rows, start + k * s_.params);
      seconds += pass.train(k, steps);
    }
    return seconds;
  }

 private:
  template <class U>
  using Buffer = typename Space::template Buffer<U>;
  template <class U>
  using Staging = typename Space::template Staging<U>;

  // Staging buffer k (0 or 1) of at least n orders, kept for later passes.
  Staging<std::int32_t>& stage(int k, std::size_t n) {
    std::unique_ptr<Staging<std::int32_t>>& st = stages_[k];
    if (!st || st->size() < n) {
      st.reset();
      st = std::make_unique<Staging<std::int32_t>>(sp_.template staging<std::int32_t>(n));
    }
    return *st;
  }

  // One pass: n networks' arrays and one tile's buffers, trained together.
  class Pass {
   public:
    Pass(Ensemble& e, std::int64_t n, std::int64_t cap, const T* start) : e_(e), s_(e.s_), sp_(e.sp_), n_(n), cap_(cap) {
      const auto sz = [](std::int64_t v) { return static_cast<std::size_t>(v); };
      const std::int64_t P = s_.params;
      const int L = s_.layers();
      int widest = 0;
      for (int l = 1; l <= L; ++l) widest = std::max(widest, s_.widths[sz(l)]);
      w_ = buffer<T>(n * P), g_ = buffer<T>(n * P), m1_ = buffer<T>(n * P), m2_ = buffer<T>(n * P);
      z_.resize(sz(L + 1)), a_.resize(sz(L + 1));
      for (int l = 1; l <= L; ++l) {
        z_[sz(l)] = buffer<T>(n * cap * s_.widths[sz(l)]);
        if (l < L) a_[sz(l)] = buffer<T>(n * cap * s_.widths[sz(l)]);
      }
      delta_ = buffer<T>(n * cap * widest), back_ = buffer<T>(n * cap * widest);
      if (s_.batch > 0) {
        xg_ = buffer<T>(n * cap * s_.inputs()), yg_ = buffer<float>(n * cap);
        order_ = buffer<std::int32_t>(n * e.train_.rows);
      }
      ones_ = buffer<T>(cap);
      sp_.for_each(cap, Fill<T>{ones_.data(), T(1)});
      for (auto* b : {&loss_sum_, &gn2_, &wsq_, &res_loss_, &res_gn_}) *b = buffer<double>(n);
      for (auto* b : {&correct_, &steps_, &res_correct_}) *b = buffer<long long>(n);
      status_ = buffer<std::int8_t>(n);
      probe_out_ = buffer<T>(n * e.probe_.rows * s_.outputs());
      sp_.to_device(w_.data(), start, n * P);
      sp_.fill_bytes(m1_.data(), 0, sz(n * P) * sizeof(T));
      sp_.fill_bytes(m2_.data(), 0, sz(n * P) * sizeof(T));
      sp_.fill_bytes(status_.data(), kActive, sz(n));
      sp_.fill_bytes(steps_.data(), 0, sz(n) * sizeof(long long));
    }

    // Trains runs [first, first + n); with steps_limit >= 0, only that many
    // mini-batch steps and no end evaluation (the bench): returns the
    // seconds of the steps.
    double train(std::int64_t first, std::int64_t steps_limit) {
      return s_.batch > 0 ? minibatch(first, steps_limit) : full_batch(steps_limit);
    }

    // After train: the test set, the probe outputs, and everything home.
    void finish(T* end, RunResult* result, T* probe_outputs) {
      const auto sz = [](std::int64_t v) { return static_cast<std::size_t>(v); };
      const std::int64_t P = s_.params, K = s_.outputs();
      // The test set last among the evaluations: loss_sum_, correct_ and
      // wsq_ keep its sums (wsq_ of the end weights) for the copy home.
      const bool test = e_.test_.rows > 0;
      if (test) evaluate_shared(e_.test_, false);
      for (std::int64_t f = 0; f < e_.probe_.rows; f += cap_) {
        const std::int64_t r = std::min(cap_, e_.probe_.rows - f);
        forward(e_.probe_.x.data() + f * s_.inputs(), true, r);
        sp_.for_each(n_ * r, Link<T>{z_[sz(s_.layers())].data(), probe_out_.data(), static_cast<int>(K), r, cap_,
                                     e_.probe_.rows * K, f, s_.loss});
      }
      std::vector<double> loss(sz(n_)), gn(sz(n_)), test_sum(sz(n_)), wsq(sz(n_));
      std::vector<long long> correct(sz(n_)), steps(sz(n_)), test_correct(sz(n_));
      std::vector<std::int8_t> status(sz(n_));
      sp_.to_host(end, w_.data(), n_ * P);
      sp_.to_host(probe_outputs, probe_out_.data(), n_ * e_.probe_.rows * K);
      sp_.to_host(loss.data(), res_loss_.data(), n_);
      sp_.to_host(gn.data(), res_gn_.data(), n_);
      sp_.to_host(correct.data(), res_correct_.data(), n_);
      sp_.to_host(steps.data(), steps_.data(), n_);
      sp_.to_host(status.data(), status_.data(), n_);
      if (test) {
        sp_.to_host(test_sum.data(), loss_sum_.data(), n_);
        sp_.to_host(test_correct.data(), correct_.data(), n_);
        sp_.to_host(wsq.data(), wsq_.data(), n_);
      }
      sp_.sync();
      for (std::size_t k = 0; k < sz(n_); ++k) {
        RunResult& r = result[k];
        r.status = status[k];
        r.steps = steps[k];
        r.loss = loss[k];
        r.grad_norm = gn[k];
        r.correct = correct[k];
        if (test) {
          r.test_loss = mean_loss(test_sum[k], e_.test_.rows, s_.weight_decay, wsq[k]);
          r.test_correct = test_correct[k];
        }
      }
    }

   private:
    template <class U>
    Buffer<U> buffer(std::int64_t n) {
      return sp_.template buffer<U>(static_cast<std::size_t>(n));
    }

    // Full batch: evaluate, decide, update, until every training is done
    // (the bench: steps_limit evaluations and updates, timed).
    double full_batch(std::int64_t steps_limit) {
      T b1t(1), b2t(1);
      sp_.sync();
      const auto t0 = std::chrono::steady_clock::now();
      for (std::int64_t step = 0;; ++step) {
        if (step == steps_limit) {
          sp_.sync();
          return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        evaluate_shared(e_.train_, true);
        sp_.for_each(n_, Decide{step, s_.max_steps, s_.tol, e_.train_.rows, s_.weight_decay, sums(), outcomes(),
                                false});
        if (step >= s_.max_steps) break;
        update(step, b1t, b2t);
        if ((step + 1) % 32 == 0 && !any_active()) break;
      }
      return 0;
    }

    // Mini-batch SGD: per epoch the runs' batch orders, per batch the
    // gathered rows, their loss and gradient, a divergence check and the
    // update; a weight check at each epoch's end; the full-batch evaluation
    // at the end.
    double minibatch(std::int64_t first, std::int64_t steps_limit) {
      const auto sz = [](std::int64_t v) { return static_cast<std::size_t>(v); };
      const std::int64_t rows = e_.train_.rows, B = s_.batch;
      // The bench makes every epoch's orders before its clock starts, as
      // the CPU's bench does; a training makes each at its epoch.
      const std::int64_t per_epoch = batches_per_epoch(rows, B);
      const std::int64_t epochs =
          steps_limit >= 0 ? std::min(s_.epochs, (steps_limit + per_epoch - 1) / per_epoch) : s_.epochs;
      // A training of two epochs or more makes each epoch's orders on a
      // host thread of their own while the device runs the epoch before,
      // in the ensemble's two staging buffers in turn, so that neither the
      // making nor the copy waits for the device. The bench, and a training
      // of one epoch, make theirs beforehand in ordinary memory: a copy
      // from it has read it when it returns.
      const bool beside = steps_limit < 0 && epochs >= 2;
      std::vector<std::vector<std::int32_t>> before(sz(beside ? 0 : epochs));
      for (std::size_t k = 0; k < before.size(); ++k) {
        before[k].resize(sz(n_ * rows));
        e_.orders_(first, n_, static_cast<std::int64_t>(k), before[k].data());
      }
      Staging<std::int32_t>* stage[2] = {nullptr, nullptr};
      if (beside)
        for (int k = 0; k < 2; ++k) stage[k] = &e_.stage(k, sz(n_ * rows));
      std::future<void> making;  // its destructor waits for the maker, which writes a stage
      const auto make = [this, first](std::int64_t epoch, std::int32_t* out) { e_.orders_(first, n_, epoch, out); };
      if (beside) make(0, stage[0]->data());
      T b1t(1), b2t(1);
      std::int64_t step = 0;
      sp_.sync();
      const auto t0 = std::chrono::steady_clock::now();
      for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
        if (!beside) {
          sp_.to_device(order_.data(), before[sz(epoch)].data(), n_ * rows);
        } else {
          Staging<std::int32_t>& now = *stage[epoch % 2];
          if (making.valid()) making.get();  // this epoch's orders are made
          sp_.copy_staged(order_.data(), now, n_ * rows);
          if (epoch + 1 < epochs) {
            Staging<std::int32_t>& next = *stage[(epoch + 1) % 2];
            sp_.wait_staged(next);  // the epoch before has read its orders
            making = std::async(std::launch::async, make, epoch + 1, next.data());
          }
        }
        for (std::int64_t b = 0; b < rows; b += B, ++step) {
          if (steps_limit >= 0 && step >= steps_limit) break;
          evaluate_gathered(b, std::min(B, rows - b));
          sp_.for_each(n_, BatchCheck{step, std::min(B, rows - b), s_.weight_decay, sums(), outcomes()});
          update(step, b1t, b2t);
        }
        sp_.per_block(n_, FiniteWeights<T>{w_.data(), s_.params, step, outcomes()});
      }
      sp_.sync();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (steps_limit >= 0) return seconds;
      evaluate_shared(e_.train_, true);
      sp_.for_each(n_, Decide{step, s_.max_steps, s_.tol, rows, s_.weight_decay, sums(), outcomes(), true});
      return seconds;
    }

    // The optimizer's step `step` at the schedule's rate, as train_one takes it.
    void update(std::int64_t step, T& b1t, T& b2t) {
      const T lr = T(lr_at(s_.schedule, s_.opt.lr, step));
      sp_.for_each(n_ * s_.params, Update<T>{w_.data(), g_.data(), m1_.data(), m2_.data(), s_.params,
                                             status_.data(), s_.opt, lr, b1t, b2t});
      if (s_.opt.kind == OptimizerKind::kAdam) {
        b1t *= T(s_.opt.beta1);
        b2t *= T(s_.opt.beta2);
      }
    }

    bool any_active() {
      std::vector<std::int8_t> status(static_cast<std::size_t>(n_));
      sp_.to_host(status.data(), status_.data(), n_);
      sp_.sync();
      return std::find(status.begin(), status.end(), kActive) != status.end();
    }

    // Every network's loss (and gradient) over a whole data set shared by
    // the ensemble, in tiles of cap_ rows.
    void evaluate_shared(const DeviceRows<T, Space>& d, bool grad) {
      begin_sums();
      for (std::int64_t f = 0; f < d.rows; f += cap_) {
        const std::int64_t r = std::min(cap_, d.rows - f);
        tile(d.x.data() + f * s_.inputs(), d.y.data() + f, 0, true, r, d.rows, grad, f == 0);
      }
      end_sums(grad);
    }

    // Every network's loss and gradient over rows [b, b + rows) of its own
    // batch order, gathered tile by tile.
    void evaluate_gathered(std::int64_t b, std::int64_t rows) {
      begin_sums();
      for (std::int64_t f = 0; f < rows; f += cap_) {
        const std::int64_t r = std::min(cap_, rows - f);
        sp_.for_each(n_ * r * s_.inputs(), Gather<T>{xg_.data(), yg_.data(), e_.train_.x.data(), e_.train_.y.data(),
                                                     order_.data(), e_.train_.rows, b + f, r, cap_, s_.inputs()});
        tile(xg_.data(), yg_.data(), cap_, false, r, rows, true, f == 0);
      }
      end_sums(true);
    }

    void begin_sums() {
      sp_.fill_bytes(loss_sum_.data(), 0, static_cast<std::size_t>(n_) * sizeof(double));
      sp_.fill_bytes(correct_.data(), 0, static_cast<std::size_t>(n_) * sizeof(long long));
    }
    void end_sums(bool grad) {
      sp_.per_block(n_, Norms<T>{g_.data(), w_.data(), s_.params, s_.weight_decay, grad, gn2_.data(), wsq_.data()});
    }

    // One tile of r rows out of n_div: forward, loss, and (grad) backward
    // into g, overwriting it for the first tile, adding for the others.
    void tile(const T* x, const float* y, std::int64_t y_stride, bool shared, std::int64_t r, std::int64_t n_div,
              bool grad, bool first_tile) {
      const auto sz = [](std::int64_t v) { return static_cast<std::size_t>(v); };
      const int L = s_.layers();
      forward(x, shared, r);
      sp_.per_block(n_, TileLoss<T>{z_[sz(L)].data(), grad ? delta_.data() : nullptr, y, y_stride, s_.outputs(), r,
                                    cap_, n_div, s_.loss, loss_sum_.data(), correct_.data()});
      if (!grad) return;
      const T beta = first_tile ? T(0) : T(1);
      const int batch = static_cast<int>(n_);
      for (int l = L - 1; l >= 0; --l) {
        const LayerDims d = layer_dims(s_, l, r, cap_, l == 0 && shared);
        const T* input = l == 0 ? x : a_[sz(l)].data();
        T* gw = g_.data() + s_.offsets[sz(l)];
        sp_.gemm(weight_grad_gemm(d), input, delta_.data(), gw, beta, batch);
        sp_.gemm(bias_grad_gemm(d), delta_.data(), ones_.data(), gw + static_cast<std::int64_t>(d.in) * d.out, beta,
                 batch);
        if (l == 0) break;
        sp_.gemm(back_gemm(d), w_.data() + s_.offsets[sz(l)], delta_.data(), back_.data(), T(0), batch);
        sp_.for_each(n_ * r * d.in, ActBack<T>{delta_.data(), back_.data(), z_[sz(l)].data(), a_[sz(l)].data(), d.in,
                                               r, cap_, s_.activation});
      }
    }

    // z and a of every layer for r rows of input x (shared: one matrix for
    // all networks; else cap_ rows per network).
    void forward(const T* x, bool shared, std::int64_t r) {
      const auto sz = [](std::int64_t v) { return static_cast<std::size_t>(v); };
      const int L = s_.layers();
      for (int l = 0; l < L; ++l) {
        const LayerDims d = layer_dims(s_, l, r, cap_, l == 0 && shared);
        const T* input = l == 0 ? x : a_[sz(l)].data();
        T* z = z_[sz(l + 1)].data();
        sp_.gemm(forward_gemm(d), w_.data() + s_.offsets[sz(l)], input, z, T(0), static_cast<int>(n_));
        sp_.for_each(n_ * r * d.out, BiasAct<T>{z, l + 1 < L ? a_[sz(l + 1)].data() : nullptr, w_.data(),
                                                s_.offsets[sz(l)] + static_cast<std::int64_t>(d.in) * d.out,
                                                s_.params, d.out, r, cap_, s_.activation});
      }
    }

    EvalSums sums() const { return {loss_sum_.data(), correct_.data(), gn2_.data(), wsq_.data()}; }
    Outcomes outcomes() {
      return {status_.data(), steps_.data(), res_loss_.data(), res_gn_.data(), res_correct_.data()};
    }

    Ensemble& e_;
    const NetSpec& s_;
    Space& sp_;
    std::int64_t n_, cap_;
    Buffer<T> w_, g_, m1_, m2_, delta_, back_, xg_, ones_, probe_out_;
    std::vector<Buffer<T>> z_, a_;
    Buffer<float> yg_;
    Buffer<std::int32_t> order_;
    Buffer<double> loss_sum_, gn2_, wsq_, res_loss_, res_gn_;
    Buffer<long long> correct_, steps_, res_correct_;
    Buffer<std::int8_t> status_;
  };

  void upload(const HostRows<T>& h, DeviceRows<T, Space>& d) {
    d.rows = h.rows;
    if (h.rows == 0) return;
    const std::int64_t F = s_.inputs();
    d.x = sp_.template buffer<T>(static_cast<std::size_t>(h.rows * F));
    d.y = sp_.template buffer<float>(static_cast<std::size_t>(h.rows));
    sp_.to_device(d.x.data(), h.x, h.rows * F);
    sp_.to_device(d.y.data(), h.y, h.rows);
  }

  // Networks per pass and rows per tile in half of the memory free.
  EnsemblePlan plan_for(std::int64_t count) {
    const std::int64_t max_rows = std::max({train_.rows, test_.rows, probe_.rows});
    return plan_ensemble(count, max_rows, network_bytes(s_, train_.rows, probe_.rows, sizeof(T)),
                         row_bytes(s_, s_.batch > 0, sizeof(T)), sp_.free_bytes() / 2);
  }

  // The space first: its buffers below are released before it.
  Space sp_;
  NetSpec s_;
  OrderSource orders_;
  DeviceRows<T, Space> train_, test_, probe_;
  std::unique_ptr<Staging<std::int32_t>> stages_[2];  // a training's batch orders (Pass::minibatch)
};

}  // namespace TRILO_ENSEMBLE_NS
}  // namespace trilo::nn
