// Ensembles of networks trained on the GPU (src/nn/ensemble_plan.hpp): the
// weights of n networks as one n x P array, every matrix product of a step
// one cuBLAS strided-batched GEMM across the ensemble (shapes from the
// plan), the element-wise parts in small kernels that call the functions
// the CPU calls (nn/elementwise.hpp, core/optimizers.hpp). Per-network sums
// (loss, gradient norm) are reduced by one block per network in a fixed
// order, so a training is the same on every run of the same device.
#include <cublas_v2.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda_backend.hpp"
#include "nn/ensemble_plan.hpp"

namespace trilo::nn {
namespace {

using cuda::copy_to_device_async;
using cuda::copy_to_host_async;
using cuda::DeviceBuffer;
using cuda::launch_blocks;

#define TRILO_CUBLAS_CHECK(call)                                                                   \
  do {                                                                                             \
    const cublasStatus_t trilo_cublas_status_ = (call);                                            \
    if (trilo_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                             \
      throw std::runtime_error(std::string("cuBLAS error ") + std::to_string(trilo_cublas_status_) + \
                               " at " + __FILE__ + ":" + std::to_string(__LINE__) + " (" #call ")"); \
  } while (0)

constexpr int kBlock = 256;
constexpr std::int8_t kActive = kRunning;
constexpr std::int8_t kDiverged = 2;

// ---- cuBLAS ------------------------------------------------------------------

cublasStatus_t gemm(cublasHandle_t h, const GemmShape& s, const float* a, const float* b, float* c, float beta,
                    int batch) {
  const float one = 1;
  return cublasSgemmStridedBatched(h, s.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, s.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                   s.m, s.n, s.k, &one, a, s.lda, s.stride_a, b, s.ldb, s.stride_b, &beta, c,
                                   s.ldc, s.stride_c, batch);
}
cublasStatus_t gemm(cublasHandle_t h, const GemmShape& s, const double* a, const double* b, double* c,
                    double beta, int batch) {
  const double one = 1;
  return cublasDgemmStridedBatched(h, s.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, s.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                   s.m, s.n, s.k, &one, a, s.lda, s.stride_a, b, s.ldb, s.stride_b, &beta, c,
                                   s.ldc, s.stride_c, batch);
}

// ---- kernels -------------------------------------------------------------------

// Sums `v` over the block in a fixed tree; thread 0 gets the total.
template <class V>
__device__ V block_sum(V v, V* shared) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int half = kBlock / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) shared[threadIdx.x] += shared[threadIdx.x + half];
    __syncthreads();
  }
  return shared[0];
}

// The index of element (net, row, unit) of a layer buffer.
__device__ __forceinline__ std::int64_t at(std::int64_t net, std::int64_t row, int unit, std::int64_t cap,
                                           int width) {
  return (net * cap + row) * width + unit;
}

// z += b (the GEMM wrote input W^T), and a = act(z) for a hidden layer.
template <class T>
__global__ void bias_act_kernel(T* z, T* a, const T* w, std::int64_t bias_at, std::int64_t params, int width,
                                std::int64_t rows, std::int64_t cap, std::int64_t nets, Activation f) {
  const std::int64_t total = nets * rows * width;
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < total;
       i += std::int64_t(gridDim.x) * blockDim.x) {
    const int unit = static_cast<int>(i % width);
    const std::int64_t row = (i / width) % rows, net = i / (width * rows);
    const std::int64_t k = at(net, row, unit, cap, width);
    z[k] += w[net * params + bias_at + unit];
    if (a) a[k] = act(f, z[k]);
  }
}

// delta = back act'(z) at a hidden layer.
template <class T>
__global__ void act_back_kernel(T* delta, const T* back, const T* z, const T* a, int width, std::int64_t rows,
                                std::int64_t cap, std::int64_t nets, Activation f) {
  const std::int64_t total = nets * rows * width;
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < total;
       i += std::int64_t(gridDim.x) * blockDim.x) {
    const int unit = static_cast<int>(i % width);
    const std::int64_t row = (i / width) % rows, net = i / (width * rows);
    const std::int64_t k = at(net, row, unit, cap, width);
    delta[k] = back[k] * act_d1(f, z[k], a[k]);
  }
}

