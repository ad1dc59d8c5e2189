#include "nn/barriers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/rng.hpp"

namespace trilo::nn {

std::vector<double> path_points(int points) {
  std::vector<double> ts(static_cast<std::size_t>(points));
  for (int k = 0; k < points; ++k)
    ts[static_cast<std::size_t>(k)] = k + 1 == points ? 1.0 : static_cast<double>(k) / (points - 1);
  return ts;
}

void path_weights(std::int64_t params, const double* a, const double* b, const double* c, double t, double* out) {
  if (t == 1) {  // the end itself, not a + (b - a) rounded
    std::copy_n(b, params, out);
    return;
  }
  if (!c) {
    for (std::int64_t j = 0; j < params; ++j) out[j] = a[j] + t * (b[j] - a[j]);
    return;
  }
  const double bend = 2 * t * (1 - t), end = t * t;
  for (std::int64_t j = 0; j < params; ++j) out[j] = a[j] + bend * (c[j] - a[j]) + end * (b[j] - a[j]);
}

std::vector<double> path_losses(const Model& m, const double* a, const double* b, const double* c,
                                const Dataset& set, const std::vector<double>& ts) {
  const std::int64_t P = m.params();
  std::vector<double> w(static_cast<std::size_t>(P)), out;
  out.reserve(ts.size());
  for (double t : ts) {
    path_weights(P, a, b, c, t, w.data());
    out.push_back(evaluate_set(m, w.data(), set, nullptr).loss);
  }
  return out;
}

double barrier_height(const std::vector<double>& losses) {
  if (losses.empty()) return std::numeric_limits<double>::quiet_NaN();
  double top = -std::numeric_limits<double>::infinity();
  for (double l : losses) {
    if (!std::isfinite(l)) return std::numeric_limits<double>::quiet_NaN();
    top = std::max(top, l);
  }
  return top - std::max(losses.front(), losses.back());
}

std::vector<double> train_bezier_control(const Model& m, const double* a, const double* b,
                                         const Dataset& train, const BezierTraining& p) {
  const std::int64_t P = m.params();
  const auto n = static_cast<std::size_t>(P);
  std::vector<double> c(n), w(n), g(n), last;
  for (std::size_t j = 0; j < n; ++j) c[j] = 0.5 * (a[j] + b[j]);
  const Philox rng{p.seed};
  const bool mini = p.batch > 0 && p.batch < train.rows;
  const auto F = static_cast<std::size_t>(train.features);
  std::vector<double> x(mini ? static_cast<std::size_t>(p.batch) * F : 0);
  std::vector<float> y(mini ? static_cast<std::size_t>(p.batch) : 0);
  Workspace<double> ws;
  for (std::int64_t s = 0; s < p.steps; ++s) {
    if (p.stop && p.stop()) break;
    const auto step = static_cast<std::uint32_t>(s);
    double u[2];
    uniform_pair(rng, p.pair, RngStream::kPath, step, 0, u);
    const double t = u[0];
    if (mini) {
      for (std::int64_t r = 0; r < p.batch; r += 2) {
        uniform_pair(rng, p.pair, RngStream::kPath, step, static_cast<std::uint32_t>(1 + r / 2), u);
        for (std::int64_t h = 0; h < 2 && r + h < p.batch; ++h) {
          const auto row = std::min<std::int64_t>(train.rows - 1, static_cast<std::int64_t>(u[h] * static_cast<double>(train.rows)));
          const auto at = static_cast<std::size_t>(r + h);
          std::copy_n(train.x.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(row) * F), F,
                      x.begin() + static_cast<std::ptrdiff_t>(at * F));  // widened to float64
          y[at] = train.y[static_cast<std::size_t>(row)];
        }
      }
    }
    path_weights(P, a, b, c.data(), t, w.data());
    const double loss = mini ? evaluate(m, w.data(), Batch<double>{x.data(), y.data(), p.batch}, g.data(), ws).loss
                             : evaluate_set(m, w.data(), train, g.data()).loss;
    const double scale = p.lr * 2 * t * (1 - t);
    last = c;
    bool finite = std::isfinite(loss);
    for (std::size_t j = 0; j < n && finite; ++j) {
      c[j] -= scale * g[j];
      finite = std::isfinite(c[j]);
    }
    if (!finite) return last;
  }
  return c;
}

}  // namespace trilo::nn
