#include "nn/model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "config/run_config.hpp"
#include "core/rng.hpp"
#include "nn/data.hpp"
#include "nn/array_tanh.hpp"
#include "nn/dense_kernels.hpp"

namespace trilo::nn {

using config::BadInput;

std::int64_t Model::params() const {
  std::int64_t p = 0;
  for (int l = 0; l < layers(); ++l)
    p += static_cast<std::int64_t>(widths[l + 1]) * (widths[l] + 1);
  return p;
}

std::int64_t Model::offset(int l) const {
  std::int64_t p = 0;
  for (int k = 0; k < l; ++k) p += static_cast<std::int64_t>(widths[k + 1]) * (widths[k] + 1);
  return p;
}

std::string Model::text() const {
  std::string s = "mlp:";
  for (std::size_t i = 0; i < widths.size(); ++i) s += (i ? "-" : "") + std::to_string(widths[i]);
  return s;
}

Model parse_model(const std::string& text) {
  const std::string what = "--model '" + text + "'";
  if (text.rfind("mlp:", 0) != 0)
    throw BadInput(what + ": expected mlp:IN-HIDDEN-...-OUT, e.g. mlp:784-16-16-10");
  Model m;
  std::string rest = text.substr(4);
  std::size_t pos = 0;
  while (true) {
    const std::size_t dash = rest.find('-', pos);
    const std::string part = rest.substr(pos, dash == std::string::npos ? std::string::npos : dash - pos);
    if (part.empty() || part.size() > 7 || part.find_first_not_of("0123456789") != std::string::npos)
      throw BadInput(what + ": layer width '" + part + "' is not a whole number from 1 to 1000000");
    const long v = std::stol(part);
    if (v < 1 || v > 1000000)
      throw BadInput(what + ": layer width " + part + " is not from 1 to 1000000");
    m.widths.push_back(static_cast<int>(v));
    if (dash == std::string::npos) break;
    pos = dash + 1;
  }
  if (m.widths.size() < 2) throw BadInput(what + ": needs at least an input and an output width");
  for (int l = 0; l < m.layers(); ++l)
    if (static_cast<std::int64_t>(m.widths[l]) * m.widths[l + 1] >= (std::int64_t{1} << 25))
      throw BadInput(what + ": layer " + std::to_string(l) + " has more than 2^25 weights");
  if (m.params() > (std::int64_t{1} << 28)) throw BadInput(what + ": more than 2^28 weights");
  return m;
}

Activation parse_activation(const std::string& n) {
  if (n == "sigmoid") return Activation::kSigmoid;
  if (n == "tanh") return Activation::kTanh;
  if (n == "relu") return Activation::kRelu;
  if (n == "gelu") return Activation::kGelu;
  if (n == "identity") return Activation::kIdentity;
  throw BadInput("--activation '" + n + "': expected sigmoid, tanh, relu, gelu or identity");
}

LossKind parse_loss(const std::string& n) {
  if (n == "mse") return LossKind::kMse;
  if (n == "bce") return LossKind::kBce;
  if (n == "xent") return LossKind::kXent;
  throw BadInput("--loss '" + n + "': expected mse, bce or xent");
}

InitKind parse_init(const std::string& n) {
  if (n == "torch") return InitKind::kTorch;
  if (n == "glorot") return InitKind::kGlorot;
  if (n == "he") return InitKind::kHe;
  throw BadInput("--init '" + n + "': expected torch, glorot or he");
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kTanh: return "tanh";
    case Activation::kRelu: return "relu";
    case Activation::kGelu: return "gelu";
    case Activation::kIdentity: return "identity";
  }
  return "?";
}
const char* loss_name(LossKind k) {
  switch (k) {
    case LossKind::kMse: return "mse";
    case LossKind::kBce: return "bce";
    case LossKind::kXent: return "xent";
  }
  return "?";
}
const char* init_name(InitKind k) {
  switch (k) {
    case InitKind::kTorch: return "torch";
    case InitKind::kGlorot: return "glorot";
    case InitKind::kHe: return "he";
  }
  return "?";
}