// One block per network: the loss of the tile's rows (mse: averaged over
// the K outputs) added to loss_sum and the rows classified right to
// correct; delta (the gradient of the mean over n_div rows, with respect to
// the logits) when it is not null.
// Labels: y[net * y_stride + row].
template <class T>
__global__ void loss_kernel(const T* z, T* delta, const float* y, std::int64_t y_stride, int K, std::int64_t rows,
                            std::int64_t cap, std::int64_t n_div, LossKind kind, double* loss_sum,
                            long long* correct) {
  __shared__ double sums[kBlock];
  __shared__ long long counts[kBlock];
  const std::int64_t net = blockIdx.x;
  double s = 0;
  long long c = 0;
  for (std::int64_t r = threadIdx.x; r < rows; r += kBlock) {
    const std::int64_t k = at(net, r, 0, cap, K);
    c += row_loss(kind, z + k, K, y[net * y_stride + r], n_div, delta ? delta + k : nullptr, s);
  }
  s = block_sum(s, sums);
  c = block_sum(c, counts);
  if (threadIdx.x == 0) {
    loss_sum[net] += kind == LossKind::kMse ? s / K : s;  // mse: the mean over the outputs too
    correct[net] += c;
  }
}

// One block per network, after the tiles: the L2 term's gradient added to
// g (when grad), |g|^2 and |w|^2 in float64.
template <class T>
__global__ void finish_kernel(T* g, const T* w, std::int64_t params, double weight_decay, bool grad, double* gn2,
                              double* wsq) {
  __shared__ double sums[kBlock];
  const std::int64_t net = blockIdx.x;
  const T lam = T(weight_decay);
  double sg = 0, sw = 0;
  for (std::int64_t j = threadIdx.x; j < params; j += kBlock) {
    const std::int64_t k = net * params + j;
    const double wj = static_cast<double>(w[k]);
    sw += wj * wj;
    if (grad) {
      if (weight_decay != 0) g[k] += lam * w[k];
      const double gj = static_cast<double>(g[k]);
      sg += gj * gj;
    }
  }
  sg = block_sum(sg, sums);
  __syncthreads();
  sw = block_sum(sw, sums);
  if (threadIdx.x == 0) {
    gn2[net] = sg;
    wsq[net] = sw;
  }
}

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
__global__ void decide_kernel(std::int64_t nets, std::int64_t step, std::int64_t max_steps, double tol,
                              std::int64_t n, double weight_decay, EvalSums e, Outcomes o, bool final_eval) {
  const std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x;
  if (i >= nets || o.status[i] != kActive) return;
  const double loss = mean_loss(e.loss_sum[i], n, weight_decay, e.wsq[i]);
  const double gn = ::sqrt(e.gn2[i]);
  const std::int8_t v = final_eval ? final_verdict(gn, tol) : full_batch_verdict(loss, gn, tol, step, max_steps);
  if (v == kActive) return;
  o.status[i] = v;
  o.steps[i] = step;
  if (v == kDiverged) return;
  o.loss[i] = loss;
  o.grad_norm[i] = gn;
  o.correct[i] = e.correct[i];
}

// Mini-batch, at step `step`: diverged when the batch's loss is not finite.
__global__ void batch_check_kernel(std::int64_t nets, std::int64_t step, std::int64_t n, double weight_decay,
                                   EvalSums e, Outcomes o) {
  const std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x;
  if (i >= nets || o.status[i] != kActive) return;
  if (!isfinite(mean_loss(e.loss_sum[i], n, weight_decay, e.wsq[i]))) {
    o.status[i] = kDiverged;
    o.steps[i] = step;
  }
}

// One block per network at the end of an epoch: diverged when a weight is
// not finite.
template <class T>
__global__ void finite_kernel(const T* w, std::int64_t params, std::int64_t step, Outcomes o) {
  __shared__ int bad[kBlock];
  const std::int64_t net = blockIdx.x;
  int b = 0;
  for (std::int64_t j = threadIdx.x; j < params; j += kBlock) b |= !isfinite(static_cast<double>(w[net * params + j]));
  b = block_sum(b, bad);
  if (threadIdx.x == 0 && b != 0 && o.status[net] == kActive) {
    o.status[net] = kDiverged;
    o.steps[net] = step;
  }
}

