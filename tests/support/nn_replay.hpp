// Float64 references for network trainings, written with plain loops and
// Random123 directly, independent of src/nn and src/core: the documented
// batch order, the gradient of a one-hidden-layer tanh network with a bce
// output, the optimizers as torch.optim defines them (docs/networks.md,
// "Training") and the learning-rate schedules with their linear warm-up
// (docs/format.md, root attributes).
#pragma once

#include <Random123/philox.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace trilo::test {

// The documented batch order, recomputed here from Random123 directly.
inline std::vector<std::int64_t> reference_order(std::uint64_t seed, std::int64_t run, std::int64_t epoch,
                                          std::int64_t rows) {
  std::vector<std::int64_t> o(rows);
  std::iota(o.begin(), o.end(), 0);
  r123::Philox4x32 gen;
  for (std::int64_t i = rows - 1; i > 0; --i) {
    r123::Philox4x32::ctr_type c = {{static_cast<std::uint32_t>(run), static_cast<std::uint32_t>(run >> 32),
                                     (7u << 24) | static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(epoch)}};
    r123::Philox4x32::key_type k = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    auto v = gen(c, k);
    const std::uint64_t bits = static_cast<std::uint64_t>(v[0]) << 32 | v[1];
    const auto j = static_cast<std::int64_t>((static_cast<unsigned __int128>(bits) * (i + 1)) >> 64);
    std::swap(o[i], o[j]);
  }
  return o;
}

// Plain float64 forward/backward of a one-hidden-layer tanh network with a
// bce output, written here with loops: the replay reference.
struct Replay {
  int in, hid;
  double loss_grad(const std::vector<double>& w, const std::vector<double>& x, const std::vector<float>& y,
                   const std::vector<std::int64_t>& rows, std::vector<double>& g) const {
    std::fill(g.begin(), g.end(), 0.0);
    const int oW2 = hid * in + hid, ob2 = oW2 + hid;
    double loss = 0;
    const double n = static_cast<double>(rows.size());
    for (std::int64_t r : rows) {
      std::vector<double> h(hid);
      for (int j = 0; j < hid; ++j) {
        double s = w[hid * in + j];
        for (int i = 0; i < in; ++i) s += w[j * in + i] * x[r * in + i];
        h[j] = std::tanh(s);
      }
      double z = w[ob2];
      for (int j = 0; j < hid; ++j) z += w[oW2 + j] * h[j];
      const double t = y[r];
      loss += std::log1p(std::exp(-std::abs(z))) + std::max(z, 0.0) - t * z;
      const double dz = (1 / (1 + std::exp(-z)) - t) / n;
      g[ob2] += dz;
      for (int j = 0; j < hid; ++j) {
        g[oW2 + j] += dz * h[j];
        const double dh = dz * w[oW2 + j] * (1 - h[j] * h[j]);
        g[hid * in + j] += dh;
        for (int i = 0; i < in; ++i) g[j * in + i] += dh * x[r * in + i];
      }
    }
    return loss / n;
  }
};

// One optimizer's update, written from torch.optim's documented algorithms
// (weight decay 0, dampening 0, no amsgrad, rmsprop not centred):
//   momentum: b = mu b + g (b = g at the first step); w -= lr b
//   nesterov: b as momentum; w -= lr (g + mu b)
//   adam:     m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
//             w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps), t from 1
//   rmsprop:  v = rho v + (1 - rho) g^2; w -= lr g / (sqrt(v) + eps)
struct ReplayOptimizer {
  enum class Kind { kGd, kMomentum, kNesterov, kAdam, kRmsprop };
  Kind kind = Kind::kGd;
  double mu = 0, beta1 = 0.9, beta2 = 0.999, rho = 0.99, eps = 1e-8;
  std::vector<double> a, b;  // momentum buffer / first moment; second moment
  std::int64_t t = 0;        // updates done

  void step(std::vector<double>& w, const std::vector<double>& g, double lr) {
    const std::size_t n = w.size();
    if (t == 0) {
      a.assign(n, 0.0);
      b.assign(n, 0.0);
    }
    ++t;
    for (std::size_t k = 0; k < n; ++k) {
      switch (kind) {
        case Kind::kGd: w[k] -= lr * g[k]; break;
        case Kind::kMomentum:
          a[k] = t == 1 ? g[k] : mu * a[k] + g[k];
          w[k] -= lr * a[k];
          break;
        case Kind::kNesterov:
          a[k] = t == 1 ? g[k] : mu * a[k] + g[k];
          w[k] -= lr * (g[k] + mu * a[k]);
          break;
        case Kind::kAdam: {
          a[k] = beta1 * a[k] + (1 - beta1) * g[k];
          b[k] = beta2 * b[k] + (1 - beta2) * g[k] * g[k];
          const double m_hat = a[k] / (1 - std::pow(beta1, static_cast<double>(t)));
          const double v_hat = b[k] / (1 - std::pow(beta2, static_cast<double>(t)));
          w[k] -= lr * m_hat / (std::sqrt(v_hat) + eps);
          break;
        }
        case Kind::kRmsprop:
          b[k] = rho * b[k] + (1 - rho) * g[k] * g[k];
          w[k] -= lr * g[k] / (std::sqrt(b[k]) + eps);
          break;
      }
    }
  }
};

// The rate of step t (from 0) of a training of `total` steps, from the
// documented rules: a linear warm-up runs steps t < warmup at
// lr (t + 1) / warmup; the schedule then counts u = t - warmup from 0:
//   constant: lr;  step: lr gamma^floor(u / every);  exp: lr gamma^u;
//   cosine: lr_min + (lr - lr_min)(1 + cos(pi u / (total - warmup))) / 2.
struct ReplaySchedule {
  enum class Kind { kConstant, kStep, kExp, kCosine };
  Kind kind = Kind::kConstant;
  double lr = 0.1, gamma = 0.1, lr_min = 0;
  std::int64_t every = 1, warmup = 0, total = 0;

  double rate(std::int64_t t) const {
    if (t < warmup) return lr * static_cast<double>(t + 1) / static_cast<double>(warmup);
    const auto u = static_cast<double>(t - warmup);
    switch (kind) {
      case Kind::kConstant: return lr;
      case Kind::kStep: return lr * std::pow(gamma, std::floor(u / static_cast<double>(every)));
      case Kind::kExp: return lr * std::pow(gamma, u);
      case Kind::kCosine: {
        const double pi = 3.14159265358979323846;
        return lr_min + (lr - lr_min) * (1 + std::cos(pi * u / static_cast<double>(total - warmup))) / 2;
      }
    }
    return lr;
  }
};

}  // namespace trilo::test
