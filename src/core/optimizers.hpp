// Optimizer updates, written once for both backends. The kind is a run-time
// value that is uniform across a launch, so the switch costs no divergence.
#pragma once

#include "core/hd.hpp"

namespace trilo {

enum class OptimizerKind : int { kGd, kMomentum, kNesterov, kAdam, kRmsprop };

struct OptimizerParams {
  OptimizerKind kind = OptimizerKind::kGd;
  double lr = 0.01;
  double momentum = 0.9;  // momentum, nesterov
  double beta1 = 0.9;     // adam
  double beta2 = 0.999;   // adam
  double rho = 0.9;       // rmsprop: decay of the squared-gradient average
  double eps = 1e-8;      // adam, rmsprop
};

// Per-descent optimizer state. m: velocity or first moment; v: second moment.
// b1t, b2t: running powers of beta1, beta2 for Adam's bias correction.
template <class T, int MaxDim>
struct OptimizerState {
  T m[MaxDim];
  T v[MaxDim];
  T b1t, b2t;

  TRILO_HD void reset(int n) {
    for (int i = 0; i < n; ++i) m[i] = v[i] = T(0);
    b1t = b2t = T(1);
  }
};

// One update of x given the gradient g. Conventions follow PyTorch's
// torch.optim (momentum: v = mu v + g, x -= lr v; Nesterov: x -= lr (g + mu v)
// with the updated v; Adam with bias correction; RMSprop without centring).
template <class T, int MaxDim>
TRILO_HD_INLINE void optimizer_step(const OptimizerParams& p, OptimizerState<T, MaxDim>& s, int n,
                                    const T* g, T* x) {
  const T lr = T(p.lr);
  switch (p.kind) {
    case OptimizerKind::kGd:
      for (int i = 0; i < n; ++i) x[i] -= lr * g[i];
      break;
    case OptimizerKind::kMomentum: {
      const T mu = T(p.momentum);
      for (int i = 0; i < n; ++i) {
        s.m[i] = mu * s.m[i] + g[i];
        x[i] -= lr * s.m[i];
      }
      break;
    }
    case OptimizerKind::kNesterov: {
      const T mu = T(p.momentum);
      for (int i = 0; i < n; ++i) {
        s.m[i] = mu * s.m[i] + g[i];
        x[i] -= lr * (g[i] + mu * s.m[i]);
      }
      break;
    }
    case OptimizerKind::kAdam: {
      const T b1 = T(p.beta1), b2 = T(p.beta2), eps = T(p.eps);
      s.b1t *= b1;
      s.b2t *= b2;
      const T c1 = T(1) / (T(1) - s.b1t), c2 = T(1) / (T(1) - s.b2t);
      for (int i = 0; i < n; ++i) {
        s.m[i] = b1 * s.m[i] + (T(1) - b1) * g[i];
        s.v[i] = b2 * s.v[i] + (T(1) - b2) * g[i] * g[i];
        x[i] -= lr * (s.m[i] * c1) / (sqrt(s.v[i] * c2) + eps);
      }
      break;
    }
    case OptimizerKind::kRmsprop: {
      const T rho = T(p.rho), eps = T(p.eps);
      for (int i = 0; i < n; ++i) {
        s.v[i] = rho * s.v[i] + (T(1) - rho) * g[i] * g[i];
        x[i] -= lr * g[i] / (sqrt(s.v[i]) + eps);
      }
      break;
    }
  }
}

}  // namespace trilo