// The optimizer's update of every weight of the trainings still on; b1t
// and b2t are Adam's running powers before this step (equal across the
// ensemble, whose trainings all took the same steps).
template <class T>
__global__ void update_kernel(T* w, const T* g, T* m1, T* m2, std::int64_t params, std::int64_t nets,
                              const std::int8_t* status, OptimizerParams p, T lr, T b1t, T b2t) {
  const std::int64_t total = nets * params;
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < total;
       i += std::int64_t(gridDim.x) * blockDim.x) {
    if (status[i / params] != kActive) continue;
    T b1 = b1t, b2 = b2t;
    optimizer_update(p, lr, m1 + i, m2 + i, b1, b2, 1, g + i, w + i);
  }
}

// Each network's batch rows [first, first + rows) of its order into xg, yg.
template <class T>
__global__ void gather_kernel(T* xg, float* yg, const T* x, const float* y, const std::int32_t* order,
                              std::int64_t order_rows, std::int64_t first, std::int64_t rows, std::int64_t cap,
                              int features, std::int64_t nets) {
  const std::int64_t total = nets * rows * features;
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < total;
       i += std::int64_t(gridDim.x) * blockDim.x) {
    const int f = static_cast<int>(i % features);
    const std::int64_t r = (i / features) % rows, net = i / (features * rows);
    const std::int64_t src = order[net * order_rows + first + r];
    xg[at(net, r, f, cap, features)] = x[src * features + f];
    if (f == 0) yg[net * cap + r] = y[src];
  }
}

// The outputs through the link for rows [first, first + rows) of the probe set.
template <class T>
__global__ void link_kernel(const T* z, T* out, int K, std::int64_t rows, std::int64_t cap, std::int64_t nets,
                            std::int64_t out_stride, std::int64_t first, LossKind kind) {
  const std::int64_t total = nets * rows;
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < total;
       i += std::int64_t(gridDim.x) * blockDim.x) {
    const std::int64_t r = i % rows, net = i / rows;
    link_row(kind, z + at(net, r, 0, cap, K), K, out + net * out_stride + (first + r) * K);
  }
}

template <class T>
__global__ void fill_kernel(T* x, std::int64_t n, T v) {
  for (std::int64_t i = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; i < n;
       i += std::int64_t(gridDim.x) * blockDim.x)
    x[i] = v;
}

// ---- the host side ---------------------------------------------------------------

// A data set on the device.
template <class T>
struct DeviceRows {
  DeviceBuffer<T> x;
  DeviceBuffer<float> y;
  std::int64_t rows = 0;
};

