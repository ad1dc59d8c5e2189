// Float64 references for network trainings, written with plain loops and
// Random123 directly, independent of src/nn: the documented batch order and
// the gradient of a one-hidden-layer tanh network with a bce output.
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

}  // namespace trilo::test
