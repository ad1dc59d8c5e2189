// trilobite: the command line. Parses options into a RunConfig and hands it
// to a job; prints one line and exits 2 on bad input, 1 on runtime failure.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/launch_guard.hpp"
#include "config/run_config.hpp"
#include "jobs/interrupt.hpp"

int main(int argc, char** argv) {
  // A write past the file size limit then fails with EFBIG, which the writer
  // reports in one line, instead of the signal killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  // Several ranks of a build without MPI would each run the whole job.
  const trilo::cli::LaunchCheck launch = trilo::cli::check_launch(std::getenv);
  if (launch.refused) {
    if (launch.speaks) std::cerr << "trilobite: error: " << launch.line << "\n";
    return 2;
  }
  try {
    return trilo::cli::main_with_args(argc, argv, std::cout, std::cerr);
  } catch (const trilo::jobs::Interrupted& e) {
    std::cerr << "trilobite: " << e.what() << "\n";
    return 130;
  } catch (const trilo::config::BadInput& e) {
    std::cerr << "trilobite: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "trilobite: error: " << e.what() << "\n";
    return 1;
  }
}
