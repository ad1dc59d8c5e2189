// Optimizer updates, written once for both backends. The kind is a run-time
// value that is uniform across a launch, so the switch costs no divergence;
// optimizer_update_as fixes it at compile time for a kernel of one kind.
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

// One update of x given the gradient g, on state held anywhere (m, v: n
// entries each; b1t, b2t: the running powers of Adam). Conventions follow
// PyTorch's torch.optim (momentum: v = mu v + g, x -= lr v; Nesterov:
// x -= lr (g + mu v) with the updated v; Adam with bias correction; RMSprop
// without centring). `lr` is the learning rate of this step (a schedule's
// value, src/core/schedule.hpp), not necessarily p.lr.
template <OptimizerKind K, class T>
TRILO_HD_INLINE void optimizer_update_as(const OptimizerParams& p, T lr, T* m, T* v, T& b1t, T& b2t,
                                         int n, const T* g, T* x) {
  if constexpr (K == OptimizerKind::kGd) {
    for (int i = 0; i < n; ++i) x[i] -= lr * g[i];
  } else if constexpr (K == OptimizerKind::kMomentum) {
    const T mu = T(p.momentum);
    for (int i = 0; i < n; ++i) {
      m[i] = mu * m[i] + g[i];
      x[i] -= lr * m[i];
    }
  } else if constexpr (K == OptimizerKind::kNesterov) {
    const T mu = T(p.momentum);
    for (int i = 0; i < n; ++i) {
      m[i] = mu * m[i] + g[i];
      x[i] -= lr * (g[i] + mu * m[i]);
    }
  } else if constexpr (K == OptimizerKind::kAdam) {
    const T b1 = T(p.beta1), b2 = T(p.beta2), eps = T(p.eps);
    b1t *= b1;
    b2t *= b2;
    const T c1 = T(1) / (T(1) - b1t), c2 = T(1) / (T(1) - b2t);
    for (int i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (T(1) - b1) * g[i];
      v[i] = b2 * v[i] + (T(1) - b2) * g[i] * g[i];
      x[i] -= lr * (m[i] * c1) / (sqrt(v[i] * c2) + eps);
    }
  } else {
    static_assert(K == OptimizerKind::kRmsprop, "an optimizer kind without an update");
    const T rho = T(p.rho), eps = T(p.eps);
    for (int i = 0; i < n; ++i) {
      v[i] = rho * v[i] + (T(1) - rho) * g[i] * g[i];
      x[i] -= lr * g[i] / (sqrt(v[i]) + eps);
    }
  }
}

// The same with the kind read at run time (p.kind).
template <class T>
TRILO_HD_INLINE void optimizer_update(const OptimizerParams& p, T lr, T* m, T* v, T& b1t, T& b2t,
                                      int n, const T* g, T* x) {
  switch (p.kind) {
    case OptimizerKind::kGd: return optimizer_update_as<OptimizerKind::kGd>(p, lr, m, v, b1t, b2t, n, g, x);
    case OptimizerKind::kMomentum:
      return optimizer_update_as<OptimizerKind::kMomentum>(p, lr, m, v, b1t, b2t, n, g, x);
    case OptimizerKind::kNesterov:
      return optimizer_update_as<OptimizerKind::kNesterov>(p, lr, m, v, b1t, b2t, n, g, x);
    case OptimizerKind::kAdam: return optimizer_update_as<OptimizerKind::kAdam>(p, lr, m, v, b1t, b2t, n, g, x);
    case OptimizerKind::kRmsprop:
      return optimizer_update_as<OptimizerKind::kRmsprop>(p, lr, m, v, b1t, b2t, n, g, x);
  }
}

// The same on a descent's fixed-size state, at the constant rate p.lr.
template <class T, int MaxDim>
TRILO_HD_INLINE void optimizer_step(const OptimizerParams& p, OptimizerState<T, MaxDim>& s, int n,
                                    const T* g, T* x) {
  optimizer_update(p, T(p.lr), s.m, s.v, s.b1t, s.b2t, n, g, x);
}

}  // namespace trilo
