// The command-line options of curvature spectra and loss barriers between
// the minima of a network landscape (docs/networks.md, "Eigenvalue density"
// and "Barriers between minima").
#pragma once

#include <set>
#include <string>

#include "config/run_config.hpp"

namespace CLI {
class App;
}

namespace trilo::cli {

void add_spectra_options(CLI::App* app, config::NetworkConfig& n);

// One line for an option given without --model, or a setting of a
// computation that is not asked for (--density-steps without --density,
// --barrier-points with --barrier-minima 0, --hutchinson, --hessian-top or
// --lanczos-steps with --hessian-minima 0, --lanczos-steps with
// --hessian-top 0).
void check_spectra_options(const CLI::App& app, const config::RunConfig& c);

// The options of these computations the run does not use: left out of its
// stored configuration, so that it replays without being refused.
void add_unused_spectra_options(const config::RunConfig& c, std::set<std::string>& unused);

}  // namespace trilo::cli
