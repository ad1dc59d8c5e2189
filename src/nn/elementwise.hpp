// The element-wise parts of a network's evaluation, written once for both
// backends: the hidden activations and their derivatives, the loss of one
// row of logits with its gradient, and the loss's link (softmax, sigmoid or
// identity). The CPU's model (src/nn/model.cpp) and the GPU's ensemble
// kernels (kernels/network_train.cu) call these same functions, so the two
// differ only in the rounding of their matrix products and math libraries.
#pragma once

#include <cstdint>

#include "core/hd.hpp"

namespace trilo::nn {

enum class Activation { kSigmoid, kTanh, kRelu, kGelu, kIdentity };
enum class LossKind { kMse, kBce, kXent };

// The scalar functions (exp, log, tanh, erf, log1p, fabs) are core/hd.hpp's
// float and double overloads, on host and device.
namespace math {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

}  // namespace math

// The activation's value at z.
template <class T>
TRILO_HD_INLINE T act(Activation a, T z) {
  switch (a) {
    case Activation::kSigmoid: return T(1) / (T(1) + trilo::exp(-z));
    case Activation::kTanh: return trilo::tanh(z);
    case Activation::kRelu: return z > T(0) ? z : T(0);
    case Activation::kGelu: return T(0.5) * z * (T(1) + trilo::erf(z * T(math::kInvSqrt2)));
    case Activation::kIdentity: return z;
  }
  return z;
}

// d act / dz, from z and the activation's value s = act(z).
template <class T>
TRILO_HD_INLINE T act_d1(Activation a, T z, T s) {
  switch (a) {
    case Activation::kSigmoid: return s * (T(1) - s);
    case Activation::kTanh: return T(1) - s * s;
    case Activation::kRelu: return z > T(0) ? T(1) : T(0);
    case Activation::kGelu:
      return T(0.5) * (T(1) + trilo::erf(z * T(math::kInvSqrt2))) +
             z * T(math::kInvSqrt2Pi) * trilo::exp(T(-0.5) * z * z);
    case Activation::kIdentity: return T(1);
  }
  return T(1);
}

// d^2 act / dz^2, from z and s = act(z).
template <class T>
TRILO_HD_INLINE T act_d2(Activation a, T z, T s) {
  switch (a) {
    case Activation::kSigmoid: return s * (T(1) - s) * (T(1) - T(2) * s);
    case Activation::kTanh: return T(-2) * s * (T(1) - s * s);
    case Activation::kRelu: return T(0);
    case Activation::kGelu: return T(math::kInvSqrt2Pi) * trilo::exp(T(-0.5) * z * z) * (T(2) - z * z);
    case Activation::kIdentity: return T(0);
  }
  return T(0);
}

// One row of a batch of n rows: its K logits z, its label y. Adds the row's
// loss to `sum` in float64 (mse: each output's squared error, the caller
// divides the total by K), writes the gradient of the batch's mean loss
// with respect to the logits into delta when it is not null, and returns
// whether the row is classified right: xent by the argmax, bce by the sign
// of the logit, mse by the argmax (K > 1) or the rounded output (K = 1).
//   xent: log-sum-exp(z) - z[y], shifted by the largest logit;
//   bce:  softplus(z) - y z, as max(z, 0) - y z + log1p(exp(-|z|));
//   mse:  sum_k (z_k - t_k)^2 with t one-hot (K > 1) or y (K = 1).
template <class T>
TRILO_HD_INLINE bool row_loss(LossKind kind, const T* z, int K, float y, std::int64_t n, T* delta,
                              double& sum) {
  switch (kind) {
    case LossKind::kXent: {
      const int c = static_cast<int>(y);
      int arg = 0;
      T mx = z[0];
      for (int k = 1; k < K; ++k)
        if (z[k] > mx) mx = z[k], arg = k;
      T se(0);
      for (int k = 0; k < K; ++k) {  // each exponential once: kept in delta until scaled
        const T e = trilo::exp(z[k] - mx);
        se += e;
        if (delta) delta[k] = e;
      }
      sum += static_cast<double>(mx + trilo::log(se) - z[c]);
      if (delta) {
        const T inv = T(1) / (se * T(n));
        for (int k = 0; k < K; ++k) delta[k] *= inv;
        delta[c] -= T(1) / T(n);
      }
      return arg == c;
    }
    case LossKind::kBce: {
      const T v = z[0], t = T(y);
      sum += static_cast<double>((v > T(0) ? v : T(0)) - t * v + trilo::log1p(trilo::exp(-trilo::fabs(v))));
      if (delta) {
        const T s = v >= T(0) ? T(1) / (T(1) + trilo::exp(-v)) : trilo::exp(v) / (T(1) + trilo::exp(v));
        delta[0] = (s - t) / T(n);
      }
      return (v > T(0) ? 1.0f : 0.0f) == y;
    }
    case LossKind::kMse: {
      int arg = 0;
      for (int k = 0; k < K; ++k) {
        const T t = K == 1 ? T(y) : T(k == static_cast<int>(y) ? 1 : 0);
        const T d = z[k] - t;
        sum += static_cast<double>(d * d);
        if (z[k] > z[arg]) arg = k;
        if (delta) delta[k] = T(2) * d / T(n * K);
      }
      return K == 1 ? ::nearbyint(static_cast<double>(z[0])) == static_cast<double>(y) : arg == static_cast<int>(y);
    }
  }
  return false;
}

// The network's outputs through the loss's link, for one row of K logits:
// softmax probabilities (xent), the sigmoid (bce), the logits (mse).
template <class T>
TRILO_HD_INLINE void link_row(LossKind kind, const T* z, int K, T* out) {
  switch (kind) {
    case LossKind::kXent: {
      T mx = z[0];
      for (int k = 1; k < K; ++k) mx = z[k] > mx ? z[k] : mx;
      T se(0);
      for (int k = 0; k < K; ++k) se += (out[k] = trilo::exp(z[k] - mx));
      for (int k = 0; k < K; ++k) out[k] /= se;
      break;
    }
    case LossKind::kBce:
      for (int k = 0; k < K; ++k) out[k] = T(1) / (T(1) + trilo::exp(-z[k]));
      break;
    case LossKind::kMse:
      for (int k = 0; k < K; ++k) out[k] = z[k];
      break;
  }
}

}  // namespace trilo::nn