void init_weights(const Model& m, InitKind kind, std::uint64_t seed, std::int64_t run, double* w) {
  const Philox rng{seed};
  const auto run_index = static_cast<std::uint64_t>(run);
  for (int l = 0; l < m.layers(); ++l) {
    const int in = m.widths[l], out = m.widths[l + 1];
    const std::int64_t nw = static_cast<std::int64_t>(in) * out;
    double* W = w + m.offset(l);
    double* b = W + nw;
    // step word: 2 l for W, 2 l + 1 for b; block: the pair of entries.
    const auto fill_uniform = [&](double* dst, std::int64_t n, std::uint32_t step, double bound) {
      for (std::int64_t k = 0; k < n; k += 2) {
        double u[2];
        uniform_pair(rng, run_index, RngStream::kInit, step, static_cast<std::uint32_t>(k / 2), u);
        dst[k] = bound * (2.0 * u[0] - 1.0);
        if (k + 1 < n) dst[k + 1] = bound * (2.0 * u[1] - 1.0);
      }
    };
    const auto step_w = static_cast<std::uint32_t>(2 * l), step_b = step_w + 1;
    switch (kind) {
      case InitKind::kTorch: {
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        fill_uniform(W, nw, step_w, bound);
        fill_uniform(b, out, step_b, bound);
        break;
      }
      case InitKind::kGlorot:
        fill_uniform(W, nw, step_w, std::sqrt(6.0 / (in + out)));
        std::fill(b, b + out, 0.0);
        break;
      case InitKind::kHe: {
        const double sd = std::sqrt(2.0 / in);
        for (std::int64_t k = 0; k < nw; k += 2) {
          double z[2];
          normal_pair(rng, run_index, RngStream::kInit, step_w, static_cast<std::uint32_t>(k / 2), z);
          W[k] = sd * z[0];
          if (k + 1 < nw) W[k + 1] = sd * z[1];
        }
        std::fill(b, b + out, 0.0);
        break;
      }
    }
  }
}

