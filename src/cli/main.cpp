// trilobite: the command line. Parses options into a RunConfig and hands it
// to a job; prints one line and exits 2 on bad input, 1 on runtime failure.
// Under mpirun (a build with MPI) every rank runs this; rank 0 alone prints
// (jobs/ranks.hpp).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <ostream>

#include "cli/commands.hpp"
#include "cli/launch_guard.hpp"
#include "config/run_config.hpp"
#include "jobs/interrupt.hpp"
#include "jobs/ranks.hpp"

namespace {

// Where the output of ranks other than 0 goes.
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

}  // namespace

int main(int argc, char** argv) {
  // A write past the file size limit then fails with EFBIG, which the writer
  // reports in one line, instead of the signal killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  // Several ranks of a build without MPI would each run the whole job.
  if (!trilo::jobs::mpi_built()) {
    const trilo::cli::LaunchCheck launch = trilo::cli::check_launch(std::getenv);
    if (launch.refused) {
      if (launch.speaks) std::cerr << "trilobite: error: " << launch.line << "\n";
      return 2;
    }
  }
  std::unique_ptr<trilo::jobs::RankSession> session;
  try {
    session = std::make_unique<trilo::jobs::RankSession>(&argc, &argv);
  } catch (const std::exception& e) {
    std::cerr << "trilobite: error: " << e.what() << "\n";
    return 1;
  }
  const bool speaks = trilo::jobs::is_writer();
  const bool several = trilo::jobs::ranks() > 1;
  NullBuffer null_buffer;
  std::ostream null_stream(&null_buffer);
  std::ostream& out = speaks ? std::cout : null_stream;
  std::ostream& err = speaks ? std::cerr : null_stream;
  // A failure. Before the start gate, with several ranks, every rank takes
  // its place in the gate and exits with the lowest failing rank's line,
  // printed once (by rank 0). Past it, the failing rank prints its own line,
  // naming itself, and the whole job stops: the others may be waiting for it.
  const auto fail = [&](const char* kind, const std::string& what, int status) -> int {
    std::string line = what;
    if (several && !trilo::jobs::refuse_start(what, line)) {
      if (speaks || status != 130)
        std::cerr << "trilobite: " << kind
                  << (speaks ? std::string() : "rank " + std::to_string(trilo::jobs::rank()) + ": ") << what
                  << "\n";
      session->abort(status);
    }
    if (speaks) std::cerr << "trilobite: " << kind << line << "\n";
    return status;
  };
  try {
    return trilo::cli::main_with_args(argc, argv, out, err);
  } catch (const trilo::jobs::Interrupted& e) {
    return fail("", e.what(), 130);
  } catch (const trilo::config::BadInput& e) {
    return fail("error: ", e.what(), 2);
  } catch (const std::exception& e) {
    return fail("error: ", e.what(), 1);
  }
}
