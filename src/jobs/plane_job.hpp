// `grid` over a network landscape: the loss and accuracy on a plane (or a
// line) through weight space, theta = theta0 + alpha d1 + beta d2, over the
// whole training set and the test set (docs/networks.md, "Planes through
// weight space").
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "config/network_config.hpp"

namespace trilo::jobs {

// A plane checked and built: every input read, nothing computed yet.
struct PlaneSetup {
  config::NetworkResolved nr;
  std::string kind;                // filter | random | through | pca
  int k = 2;                       // directions: 1 for a line
  std::vector<double> center;      // P
  std::vector<double> directions;  // k x P
  std::vector<double> lo, hi;      // the box, per direction
  std::int64_t res = 51;           // nodes per axis
  // Where the solutions of `through` lie on the plane (k coordinates each),
  // and for `pca` the trajectory's records projected, with the fraction of
  // the variance each direction explains.
  std::vector<double> solutions;
  std::vector<double> path_alpha, path_beta, explained;
  std::int64_t path_run = -1;
  bool barrier = false;            // a line between two solutions: report its barrier
};

// Checks the plane's options, loads the data and reads the center, the
// solutions or the trajectory; throws config::BadInput (one line) on any
// problem, before any work.
PlaneSetup resolve_plane(config::RunConfig& cfg);

// The whole command: resolve, evaluate, write and commit the file (and its
// XDMF companion), print the summary.
void run_plane_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log);

// The barrier of the line theta(alpha) from solution 0 (alpha = 0) to
// solution 1 (alpha = 1): max loss over the nodes with 0 <= alpha <= 1 and
// both ends, minus the larger of the two end losses (>= 0).
double line_barrier(const std::vector<double>& alpha, const std::vector<double>& loss, double end0, double end1,
                    double* where = nullptr);

}  // namespace trilo::jobs