namespace {

// a = act(z) over a whole layer: sigmoid as 1 / (1 + exp(-z)), tanh and
// relu through Eigen's vectorised array functions (a per-element call of
// expf cost as much as the layer's GEMM on a batch of 32), float64 tanh by
// tanh_array (Eigen's is the C library's, element by element); gelu per
// element.
template <class T>
void activate(Activation f, const Mat<T>& z, Mat<T>& a) {
  switch (f) {
    case Activation::kSigmoid: a.array() = (T(1) + (-z.array()).exp()).inverse(); return;
    case Activation::kTanh:
      if constexpr (std::is_same_v<T, double>)
        tanh_array(z.data(), z.size(), a.data());
      else
        a.array() = z.array().tanh();
      return;
    case Activation::kRelu: a.array() = z.array().max(T(0)); return;
    default: a = z.unaryExpr([f](T v) { return act(f, v); });
  }
}

// out[j] (+)= sum over the rows i of d(i, j), the rows added in order. Not
// Eigen's colwise().sum(): into a Map of unknown alignment, Eigen sums the
// columns before the first aligned address one way and the rest another, so
// a bias gradient's last bits would depend on where the caller's vector
// happens to lie in memory (and trainings on different threads, whose
// allocations differ, would not repeat bit for bit).
template <class T>
void add_column_sums(const Mat<T>& d, T* out, bool accumulate) {
  const std::int64_t rows = d.rows(), cols = d.cols();
  if (dense_column_sums(d.data(), rows, static_cast<int>(cols), out, accumulate)) return;
  if (!accumulate) std::fill(out, out + cols, T(0));
  for (std::int64_t i = 0; i < rows; ++i) {
    const T* row = d.data() + i * cols;
    for (std::int64_t j = 0; j < cols; ++j) out[j] += row[j];
  }
}

template <class T>
using CMap = Eigen::Map<const Mat<T>>;
template <class T>
using MMap = Eigen::Map<Mat<T>>;
template <class T>
using CVec = Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>;
template <class T>
using MVec = Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>>;

// The layer's input: the batch for layer 0, else the previous activation.
template <class T>
CMap<T> layer_input(const Model& m, const Batch<T>& b, const Workspace<T>& ws, int l) {
  if (l == 0) return CMap<T>(b.x, b.rows, m.inputs());
  return CMap<T>(ws.a[l].data(), ws.a[l].rows(), ws.a[l].cols());
}

// Forward pass: z[l+1] = input(l) W_l^T + b_l; a[l+1] = act(z[l+1]) for
// hidden layers; the output layer is linear (z[L] is the logits). With
// `first_given`, z[1] already holds the first layer's pre-activation.
template <class T>
void forward(const Model& m, const T* w, const Batch<T>& b, Workspace<T>& ws, bool first_given = false) {
  const int L = m.layers();
  ws.z.resize(L + 1);
  ws.a.resize(L + 1);
  for (int l = 0; l < L; ++l) {
    const int in = m.widths[l], out = m.widths[l + 1];
    CMap<T> W(w + m.offset(l), out, in);
    CVec<T> bias(w + m.offset(l) + static_cast<std::int64_t>(in) * out, out);
    Mat<T>& z = ws.z[l + 1];
    if (l > 0 || !first_given) {
      z.resize(b.rows, out);
      const CMap<T> input = layer_input(m, b, ws, l);
      if (!dense_forward(input.data(), b.rows, in, W.data(), bias.data(), out, z.data())) {
        z.noalias() = input * W.transpose();
        z.rowwise() += bias;
      }
    }
    if (l + 1 < L) {
      Mat<T>& a = ws.a[l + 1];
      a.resize(b.rows, out);
      activate(m.activation, z, a);
    }
  }
}

// Softmax cross-entropy over a batch, as row_loss defines it (log-sum-exp
// shifted by each row's largest logit, the gradient p - onehot over n), with
// the exponentials and logarithms taken over the whole batch by Eigen's
// vectorised functions: one scalar exp per logit cost as much as a small
// layer's products. The rows' losses are added in row order in float64.
template <class T>
std::int64_t xent_loss(const Mat<T>& z, const Batch<T>& b, std::int64_t n, double& sum, Workspace<T>& ws,
                       bool want_delta) {
  const std::int64_t rows = b.rows;
  const auto K = static_cast<int>(z.cols());
  std::int64_t correct = 0;
  Mat<T>& p = ws.delta;  // the exponentials, then (with want_delta) the gradient
  p.resize(rows, K);
  ws.row_a.resize(rows);
  for (std::int64_t i = 0; i < rows; ++i) {
    const T* zi = z.data() + i * K;
    int arg = 0;
    for (int k = 1; k < K; ++k)
      if (zi[k] > zi[arg]) arg = k;
    ws.row_a[i] = zi[arg];
    correct += arg == static_cast<int>(b.y[i]);
    for (int k = 0; k < K; ++k) p(i, k) = zi[k] - zi[arg];
  }
  p.array() = p.array().exp();
  ws.row_b.resize(rows);
  for (std::int64_t i = 0; i < rows; ++i) {
    T se(0);
    for (int k = 0; k < K; ++k) se += p(i, k);
    ws.row_b[i] = se;
  }
  const auto log_se = ws.row_b.log().eval();
  for (std::int64_t i = 0; i < rows; ++i)
    sum += static_cast<double>(ws.row_a[i] + log_se[i] - z(i, static_cast<int>(b.y[i])));
  if (want_delta) {
    const T inv_n = T(1) / T(n);
    for (std::int64_t i = 0; i < rows; ++i) {
      const T inv = T(1) / (ws.row_b[i] * T(n));
      for (int k = 0; k < K; ++k) p(i, k) *= inv;
      p(i, static_cast<int>(b.y[i])) -= inv_n;
    }
  }
  return correct;
}

// Binary cross-entropy on one logit v over a batch, as row_loss defines it
// (max(v, 0) - y v + log1p(exp(-|v|)), the gradient sigmoid(v) - y over n,
// the sigmoid from the same exp(-|v|)), vectorised over the rows: each
// row's loss and gradient are row_loss's operations in its order (the
// sigmoid 1 / (1 + e) or e / (1 + e) as one division of the chosen
// numerator). The losses stay a loop over the rows, written as row_loss
// writes them, so that the compiler contracts t v into the same fused
// multiply-add there as in row_loss; their float64 sum runs in row order.
template <class T>
std::int64_t bce_loss(const Mat<T>& z, const Batch<T>& b, std::int64_t n, double& sum, Workspace<T>& ws,
                      bool want_delta) {
  using A = Eigen::Array<T, Eigen::Dynamic, 1>;
  const std::int64_t rows = b.rows;
  const Eigen::Map<const A> v(z.data(), rows);
  const auto t = Eigen::Map<const Eigen::ArrayXf>(b.y, rows).template cast<T>();
  ws.row_a = (-v.abs()).exp();  // exp(-|v|)
  ws.row_b = ws.row_a.log1p();  // log1p(exp(-|v|))
  std::int64_t correct = 0;
  T* loss = ws.row_b.data();
  for (std::int64_t i = 0; i < rows; ++i) {  // as row_loss, its product and difference fused alike
    loss[i] = (v[i] > T(0) ? v[i] : T(0)) - t[i] * v[i] + loss[i];
    correct += (v[i] > T(0) ? 1.0f : 0.0f) == b.y[i];
  }
  for (std::int64_t i = 0; i < rows; ++i) sum += static_cast<double>(loss[i]);
  if (want_delta) {
    ws.delta.resize(rows, 1);
    Eigen::Map<A>(ws.delta.data(), rows) =
        ((v >= T(0)).select(A::Ones(rows), ws.row_a) / (T(1) + ws.row_a) - t) / T(n);
  }
  return correct;
}

// The loss of the logits of b's rows as part of a mean over n rows (n =
// b.rows unless b is a tile of a larger batch): each row's loss added into
// `sum` in row order, its gradient with respect to the logits (into delta,
// already divided by n) and the classification count, returned.
template <class T>
std::int64_t output_loss(const Model& m, const Batch<T>& b, std::int64_t n, double& sum, Workspace<T>& ws,
                         bool want_delta) {
  const Mat<T>& z = ws.z[m.layers()];
  if (m.loss == LossKind::kXent) return xent_loss(z, b, n, sum, ws, want_delta);
  if (m.loss == LossKind::kBce) return bce_loss(z, b, n, sum, ws, want_delta);
  const int K = m.outputs();
  std::int64_t correct = 0;
  if (want_delta) ws.delta.resize(b.rows, K);
  for (std::int64_t i = 0; i < b.rows; ++i)
    correct += row_loss(m.loss, z.data() + i * K, K, b.y[i], n, want_delta ? ws.delta.data() + i * K : nullptr, sum);
  return correct;
}

// The mean loss from the rows' summed losses (mse's sums are over the K
// outputs too).
double mean_loss(const Model& m, double sum, std::int64_t n) {
  if (m.loss == LossKind::kMse) sum /= m.outputs();
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

// Rows of a tile: a batch larger than this (the full training set of a
// full-batch step, a training's final evaluation, a whole set in float64 for
// HessianAt and evaluate_set) goes through the network and back a tile at a
// time, each tile's inputs staying in a core's cache, so the set is read
// from memory once, not once for the forward product and again for the
// weight gradient. The sums are the same either way: the losses are added in
// row order, and the kernels' weight and bias gradients resume each sum
// where the tile before left it.
constexpr std::int64_t kTileRows = 128;

// The L2 term: weight_decay / 2 |w|^2 added to the loss, weight_decay w to
// the gradient when there is one.
template <class T>
void add_weight_decay(const Model& m, const T* w, Eval& e, T* g) {
  if (m.weight_decay == 0) return;
  const std::int64_t P = m.params();
  double sq = 0;
  for (std::int64_t k = 0; k < P; ++k) sq += static_cast<double>(w[k]) * static_cast<double>(w[k]);
  e.loss += 0.5 * m.weight_decay * sq;
  if (!g) return;
  const T lam = T(m.weight_decay);
  for (std::int64_t k = 0; k < P; ++k) g[k] += lam * w[k];
}

// Forward, loss and backward of the tile b as part of a mean over n rows:
// losses added into `sum`, the gradient into g (set, or with `accumulate`
// added to), the classification count returned.
template <class T>
std::int64_t evaluate_tile(const Model& m, const T* w, const Batch<T>& b, std::int64_t n, double& sum, T* g,
                           bool accumulate, Workspace<T>& ws) {
  forward(m, w, b, ws);
  const std::int64_t correct = output_loss(m, b, n, sum, ws, g != nullptr);
  if (!g) return correct;
  for (int l = m.layers() - 1; l >= 0; --l) {
    const int in = m.widths[l], out = m.widths[l + 1];
    const CMap<T> input = layer_input(m, b, ws, l);
    T* gb = g + m.offset(l) + static_cast<std::int64_t>(in) * out;
    if (!dense_weight_grad(ws.delta.data(), input.data(), b.rows, in, out, g + m.offset(l), accumulate, gb)) {
      MMap<T> gW(g + m.offset(l), out, in);
      if (accumulate)
        gW.noalias() += ws.delta.transpose() * input;
      else
        gW.noalias() = ws.delta.transpose() * input;
      add_column_sums(ws.delta, gb, accumulate);
    }
    if (l == 0) break;
    CMap<T> W(w + m.offset(l), out, in);
    ws.back.resize(b.rows, in);
    if (!dense_backward(ws.delta.data(), b.rows, out, W.data(), in, ws.back.data())) ws.back.noalias() = ws.delta * W;
    const Activation f = m.activation;
    const Mat<T>& z = ws.z[l];
    const Mat<T>& a = ws.a[l];
    ws.delta.resize(b.rows, in);
    switch (f) {  // the hot three as whole-array expressions, vectorised
      case Activation::kSigmoid: ws.delta.array() = ws.back.array() * a.array() * (T(1) - a.array()); break;
      case Activation::kTanh: ws.delta.array() = ws.back.array() * (T(1) - a.array().square()); break;
      case Activation::kRelu: ws.delta.array() = (z.array() > T(0)).select(ws.back.array(), T(0)); break;
      default:
        for (std::int64_t i = 0; i < b.rows; ++i)
          for (int k = 0; k < in; ++k) ws.delta(i, k) = ws.back(i, k) * act_d1(f, z(i, k), a(i, k));
    }
  }
  return correct;
}

}  // namespace

template <class T>
Eval evaluate(const Model& m, const T* w, const Batch<T>& b, T* g, Workspace<T>& ws) {
  const std::int64_t n = b.rows, F = m.inputs();
  double sum = 0;
  Eval e;
  if (n <= kTileRows) {
    e.correct = evaluate_tile(m, w, b, n, sum, g, false, ws);
  } else {
    for (std::int64_t r0 = 0; r0 < n; r0 += kTileRows) {
      const Batch<T> tile{b.x + r0 * F, b.y + r0, std::min(kTileRows, n - r0)};
      e.correct += evaluate_tile(m, w, tile, n, sum, g, r0 > 0, ws);
    }
  }
  e.loss = mean_loss(m, sum, n);
  add_weight_decay(m, w, e, g);
  return e;
}

template <class T>
Eval evaluate_after_first_layer(const Model& m, const T* w, const Batch<T>& b, Workspace<T>& ws) {
  forward(m, w, b, ws, true);
  double sum = 0;
  Eval e;
  e.correct = output_loss(m, b, b.rows, sum, ws, false);
  e.loss = mean_loss(m, sum, b.rows);
  return e;
}


HessianAt::HessianAt(const Model& m, const double* w, const Batch<double>& b) : m_(m), w_(w), b_(b) {
  forward(m, w, b, ws_);
  keep_backward();
}

HessianAt::HessianAt(const Model& m, const double* w, const Dataset& d)
    : m_(m), w_(w), b_{nullptr, d.y.data(), d.rows}, set_(&d) {
  // The first layer's pre-activation tile by tile, the rest as usual.
  const int in = m.inputs(), out = m.widths[1];
  CMap<double> W(w, out, in);
  CVec<double> bias(w + static_cast<std::int64_t>(in) * out, out);
  ws_.z.resize(m.layers() + 1);
  Mat<double>& z = ws_.z[1];
  z.resize(d.rows, out);
  for (std::int64_t r0 = 0; r0 < d.rows; r0 += kTileRows) {
    const std::int64_t R = std::min(kTileRows, d.rows - r0);
    const double* x = input_rows(r0, R);
    if (!dense_forward(x, R, in, W.data(), bias.data(), out, z.data() + r0 * out)) {
      MMap<double> zt(z.data() + r0 * out, R, out);
      zt.noalias() = CMap<double>(x, R, in) * W.transpose();
      zt.rowwise() += bias;
    }
  }
  forward(m, w, b_, ws_, true);
  keep_backward();
}

namespace {

// Rows r0 .. r0 + R of a data set, widened to float64 into `out`.
const double* widen_rows(const Dataset& d, std::int64_t r0, std::int64_t R, Mat<double>& out) {
  const std::int64_t F = d.features;
  out.resize(R, F);
  const float* from = d.x.data() + r0 * F;
  for (std::int64_t k = 0; k < R * F; ++k) out.data()[k] = static_cast<double>(from[k]);
  return out.data();
}

}  // namespace

const double* HessianAt::input_rows(std::int64_t r0, std::int64_t R) {
  if (!set_) return b_.x + r0 * m_.inputs();
  return widen_rows(*set_, r0, R, x_);
}

Eval evaluate_set(const Model& m, const double* w, const Dataset& d, double* g) {
  const std::int64_t n = d.rows;
  Workspace<double> ws;
  Mat<double> x;
  if (g) std::fill(g, g + m.params(), 0.0);
  double sum = 0;
  Eval e;
  for (std::int64_t r0 = 0; r0 < n; r0 += kTileRows) {
    const std::int64_t R = std::min(kTileRows, n - r0);
    const Batch<double> tile{widen_rows(d, r0, R, x), d.y.data() + r0, R};
    e.correct += evaluate_tile(m, w, tile, n, sum, g, true, ws);
  }
  e.loss = mean_loss(m, sum, n);
  add_weight_decay(m, w, e, g);
  return e;
}

void HessianAt::keep_backward() {
  const Model& m = m_;
  const int L = m.layers();
  double sum = 0;  // the loss itself is not needed here
  output_loss(m, b_, b_.rows, sum, ws_, true);
  // The plain backward pass, kept per layer: delta_[l] is dC/dz of layer
  // l's output (rows x widths[l+1]); back_[l] = delta_[l] W_l, before act'.
  delta_.resize(L);
  back_.resize(L);
  delta_[L - 1] = ws_.delta;
  for (int l = L - 1; l > 0; --l) {
    const int in = m.widths[l], out = m.widths[l + 1];
    CMap<double> W(w_ + m.offset(l), out, in);
    back_[l].noalias() = delta_[l] * W;
    const Mat<double>& z = ws_.z[l];
    const Mat<double>& a = ws_.a[l];
    delta_[l - 1].resize(b_.rows, in);
    for (std::int64_t i = 0; i < b_.rows; ++i)
      for (int k = 0; k < in; ++k) delta_[l - 1](i, k) = back_[l](i, k) * act_d1(m.activation, z(i, k), a(i, k));
  }
}

void HessianAt::apply(const double* v, double* hv) {
  using T = double;
  const Model& m = m_;
  const double* w = w_;
  const int L = m.layers();
  const Activation f = m.activation;
  const std::int64_t n = b_.rows;
  const double dn = static_cast<double>(n);
  std::fill(hv, hv + m.params(), 0.0);
  rz_.resize(L + 1);
  ra_.resize(L + 1);
  for (std::int64_t r0 = 0; r0 < n; r0 += kTileRows) {
    const std::int64_t R = std::min(kTileRows, n - r0);
    // Rows r0 .. r0 + R of a row-major per-row matrix of `width` columns.
    const auto rows = [&](const Mat<T>& full, int width) { return CMap<T>(full.data() + r0 * width, R, width); };
    const double* x = input_rows(r0, R);
    const auto input = [&](int l) { return l == 0 ? CMap<T>(x, R, m.inputs()) : rows(ws_.a[l], m.widths[l]); };
    // R-forward: rz[l+1] = R(input) W^T + input V^T + vb; ra = act'(z) rz.
    for (int l = 0; l < L; ++l) {
      const int in = m.widths[l], out = m.widths[l + 1];
      CMap<T> W(w + m.offset(l), out, in), V(v + m.offset(l), out, in);
      CVec<T> vb(v + m.offset(l) + static_cast<std::int64_t>(in) * out, out);
      Mat<T>& rz = rz_[l + 1];
      rz.resize(R, out);
      if (l > 0 || !dense_forward(input(l).data(), R, in, V.data(), vb.data(), out, rz.data())) {
        rz.noalias() = input(l) * V.transpose();
        if (l > 0) rz.noalias() += ra_[l] * W.transpose();
        rz.rowwise() += vb;
      }
      if (l + 1 < L) {
        const CMap<T> z = rows(ws_.z[l + 1], out), a = rows(ws_.a[l + 1], out);
        Mat<T>& ra = ra_[l + 1];
        ra.resize(R, out);
        for (std::int64_t i = 0; i < R; ++i)
          for (int k = 0; k < out; ++k) ra(i, k) = act_d1(f, z(i, k), a(i, k)) * rz(i, k);
      }
    }
    // R(delta) at the output: the loss's Hessian in the logits times rz,
    // divided by the whole set's rows (the loss is their mean).
    const int K = m.outputs();
    const CMap<T> z = rows(ws_.z[L], K);
    const Mat<T>& rz = rz_[L];
    rdelta_.resize(R, K);
    std::vector<double> ez(static_cast<std::size_t>(K));  // a row's exp(z - max), each taken once
    for (std::int64_t i = 0; i < R; ++i) {
      switch (m.loss) {
        case LossKind::kXent: {
          double mx = z(i, 0);
          for (int k = 1; k < K; ++k) mx = std::max(mx, z(i, k));
          double se = 0;
          for (int k = 0; k < K; ++k) se += (ez[static_cast<std::size_t>(k)] = std::exp(z(i, k) - mx));
          double pr = 0;
          for (int k = 0; k < K; ++k) pr += ez[static_cast<std::size_t>(k)] / se * rz(i, k);
          for (int k = 0; k < K; ++k) rdelta_(i, k) = ez[static_cast<std::size_t>(k)] / se * (rz(i, k) - pr) / dn;
          break;
        }
        case LossKind::kBce: {
          const double s = 1.0 / (1.0 + std::exp(-z(i, 0)));
          rdelta_(i, 0) = s * (1.0 - s) * rz(i, 0) / dn;
          break;
        }
        case LossKind::kMse:
          for (int k = 0; k < K; ++k) rdelta_(i, k) = 2.0 * rz(i, k) / (dn * K);
          break;
      }
    }
    // R-backward beside the stored plain one, the tile's share of H v added:
    // R(dW) = R(delta)^T input + delta^T R(input); R(delta) one layer down =
    // (R(delta) W + delta V) act' + back act'' R(z).
    for (int l = L - 1; l >= 0; --l) {
      const int in = m.widths[l], out = m.widths[l + 1];
      MMap<T> hW(hv + m.offset(l), out, in);
      if (!dense_weight_grad(rdelta_.data(), input(l).data(), R, in, out, hv + m.offset(l), true))
        hW.noalias() += rdelta_.transpose() * input(l);
      if (l > 0) hW.noalias() += rows(delta_[l], out).transpose() * ra_[l];
      add_column_sums(rdelta_, hv + m.offset(l) + static_cast<std::int64_t>(in) * out, true);
      if (l == 0) break;
      CMap<T> W(w + m.offset(l), out, in), V(v + m.offset(l), out, in);
      rback_.resize(R, in);
      rback_.noalias() = rdelta_ * W;
      rback_.noalias() += rows(delta_[l], out) * V;
      const CMap<T> zl = rows(ws_.z[l], in), al = rows(ws_.a[l], in), back = rows(back_[l], in);
      const Mat<T>& rzl = rz_[l];
      rdelta_.resize(R, in);
      for (std::int64_t i = 0; i < R; ++i)
        for (int k = 0; k < in; ++k)
          rdelta_(i, k) = rback_(i, k) * act_d1(f, zl(i, k), al(i, k)) + back(i, k) * act_d2(f, zl(i, k), al(i, k)) * rzl(i, k);
    }
  }
  if (m.weight_decay != 0) {
    const std::int64_t P = m.params();
    for (std::int64_t k = 0; k < P; ++k) hv[k] += m.weight_decay * v[k];
  }
}

void hessian_vector(const Model& m, const double* w, const double* v, const Batch<double>& b,
                    double* hv) {
  HessianAt(m, w, b).apply(v, hv);
}

template <class T>
void predict(const Model& m, const T* w, const Batch<T>& b, T* out, Workspace<T>& ws) {
  forward(m, w, b, ws);
  const Mat<T>& z = ws.z[m.layers()];
  const int K = m.outputs();
  for (std::int64_t i = 0; i < b.rows; ++i) link_row(m.loss, z.data() + i * K, K, out + i * K);
}

template Eval evaluate<float>(const Model&, const float*, const Batch<float>&, float*, Workspace<float>&);
template Eval evaluate<double>(const Model&, const double*, const Batch<double>&, double*, Workspace<double>&);
template Eval evaluate_after_first_layer<float>(const Model&, const float*, const Batch<float>&, Workspace<float>&);
template Eval evaluate_after_first_layer<double>(const Model&, const double*, const Batch<double>&, Workspace<double>&);
template void predict<float>(const Model&, const float*, const Batch<float>&, float*, Workspace<float>&);
template void predict<double>(const Model&, const double*, const Batch<double>&, double*, Workspace<double>&);

}  // namespace trilo::nn
