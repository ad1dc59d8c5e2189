// A multilayer perceptron as a landscape: the model's shape, its flat weight
// vector (PyTorch's nn.Linear order: layer by layer, W as out x in row-major,
// then b), its losses, initial weights, and exact derivatives of the mean
// loss over a batch: the gradient by backpropagation and Hessian-vector
// products by the R-operator (Pearlmutter 1994), i.e. forward-mode over the
// backward pass, with no finite differences anywhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "nn/elementwise.hpp"

namespace trilo::nn {

struct Dataset;

enum class InitKind { kTorch, kGlorot, kHe };

struct Model {
  std::vector<int> widths;  // input, hidden..., output (at least two entries)
  Activation activation = Activation::kSigmoid;
  LossKind loss = LossKind::kXent;
  double weight_decay = 0.0;  // L2: the landscape is loss + weight_decay/2 |w|^2

  int layers() const { return static_cast<int>(widths.size()) - 1; }
  int inputs() const { return widths.front(); }
  int outputs() const { return widths.back(); }
  std::int64_t params() const;
  // Offset of layer l's W in the flat vector (its b follows W).
  std::int64_t offset(int l) const;
  std::string text() const;  // "mlp:784-16-16-10"
};

// "mlp:W0-W1-...-WL"; throws config::BadInput naming the problem.
Model parse_model(const std::string& text);
Activation parse_activation(const std::string& name);
LossKind parse_loss(const std::string& name);
InitKind parse_init(const std::string& name);
const char* activation_name(Activation a);
const char* loss_name(LossKind k);
const char* init_name(InitKind k);

// The initial weights of training `run`, in float64, drawn from Philox keyed
// by (seed, run, layer, entry), so every backend, thread count, chunk and
// rank starts from the same bits:
//  torch:  W, b ~ U(-1/sqrt(in), 1/sqrt(in))   (nn.Linear's reset_parameters)
//  glorot: W ~ U(-sqrt(6/(in+out)), +sqrt(6/(in+out))), b = 0
//  he:     W ~ N(0, 2/in), b = 0
void init_weights(const Model& m, InitKind kind, std::uint64_t seed, std::int64_t run, double* w);

template <class T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Scratch of one evaluation; reused across calls of one thread.
template <class T>
struct Workspace {
  std::vector<Mat<T>> z, a;      // pre- and post-activation per layer (a[0] unused: the input)
  std::vector<Mat<T>> rz, ra;    // their R-operator tangents (Hessian-vector products only)
  Mat<T> delta, back, rdelta, rback;
  Eigen::Array<T, Eigen::Dynamic, 1> row_a, row_b;  // per-row terms of the loss
};

// A batch: `rows` rows of `x` (row-major, inputs() columns) and their labels.
template <class T>
struct Batch {
  const T* x = nullptr;
  const float* y = nullptr;
  std::int64_t rows = 0;
};

struct Eval {
  double loss = 0;            // mean loss (plus the L2 term)
  std::int64_t correct = 0;   // rows classified right (see accuracy_defined)
};

// Mean loss over the batch, and its gradient into g (params() entries) when
// g is not null. Classification counts follow the loss: xent argmax, bce
// sign of the logit, mse argmax (several outputs) or the rounded output.
template <class T>
Eval evaluate(const Model& m, const T* w, const Batch<T>& b, T* g, Workspace<T>& ws);

// The mean loss over the batch (without the L2 term) and the
// classification count, from the first layer's pre-activation: ws.z[1]
// must hold it (b.rows x widths[1], biases included); b.x is not read and
// neither are the first layer's weights in w. A plane through weight space
// builds that pre-activation from precomputed products (src/nn/plane.hpp).
template <class T>
Eval evaluate_after_first_layer(const Model& m, const T* w, const Batch<T>& b, Workspace<T>& ws);

// evaluate() in float64 over a whole data set as read (float32), its rows
// widened a tile at a time, so the set is never held in float64: the mean
// loss (plus the L2 term) and its gradient into g when g is not null. The
// tiles are evaluate()'s own, so the sums are the ones evaluate() takes over
// the set in float64.
Eval evaluate_set(const Model& m, const double* w, const Dataset& d, double* g);

// H v: the Hessian of the same mean loss (plus L2) at fixed weights, times
// any number of vectors v, exact. The forward and backward passes at w are
// done once, at construction; each product adds only the R-operator's
// passes (about half the work of a fresh gradient and product). A product
// runs over the rows in tiles (a few hundred rows), each tile through the whole
// network and back before the next, so the tile's inputs are read from
// memory once for the first layer's two products (its R-forward and its
// weights' part of H v) instead of once per product over the whole set.
class HessianAt {
 public:
  HessianAt(const Model& m, const double* w, const Batch<double>& b);
  // The same over a data set as read (float32), its rows widened to float64
  // a tile at a time: the whole set is never held in float64.
  HessianAt(const Model& m, const double* w, const Dataset& d);
  void apply(const double* v, double* hv);

 private:
  const Model& m_;
  const double* w_;
  Batch<double> b_;
  Workspace<double> ws_;
  std::vector<Mat<double>> delta_, back_;  // per layer: dC/dz and dC/da before act'
  std::vector<Mat<double>> rz_, ra_;       // a tile's R(z) and R(a) per layer
  Mat<double> rdelta_, rback_;             // a tile's R(delta) and R(back)
  const Dataset* set_ = nullptr;           // the rows, when b_.x is not given
  Mat<double> x_;                          // a tile of set_'s rows in float64
  // Rows r0 .. r0 + R of the input, row-major.
  const double* input_rows(std::int64_t r0, std::int64_t R);
  // The backward pass at w, kept, once the forward pass is in ws_.
  void keep_backward();
};

// One product, for a single v.
void hessian_vector(const Model& m, const double* w, const double* v, const Batch<double>& b,
                    double* hv);

// The network's outputs through the loss's link (softmax probabilities for
// xent, the sigmoid for bce, raw outputs for mse): rows x outputs(), into out.
template <class T>
void predict(const Model& m, const T* w, const Batch<T>& b, T* out, Workspace<T>& ws);

}  // namespace trilo::nn
