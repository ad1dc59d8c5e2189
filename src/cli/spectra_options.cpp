#include "cli/spectra_options.hpp"

#include <CLI/CLI.hpp>

namespace trilo::cli {

namespace {

// The density's settings, used only with --density N > 0.
const char* const kDensitySettings[] = {"--density-steps", "--density-sigma", "--density-bins"};
// The barriers' settings, used only with --barrier-minima K > 0.
const char* const kBarrierSettings[] = {"--barrier-points", "--bezier-steps"};
// The curvature computed at the --hessian-minima most populous minima, none
// with --hessian-minima 0 (the density, which also needs them, is refused by
// config::resolve_network).
const char* const kExaminedMinimaSettings[] = {"--hessian-top", "--lanczos-steps", "--hutchinson"};

}  // namespace

void add_spectra_options(CLI::App* app, config::NetworkConfig& n) {
  app->add_option("--density", n.density,
                  "Random probe vectors of the Hessian eigenvalue density (stochastic Lanczos quadrature) per examined minimum (default 0: none)");
  app->add_option("--density-steps", n.density_steps, "Lanczos steps per probe vector of the density");
  app->add_option("--density-sigma", n.density_sigma,
                  "Standard deviation of the density's Gaussian broadening (0: PyHessian's, sqrt(1e-5 max(1, eigenvalue range)))");
  app->add_option("--density-bins", n.density_bins, "Points of the density's eigenvalue grid");
  app->add_option("--barrier-minima", n.barrier_minima,
                  "Loss barriers between every pair of this many most populous minima (0: none)");
  app->add_option("--barrier-points", n.barrier_points, "Points along each path between two minima, ends included");
  app->add_option("--bezier-steps", n.bezier_steps,
                  "Also train a quadratic Bezier path between each pair by this many SGD steps and give its barrier (default 0: none)");
}

void check_spectra_options(const CLI::App& app, const config::RunConfig& c) {
  const bool network = !c.net.model.empty();
  for (const char* name : {"--density", "--density-steps", "--density-sigma", "--density-bins", "--barrier-minima",
                           "--barrier-points", "--bezier-steps"})
    if (!network && app.count(name) > 0)
      throw config::BadInput(std::string(name) + ": applies to a network landscape; give --model");
  if (!network) return;
  if (c.net.density == 0)
    for (const char* name : kDensitySettings)
      if (app.count(name) > 0)
        throw config::BadInput(std::string(name) + ": sets the eigenvalue density; give --density N (probe vectors)");
  if (c.net.barrier_minima == 0)
    for (const char* name : kBarrierSettings)
      if (app.count(name) > 0)
        throw config::BadInput(std::string(name) + ": sets the barriers between minima, which --barrier-minima 0 turns off");
  if (c.net.hessian_minima == 0)
    for (const char* name : kExaminedMinimaSettings)
      if (app.count(name) > 0)
        throw config::BadInput(std::string(name) +
                               ": computed at the --hessian-minima most populous minima; --hessian-minima 0 examines none");
  if (c.net.hessian_top == 0 && app.count("--lanczos-steps") > 0)
    throw config::BadInput("--lanczos-steps: sets the Lanczos runs of the top eigenvalues, which --hessian-top 0 turns off");
}

void add_unused_spectra_options(const config::RunConfig& c, std::set<std::string>& unused) {
  const bool network = !c.net.model.empty();
  if (!network) unused.insert({"density", "barrier-minima"});
  if (!network || c.net.density == 0)
    for (const char* name : kDensitySettings) unused.insert(name + 2);  // without "--"
  if (!network || c.net.barrier_minima == 0)
    for (const char* name : kBarrierSettings) unused.insert(name + 2);
  if (network && c.net.hessian_minima == 0)
    for (const char* name : kExaminedMinimaSettings) unused.insert(name + 2);
  if (network && c.net.hessian_top == 0) unused.insert("lanczos-steps");
}

}  // namespace trilo::cli
