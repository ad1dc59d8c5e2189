// The options of a plane (or line) through a network's weight space,
// `trilobite grid --model ...` (docs/networks.md, "Planes through weight
// space"), as typed; src/jobs/plane_job.cpp checks and resolves them.
#pragma once

#include <string>
#include <vector>

namespace trilo::config {

struct PlaneOptions {
  std::string center;                // --center FILE:RUN | FILE:/DATASET | WEIGHTS_FILE
  std::string directions = "filter"; // --directions filter | random | through | pca
  std::vector<std::string> through;  // --through: the 2 or 3 solutions of a `through` line or plane
  std::string trajectory;            // --trajectory FILE[:RUN]: the recorded training of `pca`
  bool line = false;                 // --line: one direction (alpha) instead of two
  bool filter_bias = false;          // --filter-bias: filter directions keep the center's biases
};

}  // namespace trilo::config
