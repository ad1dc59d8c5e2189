#pragma once

#include <iosfwd>

namespace trilo::config {
struct RunConfig;
}

namespace trilo::cli {

// Parses argv and runs the chosen subcommand. Returns the exit status;
// throws config::BadInput for bad input and std::exception for failures.
int main_with_args(int argc, char** argv, std::ostream& out, std::ostream& err);

// The same, with the jobs that write a result file (run, grid, descend,
// basins, critical, sweep) handed to `run_job` in place of
// jobs::run_command: the config-file fuzz target parses a --config file
// and validates the options without running a job.
using JobRunner = void (*)(config::RunConfig& cfg, std::ostream& out, std::ostream& err);
int main_with_args(int argc, char** argv, std::ostream& out, std::ostream& err, JobRunner run_job);

}  // namespace trilo::cli
