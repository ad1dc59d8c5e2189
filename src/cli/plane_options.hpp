// The options of `grid` over a network landscape: a plane (or a line)
// through weight space (docs/networks.md, "Planes through weight space").
#pragma once

#include <set>
#include <string>

namespace CLI {
class App;
}
namespace trilo::config {
struct RunConfig;
}

namespace trilo::cli {

// --center, --directions, --through, --trajectory, --line, --filter-bias.
void add_plane(CLI::App* grid, config::RunConfig& c);

// Which options fit the grid's landscape: with --model the plane's and the
// model's and data's (not an analytic landscape's but --box, which spans
// the plane's coordinates), without it none of those. The grid has no
// training options at all: a plane trains nothing.
// Refuses a misfit with one line (config::BadInput); sets the plane's
// default --grid-res, 51.
void check_grid_options(const CLI::App& grid, config::RunConfig& c);

// The grid's options its landscape does not use, for the stored configuration.
void add_grid_unused(const config::RunConfig& c, std::set<std::string>& unused);

// `basins`: the plane's options only with --model (a basin map of
// initialisations); sets its default --basin-res, 16 (every cell a training).
void check_basins_options(const CLI::App& basins, config::RunConfig& c);
// The basin map's options its landscape does not use.
void add_basins_unused(const config::RunConfig& c, std::set<std::string>& unused);

// `run`: with --model the trainings of `descend` and a plane through
// weight space (the plane's options, --grid-res, --box), but no basin map
// and none of an analytic grid's options; without --model none of the
// plane's options. Refuses a misfit with one line; sets the plane's
// default --grid-res, 51.
void check_run_options(const CLI::App& run, config::RunConfig& c);
// The run's options its landscape does not use.
void add_run_unused(const config::RunConfig& c, std::set<std::string>& unused);

}  // namespace trilo::cli
