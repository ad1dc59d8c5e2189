#include "cli/plane_options.hpp"

#include <CLI/CLI.hpp>
#include <array>
#include <set>
#include <string>

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

// Refuses the first of `names` given to `app`: "<name><why>", one line.
template <class Names>
void refuse_given(const CLI::App& app, const Names& names, const std::string& why) {
  for (const char* name : names)
    if (app.count(name) > 0) throw config::BadInput(std::string(name) + why);
}

// Without --model the plane options are refused; with it, the job's options
// for analytic landscapes (`analytic`) are.
template <class Names>
void refuse_plane_or_analytic(const CLI::App& app, const config::RunConfig& c, const std::string& plane_why,
                              const Names& analytic) {
  if (c.net.model.empty())
    refuse_given(app, kPlaneOptions, plane_why);
  else
    refuse_given(app, analytic, ": does not apply to a network landscape (--model)");
}

// The options a plane job (grid, basins, run) leaves unused: the plane
// options without --model; with it, the analytic ones (and --box is used).
template <class Names>
void add_plane_job_unused(const config::RunConfig& c, std::set<std::string>& unused, const Names& analytic) {
  if (c.net.model.empty()) {
    for (const char* name : kPlaneOptions) unused.insert(name + 2);  // without "--"
    return;
  }
  unused.erase("box");
  for (const char* name : analytic) unused.insert(name + 2);
}

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
  if (c.net.model.empty()) refuse_given(grid, kModelOptions, ": applies to a network landscape; give --model");
  refuse_plane_or_analytic(grid, c, ": applies to a plane through a network's weight space; give --model",
                           kAnalyticGridOptions);
  if (!c.net.model.empty() && grid.count("--grid-res") == 0) c.grid_res = 51;  // loss-landscape's default
}

void add_grid_unused(const config::RunConfig& c, std::set<std::string>& unused) {
  if (c.job == "grid") add_plane_job_unused(c, unused, kAnalyticGridOptions);
}

void check_basins_options(const CLI::App& basins, config::RunConfig& c) {
  refuse_plane_or_analytic(basins, c, ": applies to a basin map of a network's initialisations; give --model",
                           std::array<const char*, 0>{});
  if (!c.net.model.empty() && basins.count("--basin-res") == 0) c.basin_res = 16;  // 256 trainings
}

void add_basins_unused(const config::RunConfig& c, std::set<std::string>& unused) {
  if (c.job == "basins") add_plane_job_unused(c, unused, std::array<const char*, 0>{});
}

void check_run_options(const CLI::App& run, config::RunConfig& c) {
  const char* const no_basin_map[] = {"--basin-res", "--entropy-box"};
  if (!c.net.model.empty())
    refuse_given(run, no_basin_map,
                 ": a network run has no basin map (its trainings start from random initialisations); "
                 "`trilobite basins --model` maps a plane of initialisations");
  refuse_plane_or_analytic(run, c, ": applies to a plane through a network's weight space; give --model",
                           kAnalyticRunOptions);
  if (!c.net.model.empty() && run.count("--grid-res") == 0) c.grid_res = 51;  // loss-landscape's default, as `grid --model`
}

void add_run_unused(const config::RunConfig& c, std::set<std::string>& unused) {
  if (c.job == "run") add_plane_job_unused(c, unused, kAnalyticRunOptions);
}

}  // namespace trilo::cli