template <class T>
class CudaEnsemble final : public DeviceEnsemble<T> {
 public:
  CudaEnsemble(const NetSpec& spec, const HostRows<T>& train, const HostRows<T>& test, const HostRows<T>& probe,
               OrderSource orders, int device)
      : s_(spec), orders_(std::move(orders)), device_(device) {
    TRILO_CUDA_CHECK(cudaSetDevice(device_));
    cudaDeviceProp prop{};
    TRILO_CUDA_CHECK(cudaGetDeviceProperties(&prop, device_));
    name_ = prop.name;
    TRILO_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    TRILO_CUBLAS_CHECK(cublasCreate(&blas_));
    TRILO_CUBLAS_CHECK(cublasSetStream(blas_, stream_));
    upload(train, train_);
    upload(test, test_);
    upload(probe, probe_);
    TRILO_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  ~CudaEnsemble() override {
    train_ = {}, test_ = {}, probe_ = {};
    if (blas_) (void)cublasDestroy(blas_);
    if (stream_) {
      (void)cudaStreamSynchronize(stream_);
      (void)cudaStreamDestroy(stream_);
    }
  }
  CudaEnsemble(const CudaEnsemble&) = delete;
  CudaEnsemble& operator=(const CudaEnsemble&) = delete;

  std::string device() const override { return name_; }

  void train(std::int64_t first, std::int64_t count, const T* start, T* end, RunResult* result,
             T* probe_outputs) override {
    TRILO_CUDA_CHECK(cudaSetDevice(device_));
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
    TRILO_CUDA_CHECK(cudaSetDevice(device_));
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
  // One pass: n networks' arrays and one tile's buffers, trained together.
  class Pass {
   public:
    Pass(CudaEnsemble& e, std::int64_t n, std::int64_t cap, const T* start)
        : e_(e), s_(e.s_), n_(n), cap_(cap), st_(e.stream_) {
      const auto sz = [](std::int64_t v) { return static_cast<std::size_t>(v); };
      const std::int64_t P = s_.params;
      const int L = s_.layers();
      int widest = 0;
      for (int l = 1; l <= L; ++l) widest = std::max(widest, s_.widths[sz(l)]);
      w_ = DeviceBuffer<T>(sz(n * P), st_), g_ = DeviceBuffer<T>(sz(n * P), st_);
      m1_ = DeviceBuffer<T>(sz(n * P), st_), m2_ = DeviceBuffer<T>(sz(n * P), st_);
      z_.resize(sz(L + 1)), a_.resize(sz(L + 1));
      for (int l = 1; l <= L; ++l) {
        z_[sz(l)] = DeviceBuffer<T>(sz(n * cap * s_.widths[sz(l)]), st_);
        if (l < L) a_[sz(l)] = DeviceBuffer<T>(sz(n * cap * s_.widths[sz(l)]), st_);
      }
      delta_ = DeviceBuffer<T>(sz(n * cap * widest), st_), back_ = DeviceBuffer<T>(sz(n * cap * widest), st_);
      if (s_.batch > 0) {
        xg_ = DeviceBuffer<T>(sz(n * cap * s_.inputs()), st_), yg_ = DeviceBuffer<float>(sz(n * cap), st_);
        order_ = DeviceBuffer<std::int32_t>(sz(n * e.train_.rows), st_);
      }
      ones_ = DeviceBuffer<T>(sz(cap), st_);
      fill_kernel<<<launch_blocks(cap, kBlock), kBlock, 0, st_>>>(ones_.data(), cap, T(1));
      for (auto* b : {&loss_sum_, &gn2_, &wsq_, &res_loss_, &res_gn_})
        *b = DeviceBuffer<double>(sz(n), st_);
      for (auto* b : {&correct_, &steps_, &res_correct_}) *b = DeviceBuffer<long long>(sz(n), st_);
      status_ = DeviceBuffer<std::int8_t>(sz(n), st_);
      probe_out_ = DeviceBuffer<T>(sz(n * e.probe_.rows * s_.outputs()), st_);
      copy_to_device_async(w_.data(), start, n * P, st_);
      TRILO_CUDA_CHECK(cudaMemsetAsync(m1_.data(), 0, sz(n * P) * sizeof(T), st_));
      TRILO_CUDA_CHECK(cudaMemsetAsync(m2_.data(), 0, sz(n * P) * sizeof(T), st_));
      TRILO_CUDA_CHECK(cudaMemsetAsync(status_.data(), kActive, sz(n), st_));
      TRILO_CUDA_CHECK(cudaMemsetAsync(steps_.data(), 0, sz(n) * sizeof(long long), st_));
      TRILO_CUDA_CHECK(cudaGetLastError());
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
        link_kernel<<<launch_blocks(n_ * r, kBlock), kBlock, 0, st_>>>(
            z_[sz(s_.layers())].data(), probe_out_.data(), static_cast<int>(K), r, cap_, n_, e_.probe_.rows * K, f,
            s_.loss);
        TRILO_CUDA_CHECK(cudaGetLastError());
      }
      std::vector<double> loss(sz(n_)), gn(sz(n_)), test_sum(sz(n_)), wsq(sz(n_));
      std::vector<long long> correct(sz(n_)), steps(sz(n_)), test_correct(sz(n_));
      std::vector<std::int8_t> status(sz(n_));
      copy_to_host_async(end, w_.data(), n_ * P, st_);
      copy_to_host_async(probe_outputs, probe_out_.data(), n_ * e_.probe_.rows * K, st_);
      copy_to_host_async(loss.data(), res_loss_.data(), n_, st_);
      copy_to_host_async(gn.data(), res_gn_.data(), n_, st_);
      copy_to_host_async(correct.data(), res_correct_.data(), n_, st_);
      copy_to_host_async(steps.data(), steps_.data(), n_, st_);
      copy_to_host_async(status.data(), status_.data(), n_, st_);
      if (test) {
        copy_to_host_async(test_sum.data(), loss_sum_.data(), n_, st_);
        copy_to_host_async(test_correct.data(), correct_.data(), n_, st_);
        copy_to_host_async(wsq.data(), wsq_.data(), n_, st_);
      }
      TRILO_CUDA_CHECK(cudaStreamSynchronize(st_));
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
    // Full batch: evaluate, decide, update, until every training is done
    // (the bench: steps_limit evaluations and updates, timed).
    double full_batch(std::int64_t steps_limit) {
      T b1t(1), b2t(1);
      TRILO_CUDA_CHECK(cudaStreamSynchronize(st_));
      const auto t0 = std::chrono::steady_clock::now();
      for (std::int64_t step = 0;; ++step) {
        if (step == steps_limit) {
          TRILO_CUDA_CHECK(cudaStreamSynchronize(st_));
          return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        evaluate_shared(e_.train_, true);
        decide_kernel<<<launch_blocks(n_, kBlock), kBlock, 0, st_>>>(
            n_, step, s_.max_steps, s_.tol, e_.train_.rows, s_.weight_decay, sums(), outcomes(), false);
        TRILO_CUDA_CHECK(cudaGetLastError());
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
      const std::int64_t epochs =
          steps_limit >= 0 ? std::min(s_.epochs, (steps_limit + batches_per_epoch(rows, B) - 1) / batches_per_epoch(rows, B))
                           : s_.epochs;
      std::vector<std::vector<std::int32_t>> host_orders(sz(steps_limit >= 0 ? epochs : 1));
      for (std::size_t k = 0; k < host_orders.size(); ++k) {
        host_orders[k].resize(sz(n_ * rows));
        if (steps_limit >= 0) e_.orders_(first, n_, static_cast<std::int64_t>(k), host_orders[k].data());
      }
      T b1t(1), b2t(1);
      std::int64_t step = 0;
      TRILO_CUDA_CHECK(cudaStreamSynchronize(st_));
      const auto t0 = std::chrono::steady_clock::now();
      for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
        std::vector<std::int32_t>& host_order = host_orders[steps_limit >= 0 ? sz(epoch) : 0];
        if (steps_limit < 0) e_.orders_(first, n_, epoch, host_order.data());
        copy_to_device_async(order_.data(), host_order.data(), n_ * rows, st_);
        for (std::int64_t b = 0; b < rows; b += B, ++step) {
          if (steps_limit >= 0 && step >= steps_limit) break;
          evaluate_gathered(b, std::min(B, rows - b));
          batch_check_kernel<<<launch_blocks(n_, kBlock), kBlock, 0, st_>>>(n_, step, std::min(B, rows - b),
                                                                             s_.weight_decay, sums(), outcomes());
          TRILO_CUDA_CHECK(cudaGetLastError());
          update(step, b1t, b2t);
        }
        finite_kernel<<<static_cast<unsigned>(n_), kBlock, 0, st_>>>(w_.data(), s_.params, step, outcomes());
        TRILO_CUDA_CHECK(cudaGetLastError());
      }
      TRILO_CUDA_CHECK(cudaStreamSynchronize(st_));
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (steps_limit >= 0) return seconds;
      evaluate_shared(e_.train_, true);
      decide_kernel<<<launch_blocks(n_, kBlock), kBlock, 0, st_>>>(n_, step, s_.max_steps, s_.tol, rows,
                                                                   s_.weight_decay, sums(), outcomes(), true);
      TRILO_CUDA_CHECK(cudaGetLastError());
      return seconds;
    }

    // The optimizer's step `step` at the schedule's rate, as train_one takes it.
    void update(std::int64_t step, T& b1t, T& b2t) {
      const T lr = T(lr_at(s_.schedule, s_.opt.lr, step));
      update_kernel<<<launch_blocks(n_ * s_.params, kBlock), kBlock, 0, st_>>>(
          w_.data(), g_.data(), m1_.data(), m2_.data(), s_.params, n_, status_.data(), s_.opt, lr, b1t, b2t);
      TRILO_CUDA_CHECK(cudaGetLastError());
      if (s_.opt.kind == OptimizerKind::kAdam) {
        b1t *= T(s_.opt.beta1);
        b2t *= T(s_.opt.beta2);
      }
    }

    bool any_active() {
      std::vector<std::int8_t> status(static_cast<std::size_t>(n_));
      copy_to_host_async(status.data(), status_.data(), n_, st_);
      TRILO_CUDA_CHECK(cudaStreamSynchronize(st_));
      return std::find(status.begin(), status.end(), kActive) != status.end();
    }

    // Every network's loss (and gradient) over a whole data set shared by
    // the ensemble, in tiles of cap_ rows.
    void evaluate_shared(const DeviceRows<T>& d, bool grad) {
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
        gather_kernel<<<launch_blocks(n_ * r * s_.inputs(), kBlock), kBlock, 0, st_>>>(
            xg_.data(), yg_.data(), e_.train_.x.data(), e_.train_.y.data(), order_.data(), e_.train_.rows, b + f, r,
            cap_, s_.inputs(), n_);
        TRILO_CUDA_CHECK(cudaGetLastError());
        tile(xg_.data(), yg_.data(), cap_, false, r, rows, true, f == 0);
      }
      end_sums(true);
    }

    void begin_sums() {
      TRILO_CUDA_CHECK(cudaMemsetAsync(loss_sum_.data(), 0, static_cast<std::size_t>(n_) * sizeof(double), st_));
      TRILO_CUDA_CHECK(cudaMemsetAsync(correct_.data(), 0, static_cast<std::size_t>(n_) * sizeof(long long), st_));
    }
    void end_sums(bool grad) {
      finish_kernel<<<static_cast<unsigned>(n_), kBlock, 0, st_>>>(g_.data(), w_.data(), s_.params,
                                                                  s_.weight_decay, grad, gn2_.data(), wsq_.data());
      TRILO_CUDA_CHECK(cudaGetLastError());
    }

    // One tile of r rows out of n_div: forward, loss, and (grad) backward
    // into g, overwriting it for the first tile, adding for the others.
    void tile(const T* x, const float* y, std::int64_t y_stride, bool shared, std::int64_t r, std::int64_t n_div,
              bool grad, bool first_tile) {
      const auto sz = [](std::int64_t v) { return static_cast<std::size_t>(v); };
      const int L = s_.layers();
      forward(x, shared, r);
      loss_kernel<<<static_cast<unsigned>(n_), kBlock, 0, st_>>>(z_[sz(L)].data(), grad ? delta_.data() : nullptr,
                                                                 y, y_stride, s_.outputs(), r, cap_, n_div, s_.loss,
                                                                 loss_sum_.data(), correct_.data());
      TRILO_CUDA_CHECK(cudaGetLastError());
      if (!grad) return;
      const T beta = first_tile ? T(0) : T(1);
      const int batch = static_cast<int>(n_);
      for (int l = L - 1; l >= 0; --l) {
        const LayerDims d = layer_dims(s_, l, r, cap_, l == 0 && shared);
        const T* input = l == 0 ? x : a_[sz(l)].data();
        T* gw = g_.data() + s_.offsets[sz(l)];
        TRILO_CUBLAS_CHECK(gemm(e_.blas_, weight_grad_gemm(d), input, delta_.data(), gw, beta, batch));
        TRILO_CUBLAS_CHECK(gemm(e_.blas_, bias_grad_gemm(d), delta_.data(), ones_.data(),
                                gw + static_cast<std::int64_t>(d.in) * d.out, beta, batch));
        if (l == 0) break;
        TRILO_CUBLAS_CHECK(gemm(e_.blas_, back_gemm(d), w_.data() + s_.offsets[sz(l)], delta_.data(), back_.data(),
                                T(0), batch));
        act_back_kernel<<<launch_blocks(n_ * r * d.in, kBlock), kBlock, 0, st_>>>(
            delta_.data(), back_.data(), z_[sz(l)].data(), a_[sz(l)].data(), d.in, r, cap_, n_, s_.activation);
        TRILO_CUDA_CHECK(cudaGetLastError());
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
        TRILO_CUBLAS_CHECK(
            gemm(e_.blas_, forward_gemm(d), w_.data() + s_.offsets[sz(l)], input, z, T(0), static_cast<int>(n_)));
        bias_act_kernel<<<launch_blocks(n_ * r * d.out, kBlock), kBlock, 0, st_>>>(
            z, l + 1 < L ? a_[sz(l + 1)].data() : nullptr, w_.data(),
            s_.offsets[sz(l)] + static_cast<std::int64_t>(d.in) * d.out, s_.params, d.out, r, cap_, n_,
            s_.activation);
        TRILO_CUDA_CHECK(cudaGetLastError());
      }
    }

    EvalSums sums() const { return {loss_sum_.data(), correct_.data(), gn2_.data(), wsq_.data()}; }
    Outcomes outcomes() {
      return {status_.data(), steps_.data(), res_loss_.data(), res_gn_.data(), res_correct_.data()};
    }

    CudaEnsemble& e_;
    const NetSpec& s_;
    std::int64_t n_, cap_;
    cudaStream_t st_;
    DeviceBuffer<T> w_, g_, m1_, m2_, delta_, back_, xg_, ones_, probe_out_;
    std::vector<DeviceBuffer<T>> z_, a_;
    DeviceBuffer<float> yg_;
    DeviceBuffer<std::int32_t> order_;
    DeviceBuffer<double> loss_sum_, gn2_, wsq_, res_loss_, res_gn_;
    DeviceBuffer<long long> correct_, steps_, res_correct_;
    DeviceBuffer<std::int8_t> status_;
  };

  void upload(const HostRows<T>& h, DeviceRows<T>& d) {
    d.rows = h.rows;
    if (h.rows == 0) return;
    const std::int64_t F = s_.inputs();
    d.x = DeviceBuffer<T>(static_cast<std::size_t>(h.rows * F), stream_);
    d.y = DeviceBuffer<float>(static_cast<std::size_t>(h.rows), stream_);
    copy_to_device_async(d.x.data(), h.x, h.rows * F, stream_);
    copy_to_device_async(d.y.data(), h.y, h.rows, stream_);
  }

  // Networks per pass and rows per tile in half of the device's free memory.
  EnsemblePlan plan_for(std::int64_t count) const {
    std::size_t free_bytes = 0, total_bytes = 0;
    TRILO_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    const std::int64_t max_rows = std::max({train_.rows, test_.rows, probe_.rows});
    return plan_ensemble(count, max_rows, network_bytes(s_, train_.rows, probe_.rows, sizeof(T)),
                         row_bytes(s_, s_.batch > 0, sizeof(T)), free_bytes / 2);
  }

  NetSpec s_;
  OrderSource orders_;
  int device_;
  std::string name_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  DeviceRows<T> train_, test_, probe_;
};

// The device of a rank (its node-local index), modulo the devices present.
int pick_device(int device) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    (void)cudaGetLastError();
    throw std::runtime_error("--backend cuda: no CUDA device is present");
  }
  return (device < 0 ? 0 : device) % n;
}

template <class T>
std::unique_ptr<DeviceEnsemble<T>> make(const NetSpec& spec, const HostRows<T>& train, const HostRows<T>& test,
                                        const HostRows<T>& probe, OrderSource orders, int device) {
  return std::make_unique<CudaEnsemble<T>>(spec, train, test, probe, std::move(orders), pick_device(device));
}

}  // namespace

std::string cuda_device_name(int device) {
  cudaDeviceProp prop{};
  TRILO_CUDA_CHECK(cudaGetDeviceProperties(&prop, pick_device(device)));
  return prop.name;
}

std::unique_ptr<DeviceEnsemble<float>> make_device_ensemble(const NetSpec& spec, const HostRows<float>& train,
                                                            const HostRows<float>& test,
                                                            const HostRows<float>& probe, OrderSource orders,
                                                            int device) {
  return make(spec, train, test, probe, std::move(orders), device);
}

std::unique_ptr<DeviceEnsemble<double>> make_device_ensemble(const NetSpec& spec, const HostRows<double>& train,
                                                             const HostRows<double>& test,
                                                             const HostRows<double>& probe, OrderSource orders,
                                                             int device) {
  return make(spec, train, test, probe, std::move(orders), device);
}

}  // namespace trilo::nn
