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
// model's and data's (not the training's, not an analytic landscape's but
// --box, which spans the plane's coordinates), without it none of those.
// Refuses a misfit with one line (config::BadInput); sets the plane's
// default --grid-res, 51.
void check_grid_options(const CLI::App& grid, config::RunConfig& c);

// The grid's options its landscape does not use, for the stored configuration.
void add_grid_unused(const config::RunConfig& c, std::set<std::string>& unused);

}  // namespace trilo::cli
