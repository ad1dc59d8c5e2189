// Options that would do nothing in this run. The rule: a setting of the
// computation that the run ignores (an optimizer parameter the chosen
// optimizer has no use for, a value that --vary replaces, --sample without
// --records sample, --trace-every without --trace, a count of random starts
// beside explicit ones, -l beside a formula, --param of a built-in) is
// refused, because the user expects it to change the result; a setting that
// only a different job would use (--seed where no random number is drawn,
// --merge-tol and --no-polish of a grid, which finds no minima) draws a
// one-line warning, since scripts pass such options to every job alike.
// Options a run does not use are also left out of its stored configuration.
#pragma once

#include <ostream>
#include <set>
#include <string>

namespace CLI {
class App;
}
namespace trilo::config {
struct RunConfig;
}

namespace trilo::cli {

// Refuses (config::BadInput) or warns about (one line on `err`, unless
// --quiet) each option given to `sub` that the run would not use; returns
// the long names (without "--") of every option the run does not use,
// given or not.
std::set<std::string> unused_options(const CLI::App& sub, const config::RunConfig& c, std::ostream& err);

}  // namespace trilo::cli
