// Planes and lines through a network's weight space: the directions
// (Gaussian from Philox, filter-normalised as Li et al. 2018 do, differences
// of solutions as Garipov et al. 2018, principal components of a recorded
// trajectory) and the loss and accuracy of many points
// theta = center + sum_k c_k d_k over a whole data set.
//
// The evaluation uses that the first layer is linear in the weights: its
// pre-activation at theta is Z_0 + sum_k c_k Z_k + b(theta), with
// Z_0 = X W_0^T of the center and Z_k = X D_k^T of the directions' first
// layers. Those k + 1 products are one GEMM over the data, done once; each
// point then costs an axpy over the first layer and the forward pass of
// the later layers, which for the usual wide-input networks (784 inputs,
// 16 hidden units) is a small fraction of a fresh forward pass.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/data.hpp"
#include "nn/model.hpp"

namespace trilo::nn {

// Direction `k` with independent N(0, 1) entries: entry j from the normal
// pair (2 floor(j/2), 2 floor(j/2) + 1) of Philox keyed by (seed), counter
// (index k, stream kDirection, step floor(j/2) >> 24, block floor(j/2) mod 2^24).
void gaussian_direction(const Model& m, std::uint64_t seed, int k, double* d);

// Filter normalisation (Li et al. 2018, "Visualizing the Loss Landscape of
// Neural Nets"): every neuron's incoming-weight row of d (a row of some
// layer's W) is scaled to the Euclidean norm of the same row of `center`
// (a zero row of d stays zero). Bias entries become zero, or with
// `bias_from_center` the center's own biases (loss-landscape's treatment of
// biases it does not ignore).
void filter_normalize(const Model& m, const double* center, double* d, bool bias_from_center);

// The first `k` principal directions of n records of P entries (row-major):
// the right singular vectors of the records minus their mean, largest
// singular value first, each of unit norm with its entry of largest
// magnitude positive (a fixed sign). `variance` (when not null) receives the
// fraction of the total variance each explains. Requires n >= 2.
std::vector<double> principal_directions(const std::vector<double>& records, std::int64_t n,
                                         std::int64_t P, int k, std::vector<double>* variance = nullptr);

// Loss and accuracy of points center + sum_k c_k d_k on one data set, in T.
template <class T>
class PlaneEvaluator {
 public:
  // `directions`: k x P, row-major. Keeps a copy of what it needs; the data
  // set is read only here (the first layer's k + 1 products).
  PlaneEvaluator(const Model& m, const std::vector<double>& center, const std::vector<double>& directions,
                 int k, const Dataset& data);
  // Points [0, n): coordinates n x k (row-major) -> mean loss (with the L2
  // term) and accuracy, OpenMP over the points; each point's sums run in a
  // fixed order, so the values do not depend on the thread count.
  void evaluate(const double* coords, std::int64_t n, double* loss, double* accuracy) const;

 private:
  Model m_;
  int k_;
  std::vector<double> center_, dirs_;
  std::int64_t rows_;
  std::vector<float> y_;
  bool scored_;  // the labels are classes (Dataset::integer_labels): accuracy is defined
  Mat<T> zs_;  // rows x ((k + 1) h): X W_0^T of the center, then of each direction
};

}  // namespace trilo::nn
