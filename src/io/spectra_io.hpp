// Curvature spectra and loss barriers of a network file's minima
// (docs/format.md, "Network files"): the eigenvalue density beside the
// other curvature in /minima, the barrier matrices in /minima, and the
// paths they come from in /barriers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/hdf5_util.hpp"

namespace trilo::io {

// The Hessian eigenvalue density by stochastic Lanczos quadrature at the
// examined minima; rows of the minima not examined are NaN.
struct MinimaDensity {
  int probes = 0, steps = 0;
  double sigma = 0;                    // standard deviation of the Gaussian broadening
  std::vector<double> grid;            // the shared eigenvalue axis (bins)
  std::vector<double> density;         // minima x bins
  std::vector<double> nodes, weights;  // minima x probes x steps (padding: node NaN, weight 0)
  bool empty() const { return grid.empty(); }
};

// Loss barriers between pairs of minima, on the whole training set.
struct MinimaBarriers {
  int points = 0;
  std::int64_t bezier_steps = 0;      // 0: no Bezier paths
  double bezier_lr = 0;
  std::int64_t bezier_batch = 0;
  std::vector<double> t;              // points
  std::vector<std::int64_t> minimum_a, minimum_b;  // per pair, a < b
  std::vector<double> line_loss;      // pairs x points
  std::vector<double> bezier_loss;    // pairs x points (with bezier_steps)
  std::vector<double> bezier_control; // pairs x params (with bezier_steps)
  std::vector<double> line, bezier;   // minima x minima: 0 on the diagonal, NaN where not computed
  bool empty() const { return minimum_a.empty(); }
};

// The density of a network file at `path` (grid and density only), with
// each minimum's count (/minima/count); false when it has none. Throws
// std::runtime_error naming the file when it cannot be read.
bool read_density(const std::string& path, MinimaDensity& d, std::vector<std::int64_t>& count);

// The lines `trilobite info` prints for a network file's eigenvalue density
// and barrier matrices (empty when it has neither): how many minima each
// covers, with which settings, the eigenvalue range and the lowest and
// highest barrier with their pair. Throws std::runtime_error naming the file
// when it cannot be read.
std::string describe_spectra(const std::string& path);

// Both add to an existing /minima of n_minima rows.
void write_density(hid_t file, const MinimaDensity& d, std::int64_t n_minima);
void write_barriers(hid_t file, const MinimaBarriers& b, std::int64_t n_minima, std::int64_t params);

}  // namespace trilo::io
