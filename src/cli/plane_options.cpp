#include "cli/plane_options.hpp"

#include <CLI/CLI.hpp>

#include "config/run_config.hpp"

namespace trilo::cli {

namespace {

const char* const kPlaneOptions[] = {"--center", "--directions", "--through", "--trajectory", "--line",
                                     "--filter-bias"};
// Options of the model and its data, which only a network grid uses.
const char* const kModelOptions[] = {"--model", "--activation", "--loss", "--weight-decay", "--data",
                                     "--data-size", "--data-noise", "--data-classes", "--target",
                                     "--test-fraction", "--test-data", "--standardize"};
// Options of an analytic landscape's grid that a plane through weight space has no use for.
const char* const kAnalyticGridOptions[] = {"--landscape", "--expr", "--param", "--landscape-file", "--dim",
                                            "--plane-axes", "--origin", "--tile", "--merge-tol", "--no-polish"};

// Options of an analytic run that a network run has no use for: its basin
// map's and its grid's (the run's plane is a plane through weight space).
const char* const kAnalyticRunOptions[] = {"--basin-res", "--entropy-box", "--plane-axes", "--origin", "--tile"};

}  // namespace

void add_plane(CLI::App* grid, config::RunConfig& c) {
  config::PlaneOptions& p = c.plane;
  grid->add_option("--center", p.center,
                   "With --model: the plane's center, FILE:RUN (row RUN of /descents/end), FILE.h5:/DATASET or a text file of weights");
  grid->add_option("--directions", p.directions, "With --model: filter | random | through | pca");
  grid->add_option("--through", p.through, "--directions through: 2 or 3 solutions (each as --center), the first the origin")
      ->delimiter(',');
  grid->add_option("--trajectory", p.trajectory,
                   "--directions pca: FILE[:RUN], a training recorded with --trace RUN --trace-weights");
  grid->add_flag("--line", p.line, "With --model: one direction (alpha), a line instead of a plane");
  grid->add_flag("--filter-bias", p.filter_bias,
                 "--directions filter: bias entries are the center's biases instead of zero");
}

void check_grid_options(const CLI::App& grid, config::RunConfig& c) {
  const bool network = !c.net.model.empty();
  if (!network) {
    for (const char* name : kModelOptions)
      if (grid.count(name) > 0) throw config::BadInput(std::string(name) + ": applies to a network landscape; give --model");
    for (const char* name : kPlaneOptions)
      if (grid.count(name) > 0)
        throw config::BadInput(std::string(name) + ": applies to a plane through a network's weight space; give --model");
    return;
  }
  for (const char* name : kAnalyticGridOptions)
    if (grid.count(name) > 0)
      throw config::BadInput(std::string(name) + ": does not apply to a network landscape (--model)");
  if (grid.count("--grid-res") == 0) c.grid_res = 51;  // loss-landscape's default
}

void add_grid_unused(const config::RunConfig& c, std::set<std::string>& unused) {
  if (c.job != "grid") return;
  const bool network = !c.net.model.empty();
  if (!network) {
    for (const char* name : kPlaneOptions) unused.insert(name + 2);  // without "--"
    return;
  }
  unused.erase("box");
  for (const char* name : kAnalyticGridOptions) unused.insert(name + 2);
}

void check_basins_options(const CLI::App& basins, config::RunConfig& c) {
  if (c.net.model.empty()) {
    for (const char* name : kPlaneOptions)
      if (basins.count(name) > 0)
        throw config::BadInput(std::string(name) + ": applies to a basin map of a network's initialisations; give --model");
    return;
  }
  if (basins.count("--basin-res") == 0) c.basin_res = 16;  // 256 trainings
}

void add_basins_unused(const config::RunConfig& c, std::set<std::string>& unused) {
  if (c.job != "basins") return;
  if (c.net.model.empty()) {
    for (const char* name : kPlaneOptions) unused.insert(name + 2);  // without "--"
    return;
  }
  unused.erase("box");
}

void check_run_options(const CLI::App& run, config::RunConfig& c) {
  if (c.net.model.empty()) {
    for (const char* name : kPlaneOptions)
      if (run.count(name) > 0)
        throw config::BadInput(std::string(name) + ": applies to a plane through a network's weight space; give --model");
    return;
  }
  for (const char* name : {"--basin-res", "--entropy-box"})
    if (run.count(name) > 0)
      throw config::BadInput(std::string(name) +
                             ": a network run has no basin map (its trainings start from random initialisations); "
                             "`trilobite basins --model` maps a plane of initialisations");
  for (const char* name : kAnalyticRunOptions)
    if (run.count(name) > 0)
      throw config::BadInput(std::string(name) + ": does not apply to a network landscape (--model)");
  if (run.count("--grid-res") == 0) c.grid_res = 51;  // loss-landscape's default, as `grid --model`
}

void add_run_unused(const config::RunConfig& c, std::set<std::string>& unused) {
  if (c.job != "run") return;
  if (c.net.model.empty()) {
    for (const char* name : kPlaneOptions) unused.insert(name + 2);  // without "--"
    return;
  }
  unused.erase("box");
  for (const char* name : kAnalyticRunOptions) unused.insert(name + 2);
}

}  // namespace trilo::cli
