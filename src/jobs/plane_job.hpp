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
#include "io/plane_io.hpp"

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
  std::string center_source;       // where the center came from (/plane's attribute)
  std::string solution_names;      // `through`: the solutions, comma-separated
  // `run`: filter or random directions without --center, centered on the
  // run's lowest minimum once its trainings are done (center_plane); or
  // `through` without --through, through its most populous minima
  // (through_plane).
  bool center_later = false;
};

// Checks the plane's options, loads the data and reads the center, the
// solutions or the trajectory; throws config::BadInput (one line) on any
// problem, before any work.
PlaneSetup resolve_plane(config::RunConfig& cfg);

// A plane whose center was left for later: its center, where it came
// from, and (filter, random) its directions, drawn from --seed.
void center_plane(const config::RunConfig& cfg, PlaneSetup& s, std::vector<double> center, std::string source);

// The plane (k = 2) or line (k = 1) through k + 1 solutions, the first the
// origin, named by `names`: directions[k - 1] = points[k] - points[0].
void through_plane(PlaneSetup& s, const std::vector<std::vector<double>>& points, const std::vector<std::string>& names);

// A plane evaluated: the maps with /plane's attributes, and what the
// summary prints.
struct PlaneResult {
  io::PlaneMaps maps;
  std::int64_t nodes = 0;
  std::vector<double> norms;             // of the directions
  std::vector<double> ends, test_ends;   // a line between two solutions: its ends' losses
  double barrier = 0, barrier_at = 0, test_barrier = 0;
  double seconds = 0;                    // wall time of the evaluation
};

// Evaluates every node of the plane on its training set (and test set),
// chunk by chunk on the CPU; `spread`: over the ranks of an MPI job (every
// rank calls it; the maps are complete on the writer), else on this
// process alone.
PlaneResult evaluate_plane(const config::RunConfig& cfg, const PlaneSetup& s, bool spread);

// The summary lines of an evaluated plane (its shape and directions, the
// loss nearest the center, the lowest loss, the barrier of a line).
void print_plane(std::ostream& out, const PlaneSetup& s, const PlaneResult& p, bool has_test);

// `basins` over a network: the plane of initialisations (centered on
// --center, or on the initialisation --seed draws for training 0; filter,
// random, through or pca directions; --box, default [-1, 1]^2; --basin-res
// cells per axis) as trainings whose starts are its cells, run 0's batch
// order for all. `setup` (when not null) receives the plane.
config::NetworkResolved resolve_start_plane(config::RunConfig& cfg, PlaneSetup* setup);

// The whole command: resolve, evaluate, write and commit the file (and its
// XDMF companion), print the summary.
void run_plane_command(config::RunConfig& cfg, std::ostream& out, std::ostream& log);

// The barrier of the line theta(alpha) from solution 0 (alpha = 0) to
// solution 1 (alpha = 1): max loss over the nodes with 0 <= alpha <= 1 and
// both ends, minus the larger of the two end losses (>= 0).
double line_barrier(const std::vector<double>& alpha, const std::vector<double>& loss, double end0, double end1,
                    double* where = nullptr);

}  // namespace trilo::jobs
