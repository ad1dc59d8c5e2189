#include "nn/plane.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "core/rng.hpp"
#include "nn/data_view.hpp"

namespace trilo::nn {

void gaussian_direction(const Model& m, std::uint64_t seed, int k, double* d) {
  const Philox rng{seed};
  const std::int64_t P = m.params();
  for (std::int64_t j = 0; j < P; j += 2) {
    const auto pair = static_cast<std::uint64_t>(j / 2);
    double z[2];
    normal_pair(rng, static_cast<std::uint64_t>(k), RngStream::kDirection, static_cast<std::uint32_t>(pair >> 24),
                static_cast<std::uint32_t>(pair & 0xFFFFFFu), z);
    d[j] = z[0];
    if (j + 1 < P) d[j + 1] = z[1];
  }
}

void filter_normalize(const Model& m, const double* center, double* d, bool bias_from_center) {
  for (int l = 0; l < m.layers(); ++l) {
    const int in = m.widths[l], out = m.widths[l + 1];
    const std::int64_t at = m.offset(l);
    for (int i = 0; i < out; ++i) {
      double* row = d + at + static_cast<std::int64_t>(i) * in;
      const double* ref = center + at + static_cast<std::int64_t>(i) * in;
      double dn = 0, cn = 0;
      for (int j = 0; j < in; ++j) dn += row[j] * row[j], cn += ref[j] * ref[j];
      const double scale = dn > 0 ? std::sqrt(cn) / std::sqrt(dn) : 0.0;
      for (int j = 0; j < in; ++j) row[j] *= scale;
    }
    const std::int64_t b = at + static_cast<std::int64_t>(in) * out;
    for (int i = 0; i < out; ++i) d[b + i] = bias_from_center ? center[b + i] : 0.0;
  }
}

template <class T>
PlaneEvaluator<T>::PlaneEvaluator(const Model& m, const std::vector<double>& center,
                                  const std::vector<double>& directions, int k, const Dataset& data)
    : m_(m), k_(k), center_(center), dirs_(directions), rows_(data.rows), y_(data.y), scored_(data.integer_labels) {
  const int in = m.widths[0], h = m.widths[1];
  const std::int64_t nw = static_cast<std::int64_t>(in) * h;
  // The first layers' W of the center and of every direction, stacked:
  // ((k + 1) h) x in.
  Mat<T> w(static_cast<Eigen::Index>(k + 1) * h, in);
  for (int b = 0; b <= k; ++b) {
    const double* src = b == 0 ? center.data() : directions.data() + static_cast<std::int64_t>(b - 1) * m.params();
    for (std::int64_t e = 0; e < nw; ++e) w.data()[b * nw + e] = static_cast<T>(src[e]);
  }
  Mat<T> x(data.rows, in);
  std::transform(data.x.begin(), data.x.end(), x.data(), [](float v) { return static_cast<T>(v); });
  zs_.resize(data.rows, static_cast<Eigen::Index>(k + 1) * h);
  zs_.noalias() = x * w.transpose();
}

template <class T>
void PlaneEvaluator<T>::evaluate(const double* coords, std::int64_t n, double* loss, double* accuracy) const {
  constexpr std::int64_t kBlock = 512;  // rows per pass: the block's activations stay in cache
  const Model& m = m_;
  const std::int64_t P = m.params();
  const int h = m.widths[1], in = m.widths[0];
  const std::int64_t bias0 = static_cast<std::int64_t>(in) * h;
#pragma omp parallel
  {
    Workspace<T> ws;
    ws.z.resize(static_cast<std::size_t>(m.layers() + 1));
    std::vector<double> wd(static_cast<std::size_t>(P));
    std::vector<T> w(static_cast<std::size_t>(P));
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t p = 0; p < n; ++p) {
      const double* c = coords + p * k_;
      std::copy(center_.begin(), center_.end(), wd.begin());
      for (int k = 0; k < k_; ++k) {
        const double* d = dirs_.data() + static_cast<std::int64_t>(k) * P;
        for (std::int64_t j = 0; j < P; ++j) wd[static_cast<std::size_t>(j)] += c[k] * d[j];
      }
      std::transform(wd.begin(), wd.end(), w.begin(), [](double v) { return static_cast<T>(v); });
      const Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> bias(w.data() + bias0, h);
      double sum = 0;
      std::int64_t correct = 0;
      for (std::int64_t r0 = 0; r0 < rows_; r0 += kBlock) {
        const std::int64_t nr = std::min(kBlock, rows_ - r0);
        Mat<T>& z = ws.z[1];
        z.resize(nr, h);
        // One pass over the block's rows: z = Z_0 + sum_k c_k Z_k + b(theta).
        for (std::int64_t i = 0; i < nr; ++i) {
          const T* src = zs_.data() + (r0 + i) * zs_.cols();
          T* dst = z.data() + i * h;
          for (int j = 0; j < h; ++j) dst[j] = src[j] + bias[j];
          for (int k = 0; k < k_; ++k) {
            const T ck = static_cast<T>(c[k]);
            const T* zk = src + (k + 1) * h;
            for (int j = 0; j < h; ++j) dst[j] += ck * zk[j];
          }
        }
        const Batch<T> b{nullptr, y_.data() + r0, nr};
        const Eval e = evaluate_after_first_layer(m, w.data(), b, ws);
        sum += e.loss * static_cast<double>(nr);
        correct += e.correct;
      }
      double l = rows_ > 0 ? sum / static_cast<double>(rows_) : 0.0;
      if (m.weight_decay != 0) {
        double sq = 0;
        for (double v : wd) sq += v * v;
        l += 0.5 * m.weight_decay * sq;
      }
      loss[p] = l;
      accuracy[p] = accuracy_of(correct, rows_, scored_);
    }
  }
}

template class PlaneEvaluator<float>;
template class PlaneEvaluator<double>;

}  // namespace trilo::nn
