#include "analysis/slq.hpp"

#include <cmath>
#include <limits>

#include "core/rng.hpp"

namespace trilo::analysis {

void rademacher(std::uint64_t seed, std::uint64_t index, std::uint32_t sample, std::int64_t n, double* v) {
  const Philox rng{seed};
  for (std::int64_t j = 0; j < n; j += 128) {
    const auto words = rng.words(index, RngStream::kProbe, sample, static_cast<std::uint32_t>(j / 128));
    for (std::int64_t b = 0; b < 128 && j + b < n; ++b)
      v[j + b] = (words[static_cast<std::size_t>(b / 32)] >> (b % 32)) & 1u ? 1.0 : -1.0;
  }
}

double hutchinson_trace(const Operator& a, std::int64_t n, std::uint64_t seed, std::uint64_t index, int samples) {
  std::vector<double> v(static_cast<std::size_t>(n)), y(static_cast<std::size_t>(n));
  double sum = 0;
  for (int s = 0; s < samples; ++s) {
    rademacher(seed, index, static_cast<std::uint32_t>(s), n, v.data());
    a(v.data(), y.data());
    for (std::size_t j = 0; j < v.size(); ++j) sum += v[j] * y[j];
  }
  return sum / samples;
}

SlqResult stochastic_lanczos(const Operator& a, std::int64_t n, int probes, int steps, std::uint64_t seed,
                             std::uint64_t index) {
  SlqResult r;
  r.probes = probes;
  r.steps = steps;
  const auto width = static_cast<std::size_t>(steps);
  r.nodes.assign(static_cast<std::size_t>(probes) * width, std::numeric_limits<double>::quiet_NaN());
  r.weights.assign(static_cast<std::size_t>(probes) * width, 0.0);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int p = 0; p < probes; ++p) {
    rademacher(seed, index, static_cast<std::uint32_t>(p), n, v.data());
    const Quadrature q = lanczos_quadrature(a, static_cast<int>(n), v.data(), steps);
    for (std::size_t k = 0; k < q.nodes.size() && k < width; ++k) {
      r.nodes[static_cast<std::size_t>(p) * width + k] = q.nodes[k];
      r.weights[static_cast<std::size_t>(p) * width + k] = q.weights[k];
    }
  }
  return r;
}

double default_sigma(double lo, double hi) { return std::sqrt(1e-5 * std::max(1.0, hi - lo)); }

std::vector<double> eigenvalue_grid(double lo, double hi, double sigma, int bins) {
  const double a = lo - 5 * sigma, b = hi + 5 * sigma;
  std::vector<double> g(static_cast<std::size_t>(bins));
  for (int i = 0; i < bins; ++i) g[static_cast<std::size_t>(i)] = i + 1 == bins ? b : a + (b - a) * i / (bins - 1);
  return g;
}

std::vector<double> broadened_density(const SlqResult& slq, double sigma, const std::vector<double>& grid) {
  std::vector<double> rho(grid.size(), 0.0);
  const double norm = 1.0 / (sigma * std::sqrt(2 * M_PI) * slq.probes);
  for (std::size_t k = 0; k < slq.nodes.size(); ++k) {
    const double node = slq.nodes[k], w = slq.weights[k];
    if (std::isnan(node) || w == 0) continue;
    for (std::size_t i = 0; i < grid.size(); ++i) {
      const double z = (grid[i] - node) / sigma;
      if (std::abs(z) < 40) rho[i] += w * norm * std::exp(-0.5 * z * z);
    }
  }
  return rho;
}

}  // namespace trilo::analysis
