#pragma once

#include <iosfwd>

namespace trilo::cli {

// Parses argv and runs the chosen subcommand. Returns the exit status;
// throws config::BadInput for bad input and std::exception for failures.
int main_with_args(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace trilo::cli
